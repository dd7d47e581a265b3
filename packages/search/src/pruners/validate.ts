/** Option checks shared by the pruners; each error names the offending field. */

/** Returns `value` if it is a safe integer ≥ `min`; otherwise throws a RangeError naming `field`. */
export function requireInteger(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${field} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** A value as it should appear in an error message (strings quoted). */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
