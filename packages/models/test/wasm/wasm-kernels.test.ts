import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installWasmTraining } from '../../src/wasm/install-wasm-training.js';
import { sumRows } from '../../src/wasm/leading-axes-reduce.js';
import { expectClose, onBackend, seededTensor, seededValues } from './wasm-test-support.js';

/** Runs `fn` on cpu and on wasm and compares every returned array. */
async function sameOnBothBackends(fn: () => Array<ArrayLike<number>>, rtol = 1e-4): Promise<void> {
  const tidied = (): Array<ArrayLike<number>> => {
    let arrays: Array<ArrayLike<number>> = [];
    tf.tidy(() => {
      arrays = fn();
    });
    return arrays;
  };
  const expected = await onBackend('cpu', tidied);
  const actual = await onBackend('wasm', tidied);
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i], rtol);
}

describe('wasm kernels installed for training', () => {
  beforeAll(async () => {
    installWasmTraining();
    await tf.setBackend('wasm');
  });

  it('MaxPoolGrad routes the gradient like the cpu backend, ties included', async () => {
    for (const [shape, size, stride, pad] of [
      [[2, 7, 7, 5], 2, 1, 'valid'],
      [[3, 8, 6, 4], 2, 2, 'valid'],
      [[2, 7, 9, 3], 3, 2, 'same'],
    ] as const) {
      await sameOnBothBackends(() => {
        // relu makes ties (zeros) common, which is where the routing rule matters.
        const x = seededTensor([...shape], 3).relu() as tf.Tensor4D;
        const r = seededTensor(tf.maxPool(x, size, stride, pad).shape, 4);
        const dx = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, size, stride, pad).mul(r).sum())(x);
        return [tf.maxPool(x, size, stride, pad).dataSync(), dx.dataSync()];
      });
    }
  });

  it('GatherV2 and its gradient (UnsortedSegmentSum) match the cpu backend on every axis', async () => {
    for (const axis of [0, 1, 2, 3]) {
      await sameOnBothBackends(() => {
        const x = seededTensor([3, 5, 4, 6], 9);
        const idx = tf.tensor1d([0, 2, 2, 1].map((i) => Math.min(i, x.shape[axis] - 1)), 'int32');
        const y = tf.gather(x, idx, axis);
        const r = seededTensor(y.shape, 10);
        const dx = tf.grad((a: tf.Tensor) => tf.gather(a, idx, axis).mul(r).sum())(x);
        return [y.dataSync(), dx.dataSync()];
      });
    }
  });

  it('GatherV2 copies int32 values bit for bit and rejects indices out of range', async () => {
    await tf.setBackend('wasm');
    const values = tf.tensor2d([-1, 2147483647, -2147483648, 7, -5, 0], [3, 2], 'int32');
    expect(Array.from(tf.gather(values, tf.tensor1d([2, 0, 1], 'int32'), 0).dataSync())).toEqual([-5, 0, -1, 2147483647, -2147483648, 7]);
    expect(() => tf.gather(values, tf.tensor1d([3], 'int32'), 0)).toThrow(/index value 3/);
  });

  it('UnsortedSegmentSum drops ids outside [0, numSegments)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d(seededValues(12, 2), [4, 3]);
    const ids = tf.tensor1d([1, -1, 1, 5], 'int32');
    const out = tf.unsortedSegmentSum(x, ids, 3).arraySync() as number[][];
    const rows = x.arraySync() as number[][];
    expect(out[0]).toEqual([0, 0, 0]);
    out[1].forEach((v, k) => expect(v).toBeCloseTo(rows[0][k] + rows[2][k], 6));
    expect(out[2]).toEqual([0, 0, 0]);
  });

  it('Tile matches the cpu backend, including the batch-norm pattern [1,1,1,C] → [N,H,W,C]', async () => {
    await sameOnBothBackends(() => [
      tf.tile(seededTensor([1, 1, 1, 5], 1), [3, 4, 2, 1]).dataSync(),
      tf.tile(seededTensor([2, 3], 2), [3, 2]).dataSync(),
      tf.tile(seededTensor([2, 1, 3], 3), [1, 4, 2]).dataSync(),
      tf.tile(tf.tensor1d([3, -1], 'int32'), [3]).dataSync(),
    ]);
  });

  it('Sum and Mean over leading axes match the cpu backend; other reductions still work', async () => {
    await sameOnBothBackends(() => {
      const x = seededTensor([4, 5, 3, 6], 5);
      return [
        tf.sum(x, [0, 1, 2]).dataSync(),
        tf.mean(x, [0, 1, 2], true).dataSync(),
        tf.sum(x, 0).dataSync(),
        tf.sum(x, [1, 2]).dataSync(),
        tf.mean(x, -1).dataSync(),
        tf.sum(x).dataSync(),
        tf.moments(x, [0, 1, 2]).variance.dataSync(),
      ];
    });
  });

  it('BatchMatMul with transposed operands matches the cpu backend, gradients of a dense layer included', async () => {
    await sameOnBothBackends(() => {
      const a = seededTensor([7, 5], 11) as tf.Tensor2D;
      const b = seededTensor([5, 3], 12) as tf.Tensor2D;
      const at = a.transpose() as tf.Tensor2D;
      const bt = b.transpose() as tf.Tensor2D;
      const x = seededTensor([4, 6], 13) as tf.Tensor2D;
      const w = seededTensor([6, 9], 14) as tf.Tensor2D;
      const r = seededTensor([4, 9], 15);
      const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D).mul(r).sum())([x, w]);
      return [
        tf.matMul(at, b, true, false).dataSync(),
        tf.matMul(a, bt, false, true).dataSync(),
        tf.matMul(at, bt, true, true).dataSync(),
        tf.matMul(at.reshape([1, 5, 7]) as tf.Tensor3D, bt.reshape([1, 3, 5]) as tf.Tensor3D, true, true).dataSync(),
        // Batched products keep the backend's own kernel.
        tf.matMul(seededTensor([2, 5, 4], 16) as tf.Tensor3D, seededTensor([2, 5, 3], 17) as tf.Tensor3D, true, false).dataSync(),
        dx.dataSync(),
        dw.dataSync(),
      ];
    });
  });

  it('BatchMatMul releases its transposed copies', async () => {
    await tf.setBackend('wasm');
    const a = seededTensor([6, 4], 1) as tf.Tensor2D;
    const b = seededTensor([3, 6], 2) as tf.Tensor2D;
    const backend = tf.backend() as unknown as { numDataIds(): number };
    tf.matMul(a, b, true, true).dispose();
    const before = backend.numDataIds();
    tf.matMul(a, b, true, true).dispose();
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('sumRows', () => {
  it('sums columns exactly for row counts around the 8-row blocks', () => {
    for (const rows of [0, 1, 7, 8, 9, 17, 64]) {
      const inner = 5;
      const values = seededValues(rows * inner, rows + 1);
      const expected = new Float64Array(inner);
      for (let r = 0; r < rows; r++) for (let k = 0; k < inner; k++) expected[k] += values[r * inner + k];
      const actual = sumRows(values, rows, inner);
      expect(actual.length).toBe(inner);
      actual.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 10));
    }
  });
});
