import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageSplit } from '../src/data/image-split.js';
import { evaluate } from '../src/evaluate.js';

/** A model whose logits ignore the image: zero kernel, the given bias. */
function constantLogits(bias: number[]): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  const dense = tf.layers.dense({ units: bias.length, kernelInitializer: 'zeros', biasInitializer: tf.initializers.constant({ value: 0 }) });
  const model = tf.model({ inputs: input, outputs: dense.apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor });
  const [kernel] = dense.getWeights();
  const values = tf.tensor1d(bias);
  dense.setWeights([kernel, values]);
  values.dispose();
  return model;
}

function split(labels: number[]): ImageSplit {
  return { images: new Uint8Array(labels.length * 3072).fill(128), labels: Uint8Array.from(labels), count: labels.length };
}

const norm = { mean: [128, 128, 128], std: [64, 64, 64] };
const labels = [0, 3, 3, 1, 9, 3, 2];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('evaluate', () => {
  it('gives ln 10 for uniform logits and predicts the first class', async () => {
    const model = constantLogits(new Array(10).fill(0));
    const result = await evaluate(model, split(labels), norm, 3);
    expect(result.loss).toBeCloseTo(Math.log(10), 5);
    expect(result.count).toBe(7);
    expect(result.confusionMatrix.map((row) => row[0])).toEqual([1, 1, 1, 3, 0, 0, 0, 0, 0, 1]);
    expect(result.accuracy).toBeCloseTo(1 / 7, 12);
    model.dispose();
  });

  it('matches the hand-computed cross-entropy when one class is favoured, across uneven batches', async () => {
    const bias = new Array(10).fill(0);
    bias[3] = 1;
    const model = constantLogits(bias);
    const logZ = Math.log(Math.E + 9);
    // three images of class 3 lose logZ − 1, the other four lose logZ
    const expected = (3 * (logZ - 1) + 4 * logZ) / 7;
    const baseline = tf.memory().numTensors;
    for (const batchSize of [1, 4, 7, 100]) {
      const result = await evaluate(model, split(labels), norm, batchSize);
      expect(result.loss).toBeCloseTo(expected, 5);
      expect(result.perClassAccuracy[3]).toBe(1);
      expect(result.accuracy).toBeCloseTo(3 / 7, 12);
    }
    expect(tf.memory().numTensors).toBe(baseline);
    model.dispose();
  });

  it('rejects an aborted signal and a bad batch size', async () => {
    const model = constantLogits(new Array(10).fill(0));
    const controller = new AbortController();
    controller.abort(new Error('stop requested'));
    await expect(evaluate(model, split(labels), norm, 2, { signal: controller.signal })).rejects.toThrow('stop requested');
    await expect(evaluate(model, split(labels), norm, 0)).rejects.toThrow(/^batchSize/);
    await expect(evaluate(model, split([]), norm, 2)).rejects.toThrow(/^split\.count/);
    model.dispose();
  });
});
