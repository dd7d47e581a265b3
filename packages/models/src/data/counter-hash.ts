import { mix32 } from '../randomness.js';

/**
 * Counter-based randomness for the data pipeline: a value is a pure function of (seed,
 * counter), so a batch's augmentation depends only on the seed drawn for it and restoring a
 * RandomStream restores augmentation exactly.
 */

/** The `counter`-th output of the splitmix32 sequence seeded with `seed` (Steele et al. 2014). */
export function hashAt(seed: number, counter: number): number {
  return mix32((seed + Math.imul(counter + 1, 0x9e3779b9)) | 0);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Folds any finite number (an integer up to 2^53, negative, or a fraction) into 32 bits through
 * its IEEE-754 bit pattern, so no part of a seed is silently dropped.
 */
export function seedToUint32(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  f64[0] = seed;
  return mix32(u32[0] ^ mix32(u32[1] ^ 0x5bd1e995));
}
