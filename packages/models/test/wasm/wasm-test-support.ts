import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';

/** Deterministic values in [-1, 1) from a 32-bit LCG, identical on every backend. */
export function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

export function seededTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Runs `fn` with `backend` active and returns plain arrays, leaving no tensors behind. */
export async function onBackend<T>(backend: string, fn: () => T): Promise<T> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  return fn();
}

/**
 * Asserts |actual − expected| ≤ rtol·scale elementwise (plus a tiny absolute floor), where
 * scale is max|expected| unless given (e.g. the largest of several related gradients, for a
 * tensor that is zero up to rounding).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-4, atScale?: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = atScale ?? 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const bound = rtol * scale + 1e-7;
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= worst)) {
      worst = diff;
      worstAt = i;
    }
  }
  expect(worst, `max |diff| ${worst} at ${worstAt} exceeds ${bound} (scale ${scale})`).toBeLessThanOrEqual(bound);
}
