import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
// The package entry registers the custom layers (fractional pooling, seeded dropout) that a
// checkpoint's model.json names.
import { checkpointModelHandler, loadCifar10, makeBatch, resolveHyperparameters, train } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(tmpdir(), 'tunefleet-checkpoint-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('saves a trained model that tf.loadLayersModel restores with the same predictions', async () => {
  const hp = resolveHyperparameters({
    cnn_layers: 2,
    downsample: 4,
    starting_channels: 2,
    final_channels: 3,
    fcn_layers: 3,
    batch_size: 10,
    dropout: 0.2,
    kernel: 'separable',
  });
  const data = await loadCifar10({ trainSize: 20, validationSize: 10, testSize: 0 });
  const result = await train({ hp, data, maxEpochs: 1, seed: 4, checkpoint: { dir }, returnModel: true });
  const loaded = await tf.loadLayersModel(checkpointModelHandler(result.lastReport!.checkpointPath!));

  const batch = makeBatch(data.validation, [0, 1, 2, 3, 4], data, null);
  const x = tf.tensor4d(batch.x, [batch.count, 32, 32, 3]);
  const expected = result.model!.predict(x) as tf.Tensor;
  const actual = loaded.predict(x) as tf.Tensor;
  const [e, a] = await Promise.all([expected.data(), actual.data()]);
  expect(a.length).toBe(50);
  a.forEach((v, i) => expect(v).toBeCloseTo(e[i], 5));
  expect(loaded.countParams()).toBe(result.model!.countParams());
  tf.dispose([x, expected, actual]);
  loaded.dispose();
  result.model!.dispose();
});
