import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHyperparameters, type Hyperparameters } from '../src/config.js';
import { loadCifar10, type Cifar10 } from '../src/data/cifar10.js';
import { createOptimizer, train, TrainOptionsError, weightDecay } from '../src/train.js';

// The smallest network the architecture rule allows (one 2-channel block, 32 → 16, one hidden
// dense layer), with dropout and augmentation on, so the pure-JS cpu backend runs an epoch of
// 30 images in about a second.
const hp: Hyperparameters = resolveHyperparameters({
  cnn_layers: 1,
  downsample: 2,
  starting_channels: 2,
  final_channels: 2,
  fcn_layers: 2,
  batch_size: 10,
  learning_rate: 0.01,
  dropout: 0.3,
  augment: true,
});

let data: Cifar10;
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tunefleet-train-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  data = await loadCifar10({ trainSize: 30, validationSize: 10, testSize: 10 });
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('train', () => {
  it('reports every epoch with validation metrics, checkpoints it, and completes', async () => {
    const dir = await tempDir();
    const seen: number[] = [];
    const result = await train({ hp, data, maxEpochs: 2, seed: 5, checkpoint: { dir }, onEpochEnd: (r) => void seen.push(r.epoch) });
    expect(result.outcome).toBe('complete');
    expect(result.epochsCompleted).toBe(2);
    expect(seen).toEqual([1, 2]);
    expect(result.reports.map((r) => r.epoch)).toEqual([1, 2]);
    expect(result.backend).toBe('cpu');
    expect(result.parameterCount).toBeGreaterThan(0);
    for (const report of result.reports) {
      expect(Number.isFinite(report.trainLoss) && report.trainLoss > 0).toBe(true);
      expect(Number.isFinite(report.valLoss) && report.valLoss > 0).toBe(true);
      expect(report.perClassAccuracy).toHaveLength(10);
      expect(report.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(data.validation.count);
      const correct = report.confusionMatrix.reduce((sum, row, k) => sum + row[k], 0);
      expect(report.valAccuracy).toBeCloseTo(correct / data.validation.count, 12);
      expect(report.macroF1).toBeGreaterThanOrEqual(0);
      expect(report.imagesPerSecond).toBeGreaterThan(0);
      expect(report.elapsedMs).toBeGreaterThan(0);
      expect(report.checkpointPath).toBe(path.join(dir, `epoch-${report.epoch}`));
    }
    expect(result.lastReport).toBe(result.reports[1]);
    expect((await readdir(dir)).sort()).toEqual(['epoch-1', 'epoch-2']);
  });

  it('stops after the epoch whose callback aborts the signal', async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    const result = await train({
      hp,
      data,
      maxEpochs: 3,
      seed: 5,
      checkpoint: { dir },
      signal: controller.signal,
      onEpochEnd: () => controller.abort(),
    });
    expect(result.outcome).toBe('stopped');
    expect(result.epochsCompleted).toBe(1);
    expect(result.lastReport?.epoch).toBe(1);
    expect(await readdir(dir)).toEqual(['epoch-1']);
  });

  it('returns diverged, not an exception, when the loss stops being finite', async () => {
    // A standard deviation of 1e-45 maps pixels to ±Infinity in float32, so the first loss is NaN.
    const broken = { ...data, std: [1e-45, 1e-45, 1e-45] as [number, number, number] };
    const result = await train({ hp, data: broken, maxEpochs: 2, seed: 5 });
    expect(result.outcome).toBe('diverged');
    expect(result.epochsCompleted).toBe(0);
    expect(result.divergence).toMatchObject({ epoch: 1, phase: 'train', batch: 0 });
    expect(Number.isFinite(result.divergence!.loss)).toBe(false);
  });

  it('evaluates the test split when asked and releases every tensor it made', async () => {
    const baseline = tf.memory().numTensors;
    const result = await train({ hp: { ...hp, optimizer: 'adamw', weight_decay: 0.01 }, data, maxEpochs: 1, seed: 6, evaluateTest: true });
    expect(tf.memory().numTensors).toBe(baseline);
    expect(result.test?.count).toBe(data.test.count);
    expect(result.test?.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(data.test.count);
    expect(Number.isFinite(result.test?.loss)).toBe(true);

    const kept = await train({ hp: { ...hp, optimizer: 'rmsprop' }, data, maxEpochs: 1, seed: 6, returnModel: true });
    expect(tf.memory().numTensors).toBeGreaterThan(baseline);
    kept.model!.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('rejects bad options, naming each field', async () => {
    const err = await train({ hp, data: { ...data, validation: { ...data.validation, count: 0 } }, maxEpochs: 0, seed: -1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TrainOptionsError);
    expect((err as TrainOptionsError).issues.map((i) => i.field)).toEqual(['maxEpochs', 'seed', 'data.validation.count']);
    await expect(train({ hp, data, maxEpochs: 2, startEpoch: 2, seed: 1 })).rejects.toThrow(/startEpoch: must be 1 without checkpoint\.resumeFrom/);
    await expect(train({ hp, data: { ...data, test: undefined }, maxEpochs: 1, seed: 1, evaluateTest: true })).rejects.toThrow(/data\.test: is required/);
    await expect(train({ hp: { ...hp, batch_size: 0 }, data, maxEpochs: 1, seed: 1 })).rejects.toThrow(/batch_size/);
    await expect(train({ hp, data, maxEpochs: 1, seed: 1, checkpoint: { dir: '../escape', root: await tempDir() } })).rejects.toThrow(
      /checkpoint\.dir: .* leaves the checkpoint root/,
    );
  });
});

describe('weightDecay', () => {
  let made = 0;
  const setup = () => {
    made += 1;
    const kernel = tf.variable(tf.tensor2d([[1, -2], [3, 4]]), true, `decay-kernel-${made}`);
    const bias = tf.variable(tf.tensor1d([1, 1]), true, `decay-bias-${made}`);
    const gradients = [
      { name: kernel.name, tensor: tf.ones([2, 2]) },
      { name: bias.name, tensor: tf.ones([2]) },
    ];
    return { kernel, bias, gradients };
  };

  it('adds λ·w to kernel gradients only (L2) for adam, sgd and rmsprop', async () => {
    const { kernel, bias, gradients } = setup();
    const out = weightDecay({ optimizer: 'sgd', learning_rate: 0.1, weight_decay: 0.5 }, [kernel, bias]).apply(gradients);
    expect(Array.from(await out[0].tensor.data())).toEqual([1.5, 0, 2.5, 3]);
    expect(out[1].tensor).toBe(gradients[1].tensor);
    expect(Array.from(await kernel.data())).toEqual([1, -2, 3, 4]);
    tf.dispose([kernel, bias, ...gradients.map((g) => g.tensor), out[0].tensor]);
  });

  it('shrinks kernels by 1 − lr·λ before the step for adamw, leaving gradients alone', async () => {
    const { kernel, bias, gradients } = setup();
    const out = weightDecay({ optimizer: 'adamw', learning_rate: 0.1, weight_decay: 0.5 }, [kernel, bias]).apply(gradients);
    expect(out).toBe(gradients);
    const shrunk = Array.from(await kernel.data());
    [0.95, -1.9, 2.85, 3.8].forEach((v, i) => expect(shrunk[i]).toBeCloseTo(v, 6));
    expect(Array.from(await bias.data())).toEqual([1, 1]);
    tf.dispose([kernel, bias, ...gradients.map((g) => g.tensor)]);
  });

  it('does nothing when weight_decay is 0', () => {
    const { kernel, bias, gradients } = setup();
    expect(weightDecay({ optimizer: 'adam', learning_rate: 0.1, weight_decay: 0 }, [kernel, bias]).apply(gradients)).toBe(gradients);
    tf.dispose([kernel, bias, ...gradients.map((g) => g.tensor)]);
  });
});

describe('createOptimizer', () => {
  it('maps hp.optimizer and hp.momentum to the tfjs update rule', () => {
    const make = (optimizer: Hyperparameters['optimizer'], momentum = 0.9) => createOptimizer({ optimizer, learning_rate: 0.01, momentum });
    const names = [make('adam'), make('adamw'), make('sgd'), make('sgd', 0), make('rmsprop')].map((o) => {
      const name = (o.constructor as unknown as { className: string }).className;
      o.dispose();
      return name;
    });
    expect(names).toEqual(['Adam', 'Adam', 'Momentum', 'SGD', 'RMSProp']);
  });
});
