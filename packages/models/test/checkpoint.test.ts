import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  checkpointModelHandler,
  checkpointPath,
  listCheckpoints,
  loadCheckpoint,
  resolveCheckpointDir,
  restoreModelWeights,
  restoreOptimizerState,
  saveCheckpoint,
  type CheckpointState,
} from '../src/checkpoint.js';
import { SEED_HYPERPARAMETERS } from '../src/config.js';

// A small standard model stands in for buildModel here: checkpoints must work for any LayersModel.
function smallModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 5, kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

const input = () => tf.tensor2d([[1, 2, 3, 4], [0.5, -1, 2, 0], [3, 1, -2, 1]]);

/** One Adam step in training mode, so optimizer state and batch-norm statistics are non-trivial. */
function trainOnce(model: tf.LayersModel, optimizer: tf.Optimizer): void {
  tf.tidy(() => {
    const x = input();
    optimizer.minimize(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
  });
}

const state = (epoch: number): CheckpointState => ({
  epoch,
  seed: 7,
  hp: { ...SEED_HYPERPARAMETERS },
  random: { model: { seed: 1, counter: 12 }, augment: { seed: 2, counter: 3 }, order: { seed: 3, counter: epoch } },
});

async function values(tensors: tf.Tensor[]): Promise<number[][]> {
  return Promise.all(tensors.map(async (t) => Array.from(await t.data())));
}

let dir: string;
const dirs: string[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tunefleet-checkpoint-'));
  dirs.push(dir);
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('saveCheckpoint and loadCheckpoint', () => {
  it('round-trips model weights (batch-norm statistics included) and optimizer state', async () => {
    const model = smallModel(1);
    const optimizer = tf.train.adam(0.01);
    trainOnce(model, optimizer);
    trainOnce(model, optimizer);
    const saved = await saveCheckpoint({ dir, model, optimizer, state: state(2) });
    expect(saved).toBe(path.join(dir, 'epoch-2'));
    expect((await readdir(saved)).sort()).toEqual(
      ['manifest.json', 'model.json', 'optimizer.bin', 'optimizer.json', 'state.json', 'weights.bin'].sort(),
    );

    const loaded = await loadCheckpoint(saved);
    expect(loaded.state).toEqual(state(2));

    const fresh = smallModel(99);
    const freshOptimizer = tf.train.adam(0.01);
    restoreModelWeights(fresh, loaded);
    await restoreOptimizerState(freshOptimizer, loaded);
    expect(await values(fresh.getWeights())).toEqual(await values(model.getWeights()));
    const [a, b] = await Promise.all([optimizer.getWeights(), freshOptimizer.getWeights()]);
    expect(await values(b.map((w) => w.tensor))).toEqual(await values(a.map((w) => w.tensor)));
    expect(freshOptimizer.iterations).toBe(2);

    // The restored pair takes the same next step as the original.
    trainOnce(model, optimizer);
    trainOnce(fresh, freshOptimizer);
    const [after, freshAfter] = await Promise.all([values(model.getWeights()), values(fresh.getWeights())]);
    freshAfter.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(after[i][j], 6)));
    tf.dispose([...a, ...b].filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
    [model, fresh].forEach((m) => m.dispose());
    [optimizer, freshOptimizer].forEach((o) => o.dispose());
  });

  it('writes a standard layers model that tf.loadLayersModel reads', async () => {
    const model = smallModel(3);
    const optimizer = tf.train.sgd(0.1);
    trainOnce(model, optimizer);
    const saved = await saveCheckpoint({ dir, model, optimizer, state: state(1) });
    const json = JSON.parse(await readFile(path.join(saved, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);

    const loaded = await tf.loadLayersModel(checkpointModelHandler(saved));
    const x = input();
    const [expected, actual] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(await actual.data())).toEqual(Array.from(await expected.data()));
    tf.dispose([x, expected, actual]);
    [model, loaded].forEach((m) => m.dispose());
    optimizer.dispose();
  });

  it('replaces an existing checkpoint of the same epoch and leaves no temporary directories', async () => {
    const model = smallModel(4);
    const optimizer = tf.train.momentum(0.1, 0.9);
    trainOnce(model, optimizer);
    await saveCheckpoint({ dir, model, optimizer, state: state(1) });
    trainOnce(model, optimizer);
    await saveCheckpoint({ dir, model, optimizer, state: { ...state(1), seed: 8 } });
    expect(await readdir(dir)).toEqual(['epoch-1']);
    expect((await loadCheckpoint(path.join(dir, 'epoch-1'))).state.seed).toBe(8);
    model.dispose();
    optimizer.dispose();
  });
});

describe('loadCheckpoint failures', () => {
  async function savedCheckpoint(): Promise<string> {
    const model = smallModel(5);
    const optimizer = tf.train.adam(0.01);
    trainOnce(model, optimizer);
    const saved = await saveCheckpoint({ dir, model, optimizer, state: state(3) });
    model.dispose();
    optimizer.dispose();
    return saved;
  }

  async function failure(checkpoint: string): Promise<CheckpointError> {
    const err = await loadCheckpoint(checkpoint).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CheckpointError);
    return err as CheckpointError;
  }

  it('reports a corrupt weights file by name', async () => {
    const saved = await savedCheckpoint();
    const weights = await readFile(path.join(saved, 'weights.bin'));
    weights[weights.length - 1] ^= 0xff;
    await writeFile(path.join(saved, 'weights.bin'), weights);
    const err = await failure(saved);
    expect([err.code, err.reason, err.file]).toEqual(['CHECKPOINT_INVALID', 'corrupt', 'weights.bin']);
    expect(err.message).toMatch(/weights\.bin does not match its sha256/);
  });

  it('reports a missing file and a missing manifest', async () => {
    const saved = await savedCheckpoint();
    await unlink(path.join(saved, 'optimizer.bin'));
    expect(await failure(saved)).toMatchObject({ reason: 'missing', file: 'optimizer.bin' });
    await unlink(path.join(saved, 'manifest.json'));
    expect(await failure(saved)).toMatchObject({ reason: 'missing', file: 'manifest.json' });
    expect(await failure(path.join(dir, 'epoch-9'))).toMatchObject({ reason: 'missing' });
  });

  it('rejects a manifest of an unknown version', async () => {
    const saved = await savedCheckpoint();
    const manifest = JSON.parse(await readFile(path.join(saved, 'manifest.json'), 'utf8'));
    await writeFile(path.join(saved, 'manifest.json'), JSON.stringify({ ...manifest, version: 99 }));
    expect(await failure(saved)).toMatchObject({ reason: 'incompatible' });
  });

  it('rejects weights of another architecture by shape', async () => {
    const saved = await savedCheckpoint();
    const loaded = await loadCheckpoint(saved);
    const other = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 6 }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 3 }),
      ],
    });
    expect(() => restoreModelWeights(other, loaded)).toThrow(CheckpointError);
    expect(() => restoreModelWeights(other, loaded)).toThrow(/shape \[4,5\].*\[4,6\]/);
    other.dispose();
  });
});

describe('checkpoint paths', () => {
  it('resolves a directory inside the root and rejects one that leaves it', () => {
    expect(resolveCheckpointDir('study-1/trial-2', '/data/checkpoints')).toBe('/data/checkpoints/study-1/trial-2');
    expect(resolveCheckpointDir('study-1/../study-2', '/data/checkpoints')).toBe('/data/checkpoints/study-2');
    expect(resolveCheckpointDir('/data/checkpoints/s/t', '/data/checkpoints')).toBe('/data/checkpoints/s/t');
    for (const bad of ['../etc', 'study-1/../../x', '/etc/passwd', '/data/checkpoints-other/t']) {
      expect(() => resolveCheckpointDir(bad, '/data/checkpoints')).toThrow(/^checkpoint\.dir: .* leaves the checkpoint root/);
    }
    expect(() => resolveCheckpointDir('a\0b', '/data')).toThrow(/NUL/);
    expect(() => resolveCheckpointDir('', '/data')).toThrow(/non-empty/);
  });

  it('names epoch directories by number only', () => {
    expect(checkpointPath('/c', 12)).toBe('/c/epoch-12');
    expect(() => checkpointPath('/c', 0)).toThrow(/^epoch/);
  });

  it('lists complete checkpoints in epoch order, skipping temporary directories', async () => {
    const model = smallModel(6);
    const optimizer = tf.train.sgd(0.1);
    for (const epoch of [10, 2, 1]) await saveCheckpoint({ dir, model, optimizer, state: state(epoch) });
    await writeFile(path.join(dir, 'notes.txt'), 'x');
    await mkdtemp(path.join(dir, '.epoch-11.tmp-'));
    expect(await listCheckpoints(dir)).toEqual([1, 2, 10].map((epoch) => ({ epoch, path: path.join(dir, `epoch-${epoch}`) })));
    expect(await listCheckpoints(path.join(dir, 'absent'))).toEqual([]);
    model.dispose();
    optimizer.dispose();
  });
});
