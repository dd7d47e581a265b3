import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installWasmTraining } from '../../src/wasm/install-wasm-training.js';
import { expectClose, onBackend, seededTensor } from './wasm-test-support.js';

/**
 * conv → batch norm → activation → pool → dense, with every weight drawn from fixed seeds,
 * so the model is identical whichever backend builds it. `pool: 'window2'` is the
 * fractional-style pool (window-2 max pool with stride 1, then rows and columns picked by
 * index), which exercises MaxPoolGrad, GatherV2 and UnsortedSegmentSum.
 */
function buildSmallModel(kernel: '3x3' | 'separable', pool: 'max' | 'window2', activation: 'relu' | 'elu' | 'gelu'): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  let x: tf.SymbolicTensor = input;
  const convs: [number, number][] = kernel === '3x3' ? [[3, 3]] : [[1, 3], [3, 1]];
  convs.forEach(([kh, kw], i) => {
    x = tf.layers.conv2d({ filters: 5, kernelSize: [kh, kw], padding: 'same', kernelInitializer: init(i + 1), biasInitializer: 'ones' }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.batchNormalization({ gammaInitializer: tf.initializers.constant({ value: 1.5 }), betaInitializer: tf.initializers.constant({ value: 0.1 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation }).apply(x) as tf.SymbolicTensor;
  if (pool === 'max') {
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  } else {
    x = new Window2Pool().apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 10, kernelInitializer: init(7) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

/** 8 → 5 with windows of 2 starting at rows/columns 0, 1, 3, 4, 6. */
class Window2Pool extends tf.layers.Layer {
  static readonly className = 'TestWindow2Pool';
  override computeOutputShape(shape: tf.Shape): tf.Shape {
    return [shape[0], 5, 5, shape[3]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const starts = tf.tensor1d([0, 1, 3, 4, 6], 'int32');
    return tf.gather(tf.gather(tf.maxPool(x, 2, 1, 'valid'), starts, 1), starts, 2);
  }
}

interface StepResult {
  loss: number;
  /** Gradients of the trainable variables, sorted by variable name. */
  grads: Float32Array[];
  /** The same variables after two Adam steps. */
  weightsAfter: Float32Array[];
}

function trainingStep(kernel: '3x3' | 'separable', pool: 'max' | 'window2', activation: 'relu' | 'elu' | 'gelu'): StepResult {
  const model = buildSmallModel(kernel, pool, activation);
  const x = seededTensor([4, 8, 8, 3], 21);
  const y = tf.oneHot(tf.tensor1d([3, 1, 4, 1], 'int32'), 10).toFloat();
  const lossFn = () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const { value, grads } = tf.variableGrads(lossFn);
  const names = Object.keys(grads).sort();
  const result = { loss: value.dataSync()[0], grads: names.map((n) => grads[n].dataSync() as Float32Array) };
  tf.dispose([value, ...Object.values(grads)]);
  const optimizer = tf.train.adam(0.01);
  for (let s = 0; s < 2; s++) optimizer.minimize(lossFn, true)?.dispose();
  const byName = new Map(model.trainableWeights.map((w) => [w.originalName, w]));
  const weightsAfter = names.map((n) => {
    const variable = byName.get(n.replace(/_\d+$/, '')) ?? model.trainableWeights.find((w) => w.name === n || w.originalName === n);
    if (variable === undefined) throw new Error(`no trainable weight named ${n}`);
    return variable.read().dataSync() as Float32Array;
  });
  optimizer.dispose();
  model.dispose();
  tf.dispose([x, y]);
  return { ...result, weightsAfter };
}

describe('one training step on wasm equals the cpu backend', () => {
  beforeAll(() => {
    installWasmTraining();
  });

  it.each([
    ['3x3', 'window2', 'relu'],
    ['separable', 'max', 'elu'],
    ['3x3', 'max', 'gelu'],
  ] as const)('kernel %s, pool %s, activation %s', async (kernel, pool, activation) => {
    const expected = await onBackend('cpu', () => trainingStep(kernel, pool, activation));
    const actual = await onBackend('wasm', () => trainingStep(kernel, pool, activation));
    expect(Number.isFinite(expected.loss)).toBe(true);
    expect(actual.loss).toBeCloseTo(expected.loss, 4);
    expect(actual.grads.length).toBe(expected.grads.length);
    // Conv biases feeding batch norm have a zero gradient up to rounding, so gradients are
    // compared at the scale of the largest one.
    const scale = Math.max(...expected.grads.map((g) => Math.max(...Array.from(g, Math.abs))));
    expected.grads.forEach((g, i) => expectClose(actual.grads[i], g, 2e-4, scale));
    // Adam divides by √v, so a gradient that is zero up to rounding moves its variable by
    // ±lr whichever way the rounding fell; those variables (the conv biases) are left out.
    expected.weightsAfter.forEach((w, i) => {
      const gradScale = Math.max(...Array.from(expected.grads[i], Math.abs));
      if (gradScale > 1e-4 * scale) expectClose(actual.weightsAfter[i], w, 2e-4);
    });
  });
});
