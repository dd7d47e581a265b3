import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { fractionalMaxPool, fractionalPoolStarts } from '../src/fractional-max-pool.js';

/** Runs `f` on a backend and returns plain arrays, so results can be compared across backends. */
async function on<T>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

describe('fractional max pool kernels on wasm', () => {
  it('give the cpu results and gradients, reading and writing the wasm heap', async () => {
    const rows = fractionalPoolStarts(20, 13, 0.42);
    const cols = fractionalPoolStarts(20, 13, 0.9);
    const values = Float32Array.from({ length: 3 * 20 * 20 * 6 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const weights = Float32Array.from({ length: 3 * 13 * 13 * 6 }, (_, i) => Math.cos(i * 3.1));
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(values, [3, 20, 20, 6]);
        const w = tf.tensor4d(weights, [3, 13, 13, 6]);
        const y = fractionalMaxPool(x, { rows, cols }, 'kernel');
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fractionalMaxPool(t as tf.Tensor4D, { rows, cols }, 'kernel'), w)))(x);
        return { y: Array.from(y.dataSync()), g: Array.from(g.dataSync()) };
      });
    const cpu = await on('cpu', run);
    const wasmBefore = await on('wasm', () => tf.memory().numTensors);
    const wasm = await on('wasm', run);
    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.y).toEqual(cpu.y);
    expect(wasm.g.map((v, i) => Math.abs(v - cpu.g[i])).reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(1e-6);
    // The gradient buffer is reused heap memory: a second run must not see the first one's sums.
    expect((await on('wasm', run)).g).toEqual(wasm.g);
    expect(tf.memory().numTensors).toBe(wasmBefore);
  });
});
