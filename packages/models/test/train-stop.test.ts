import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { resolveHyperparameters } from '../src/config.js';
import { loadCifar10, type Cifar10 } from '../src/data/cifar10.js';
import { train } from '../src/train.js';

// makeBatch is wrapped to count calls, so the tests see exactly how many batches were started.
const batches = vi.hoisted(() => ({ calls: 0, onCall: (_calls: number): void => undefined }));
vi.mock('../src/data/make-batch.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/data/make-batch.js')>();
  return {
    ...original,
    makeBatch: (...args: Parameters<typeof original.makeBatch>) => {
      batches.calls += 1;
      batches.onCall(batches.calls);
      return original.makeBatch(...args);
    },
  };
});

const hp = resolveHyperparameters({
  cnn_layers: 1,
  downsample: 2,
  starting_channels: 2,
  final_channels: 2,
  fcn_layers: 2,
  batch_size: 10,
});
let data: Cifar10;
beforeAll(async () => {
  await tf.setBackend('cpu');
  data = await loadCifar10({ trainSize: 30, validationSize: 10, testSize: 0 });
});
beforeEach(() => {
  batches.calls = 0;
  batches.onCall = () => undefined;
});

it('stops within one batch of the signal being aborted', async () => {
  const controller = new AbortController();
  batches.onCall = (calls) => {
    if (calls === 3) controller.abort();
  };
  const baseline = tf.memory().numTensors;
  const result = await train({ hp, data, maxEpochs: 2, seed: 3, signal: controller.signal });
  expect(result.outcome).toBe('stopped');
  expect(result.epochsCompleted).toBe(0);
  expect(result.reports).toEqual([]);
  expect(batches.calls).toBe(3);
  expect(tf.memory().numTensors).toBe(baseline);
});

it('stops during validation without reporting the unfinished epoch', async () => {
  const controller = new AbortController();
  // 3 training batches of 10, then validation batches of 5: the 4th call is the first validation batch.
  batches.onCall = (calls) => {
    if (calls === 4) controller.abort();
  };
  const reported: number[] = [];
  const result = await train({ hp, data, maxEpochs: 2, seed: 3, signal: controller.signal, evalBatchSize: 5, onEpochEnd: (r) => void reported.push(r.epoch) });
  expect([result.outcome, result.epochsCompleted, reported.length]).toEqual(['stopped', 0, 0]);
  expect(batches.calls).toBe(4);
});

it('awaits onEpochEnd before starting the next batch', async () => {
  const during: number[] = [];
  await train({
    hp,
    data,
    maxEpochs: 2,
    seed: 3,
    onEpochEnd: async () => {
      const before = batches.calls;
      await new Promise((resolve) => setTimeout(resolve, 20));
      during.push(batches.calls - before);
    },
  });
  expect(during).toEqual([0, 0]);
});

it('yields to the event loop between batches', async () => {
  let turns = 0;
  let running = true;
  const spin = () => {
    turns += 1;
    if (running) setImmediate(spin);
  };
  const atBatch: number[] = [];
  batches.onCall = () => void atBatch.push(turns);
  setImmediate(spin);
  await train({ hp, data, maxEpochs: 1, seed: 3 });
  running = false;
  // Other work ran between every two consecutive training batches.
  for (let i = 1; i < 3; i++) expect(atBatch[i]).toBeGreaterThan(atBatch[i - 1]);
});
