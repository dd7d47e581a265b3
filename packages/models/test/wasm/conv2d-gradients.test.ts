import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNFOLD_LIMIT, conv2DBackpropFilter } from '../../src/wasm/conv2d-backprop-filter.js';
import { installWasmTraining } from '../../src/wasm/install-wasm-training.js';
import { expectClose, onBackend, seededTensor } from './wasm-test-support.js';

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
}

const CASES: ConvCase[] = [
  { name: '3x3 same, batch 2, 3→5 channels', x: [2, 8, 8, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: '1x3 same, batch 3, 4→2 channels', x: [3, 7, 6, 4], filter: [1, 3, 4, 2], strides: 1, pad: 'same' },
  { name: '3x1 same, batch 2, 5→3 channels', x: [2, 6, 7, 5], filter: [3, 1, 5, 3], strides: 1, pad: 'same' },
  { name: '3x3 valid, non-square input', x: [2, 7, 5, 2], filter: [3, 3, 2, 4], strides: 1, pad: 'valid' },
  { name: '2x2 same (asymmetric padding)', x: [2, 6, 5, 3], filter: [2, 2, 3, 4], strides: 1, pad: 'same' },
  { name: '4x1 same (asymmetric rows)', x: [1, 7, 4, 2], filter: [4, 1, 2, 3], strides: 1, pad: 'same' },
  { name: '3x3 explicit padding', x: [2, 5, 6, 3], filter: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [2, 0], [0, 1], [0, 0]] },
  { name: '3x3 stride 2 same', x: [2, 9, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 valid (trailing rows unused)', x: [2, 8, 8, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' },
];

/** dx and dW of sum(conv2d(x, w) · r), r random so that dy is not constant. */
function convGradients(c: ConvCase): { dx: Float32Array; dw: Float32Array; y: Float32Array } {
  return tf.tidy(() => {
    const x = seededTensor(c.x, 11) as tf.Tensor4D;
    const w = seededTensor(c.filter, 23) as tf.Tensor4D;
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, c.strides, c.pad);
    const y = conv(x, w);
    const r = seededTensor(y.shape, 37);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a as tf.Tensor4D, b as tf.Tensor4D).mul(r).sum())([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array, y: y.dataSync() as Float32Array };
  });
}

describe('wasm convolution gradients', () => {
  it.each([
    ['3x3 same', 1, 'same'],
    ['3x3 stride 2 valid', 2, 'valid'],
  ] as const)('%s: the filter gradient summed over groups of images equals the cpu backend', async (_name, strides, pad) => {
    const run = () =>
      tf.tidy(() => {
        const x = seededTensor([5, 7, 6, 3], 41) as tf.Tensor4D;
        const filterShape: [number, number, number, number] = [3, 3, 3, 2];
        const dy = seededTensor(tf.conv2d(x, tf.zeros(filterShape) as tf.Tensor4D, strides, pad).shape, 42);
        if (tf.getBackend() === 'cpu') return [tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, strides, pad).mul(dy).sum())(tf.zeros(filterShape)).dataSync()];
        const attrs = { strides, pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap;
        const rows = 3 * 3 * 3;
        const perImage = dy.shape[1]! * dy.shape[2]!;
        // Two images per group: three groups for five images.
        const info = conv2DBackpropFilter({ inputs: { x, dy }, backend: tf.backend(), attrs }, 2 * rows * perImage);
        expect(2 * rows * perImage).toBeLessThan(UNFOLD_LIMIT);
        return [tf.engine().makeTensorFromTensorInfo(info).dataSync()];
      });
    const expected = await onBackend('cpu', run);
    const actual = await onBackend('wasm', run);
    expectClose(actual[0], expected[0]);
  });

  beforeAll(async () => {
    installWasmTraining();
    await tf.setBackend('wasm');
  });

  it.each(CASES)('$name matches the cpu backend', async (c) => {
    const expected = await onBackend('cpu', () => convGradients(c));
    const actual = await onBackend('wasm', () => convGradients(c));
    expectClose(actual.y, expected.y);
    expectClose(actual.dx, expected.dx);
    expectClose(actual.dw, expected.dw);
  });

  it('releases every intermediate buffer', async () => {
    await tf.setBackend('wasm');
    const c = CASES[0];
    convGradients(c);
    const before = tf.memory().numTensors;
    const dataBefore = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    convGradients(c);
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataBefore);
  });

  it('fused conv2d with bias (what tf.layers uses) trains on wasm like on cpu', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = seededTensor([2, 6, 6, 3], 5) as tf.Tensor4D;
        const w = seededTensor([1, 3, 3, 4], 6) as tf.Tensor4D;
        const b = seededTensor([4], 7) as tf.Tensor1D;
        const r = seededTensor([2, 6, 6, 4], 8);
        const grads = tf.grads((a: tf.Tensor, f: tf.Tensor, c: tf.Tensor) =>
          tf.fused.conv2d({ x: a as tf.Tensor4D, filter: f as tf.Tensor4D, bias: c, strides: 1, pad: 'same' }).mul(r).sum(),
        )([x, w, b]);
        return grads.map((g) => g.dataSync() as Float32Array);
      });
    const expected = await onBackend('cpu', run);
    const actual = await onBackend('wasm', run);
    for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i]);
  });
});

describe('installWasmTraining', () => {
  it('registers for wasm only and is idempotent', () => {
    const cpuBefore = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.UnsortedSegmentSum].map((k) => tf.getKernel(k, 'cpu'));
    installWasmTraining();
    const wasmKernels = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput].map((k) => tf.getKernel(k, 'wasm'));
    expect(installWasmTraining().registered).toEqual([]);
    expect([tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput].map((k) => tf.getKernel(k, 'wasm'))).toEqual(wasmKernels);
    const cpuAfter = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.UnsortedSegmentSum].map((k) => tf.getKernel(k, 'cpu'));
    expect(cpuAfter).toEqual(cpuBefore);
    expect(cpuAfter.every((k) => k !== undefined)).toBe(true);
  });
});
