import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CheckpointError } from '../src/checkpoint.js';
import { resolveHyperparameters } from '../src/config.js';
import { loadCifar10, type Cifar10 } from '../src/data/cifar10.js';
import { train, type TrainResult } from '../src/train.js';

// Fractional pooling, dropout and augmentation all draw from random streams, and Adam keeps
// moments: resuming reproduces the uninterrupted run only if every one of them is restored.
const hp = resolveHyperparameters({
  cnn_layers: 1,
  downsample: 2,
  starting_channels: 2,
  final_channels: 2,
  fcn_layers: 2,
  batch_size: 10,
  learning_rate: 0.01,
  pooling: 'fractional',
  dropout: 0.3,
  augment: true,
  optimizer: 'adamw',
  weight_decay: 0.01,
});
const seed = 11;

let data: Cifar10;
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  data = await loadCifar10({ trainSize: 20, validationSize: 10, testSize: 0 });
  root = await mkdtemp(path.join(tmpdir(), 'tunefleet-resume-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function weights(result: TrainResult): Promise<Float32Array[]> {
  const values = await Promise.all(result.model!.getWeights().map((w) => w.data() as Promise<Float32Array>));
  result.model!.dispose();
  return values;
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  expect(b.map((w) => w.length)).toEqual(a.map((w) => w.length));
  let max = 0;
  a.forEach((w, i) => w.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
}

/** Rewrites state.json of a checkpoint (and its manifest entry) as a deliberately wrong restore. */
async function editState(checkpoint: string, edit: (state: { random: Record<string, { counter: number }> }) => void) {
  const state = JSON.parse(await readFile(path.join(checkpoint, 'state.json'), 'utf8'));
  edit(state);
  const bytes = Buffer.from(JSON.stringify(state));
  await writeFile(path.join(checkpoint, 'state.json'), bytes);
  const manifest = JSON.parse(await readFile(path.join(checkpoint, 'manifest.json'), 'utf8'));
  manifest.files['state.json'] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  await writeFile(path.join(checkpoint, 'manifest.json'), JSON.stringify(manifest));
}

it('2 epochs + resume from the epoch-2 checkpoint + 2 epochs equal 4 uninterrupted epochs', async () => {
  const baseline = tf.memory().numTensors;
  const straight = await train({ hp, data, maxEpochs: 4, seed, returnModel: true });
  const straightReports = straight.reports;
  const expected = await weights(straight);

  const dir = path.join(root, 'study-1', 'trial-1');
  const first = await train({ hp, data, maxEpochs: 2, seed, checkpoint: { dir: 'study-1/trial-1', root } });
  expect(first.lastReport?.checkpointPath).toBe(path.join(dir, 'epoch-2'));
  const resumed = await train({
    hp,
    data,
    maxEpochs: 4,
    seed,
    checkpoint: { dir: 'study-1/trial-1', root, resumeFrom: 'study-1/trial-1/epoch-2' },
    returnModel: true,
  });
  expect(resumed.outcome).toBe('complete');
  expect(resumed.epochsCompleted).toBe(4);
  expect(resumed.reports.map((r) => r.epoch)).toEqual([3, 4]);
  resumed.reports.forEach((report, i) => {
    expect(report.trainLoss).toBeCloseTo(straightReports[i + 2].trainLoss, 5);
    expect(report.valLoss).toBeCloseTo(straightReports[i + 2].valLoss, 5);
    expect(report.confusionMatrix).toEqual(straightReports[i + 2].confusionMatrix);
  });
  expect(maxDifference(expected, await weights(resumed))).toBeLessThan(1e-5);

  // Control: the same resume with the augmentation stream one draw off ends elsewhere, so the
  // comparison above is sensitive to randomness restoration.
  await editState(path.join(dir, 'epoch-2'), (state) => void (state.random.augment.counter += 1));
  const shifted = await train({ hp, data, maxEpochs: 4, seed, checkpoint: { dir, resumeFrom: path.join(dir, 'epoch-2') }, returnModel: true });
  expect(maxDifference(expected, await weights(shifted))).toBeGreaterThan(1e-3);

  expect(tf.memory().numTensors).toBe(baseline);
});

it('refuses to resume a checkpoint written with another seed or other hyperparameters', async () => {
  const dir = path.join(root, 'study-2', 'trial-1');
  const first = await train({ hp, data, maxEpochs: 1, seed, checkpoint: { dir } });
  const resumeFrom = first.lastReport!.checkpointPath!;
  await expect(train({ hp, data, maxEpochs: 2, seed: seed + 1, checkpoint: { dir, resumeFrom } })).rejects.toThrow(CheckpointError);
  await expect(
    train({ hp: { ...hp, learning_rate: 0.02 }, data, maxEpochs: 2, seed, checkpoint: { dir, resumeFrom } }),
  ).rejects.toThrow(/other hyperparameters \(learning_rate: 0\.01 in the checkpoint, 0\.02 given\)/);
  await expect(train({ hp, data, maxEpochs: 2, startEpoch: 3, seed, checkpoint: { dir, resumeFrom } })).rejects.toThrow(
    /startEpoch: must be 2/,
  );
  // Resuming at the last epoch trains nothing and reports the checkpoint's epoch.
  const done = await train({ hp, data, maxEpochs: 1, seed, checkpoint: { dir, resumeFrom } });
  expect([done.outcome, done.epochsCompleted, done.reports.length, done.lastReport?.epoch]).toEqual(['complete', 1, 0, 1]);
});
