/**
 * Option readers shared by the samplers and samplerFromJSON: each rejects bad input with a TypeError
 * naming the option, because sampler options arrive from stored study JSON and REST requests.
 */

export function readSeed(value: unknown, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`${field} must be an integer in [0, 2^32), got ${String(value)}`);
  }
  return value;
}

export function readInt(value: unknown, field: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${field} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

export function readNumber(value: unknown, field: string, fallback: number, min: number, minInclusive: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || (minInclusive ? value < min : value <= min)) {
    throw new TypeError(`${field} must be a finite number ${minInclusive ? '≥' : '>'} ${min}, got ${String(value)}`);
  }
  return value;
}

export function readBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${field} must be a boolean, got ${String(value)}`);
  return value;
}
