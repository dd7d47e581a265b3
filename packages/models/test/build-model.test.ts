import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../src/build-model.js';
import { ArchitectureError, SEED_HYPERPARAMETERS, describeArchitecture, validCnnLayers, type Hyperparameters } from '../src/config.js';
import { FractionalMaxPool2d } from '../src/fractional-max-pool.js';
import { SeededDropout } from '../src/layers/seeded-dropout.js';
import { RandomStream, uniformsFromSeed } from '../src/randomness.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The model's layers after its InputLayer ('images'), one per described layer. */
const bodyLayers = (model: tf.LayersModel) => model.layers.filter((l) => l.getClassName() !== 'InputLayer');

const size = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 0), 1);
const trainableCount = (model: tf.LayersModel) => model.trainableWeights.reduce((s, w) => s + size(w.shape), 0);

/** A small configuration drawn from uniforms, valid by construction (cnn_layers from validCnnLayers). */
function smallConfig(u: number[]): Hyperparameters {
  const downsample = [2, 3, 4, 5.3, 8, 10.7, 16, 32][Math.floor(u[0] * 8)];
  const depths = validCnnLayers(downsample).filter((d) => d <= 6);
  const pick = <T>(xs: readonly T[], v: number): T => xs[Math.floor(v * xs.length)];
  return {
    ...SEED_HYPERPARAMETERS,
    downsample,
    cnn_layers: pick(depths, u[1]),
    fcn_layers: 1 + Math.floor(u[2] * 4),
    starting_channels: 1 + Math.floor(u[3] * 6),
    final_channels: 1 + Math.floor(u[4] * 10),
    kernel: pick(['3x3', 'separable'] as const, u[5]),
    pooling: pick(['fractional', 'max'] as const, u[6]),
    activation: pick(['relu', 'elu', 'gelu', 'selu', 'tanh', 'swish', 'leaky_relu'] as const, u[7]),
    dropout: u[8] < 0.5 ? 0 : Math.round(u[8] * 50) / 100,
  };
}

describe('buildModel on the seed configuration', () => {
  it('has exactly 875,592 trainable parameters, laid out as describeArchitecture says', () => {
    const model = buildModel(SEED_HYPERPARAMETERS, { seed: 1, random: new RandomStream(1) });
    const d = describeArchitecture(SEED_HYPERPARAMETERS);
    expect(trainableCount(model)).toBe(875_592);
    expect(model.countParams()).toBe(875_592 + d.nonTrainableParams);
    expect(model.getLayer('block6_conv').countParams()).toBe(293_160);
    expect(model.getLayer('dense1').countParams()).toBe(232_957);
    expect(model.inputs[0].shape).toEqual([null, 32, 32, 3]);
    expect(model.outputs[0].shape).toEqual([null, 10]);
    expect(model.layers[0].name).toBe('images');
    expect(bodyLayers(model).map((l) => l.name)).toEqual(d.layers.map((l) => l.name));
    expect(model.layers.filter((l) => l instanceof FractionalMaxPool2d).map((l) => (l.outputShape as number[])[1])).toEqual([20, 13, 8, 5, 3, 2]);
    model.dispose();
  });
});

describe('buildModel over random valid configurations', () => {
  const draws = uniformsFromSeed(2024, 9 * 30);
  const configs = Array.from({ length: 30 }, (_, i) => smallConfig(draws.slice(9 * i, 9 * i + 9)));

  it('covers every kernel, pooling and activation choice and both dropout cases', () => {
    expect(new Set(configs.map((c) => c.kernel)).size).toBe(2);
    expect(new Set(configs.map((c) => c.pooling)).size).toBe(2);
    expect(new Set(configs.map((c) => c.activation)).size).toBeGreaterThanOrEqual(6);
    expect(configs.some((c) => c.dropout > 0) && configs.some((c) => c.dropout === 0)).toBe(true);
  });

  it.each(configs.map((c, i) => [i, c] as const))('config %i: parameters and shapes agree with describeArchitecture', (_, hp) => {
    const d = describeArchitecture(hp);
    const model = buildModel(hp, { seed: 5, random: new RandomStream(5) });
    expect(trainableCount(model)).toBe(d.totalParams);
    expect(bodyLayers(model)).toHaveLength(d.layers.length);
    bodyLayers(model).forEach((layer, i) => {
      const described = d.layers[i];
      expect(layer.name).toBe(described.name);
      expect((layer.outputShape as (number | null)[]).slice(1)).toEqual(described.outputShape);
      const trainable = layer.trainableWeights.reduce((s, w) => s + size(w.shape), 0);
      expect(trainable, described.name).toBe(described.params);
    });
    const y = tf.tidy(() => (model.apply(tf.zeros([2, 32, 32, 3]), { training: true }) as tf.Tensor).shape);
    expect(y).toEqual([2, 10]);
    model.dispose();
  });
});

describe('buildModel behaviour', () => {
  const tiny: Hyperparameters = {
    ...SEED_HYPERPARAMETERS,
    cnn_layers: 5, // sizes 18, 11, 6, 3, 2: four fractional pools and one halving
    starting_channels: 3,
    final_channels: 6,
    fcn_layers: 3,
    dropout: 0.4,
  };
  const images = () => tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor4D;

  it('gives the same initial weights for the same seed and different ones for another', () => {
    const weights = (seed: number) => {
      const model = buildModel(tiny, { seed, random: new RandomStream(0) });
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    const a = weights(11);
    expect(weights(11)).toEqual(a);
    const b = weights(12);
    const kernels = a.map((w, i) => [w, b[i]] as const).filter(([w]) => w.some((v) => v !== 0 && v !== 1));
    expect(kernels.length).toBeGreaterThan(0);
    for (const [w, v] of kernels) expect(v).not.toEqual(w);
  });

  it('is deterministic at inference and draws from the RandomStream in training', () => {
    const random = new RandomStream(3);
    const model = buildModel(tiny, { seed: 1, random });
    const x = images();
    const p1 = (model.predict(x) as tf.Tensor).arraySync();
    const p2 = (model.predict(x) as tf.Tensor).arraySync();
    expect(p2).toEqual(p1);
    expect(random.state().counter).toBe(0);
    const t1 = (model.apply(x, { training: true }) as tf.Tensor).arraySync();
    // One draw per pool (the halving pool's positions do not depend on it) and per dropout layer.
    expect(random.state().counter).toBe(5 + 2);
    const t2 = (model.apply(x, { training: true }) as tf.Tensor).arraySync();
    expect(t2).not.toEqual(t1);
    model.dispose();
  });

  it('repeats training outputs exactly from a restored RandomStream', () => {
    const run = (random: RandomStream) => {
      const model = buildModel(tiny, { seed: 9, random });
      const out = (model.apply(images(), { training: true }) as tf.Tensor).arraySync();
      model.dispose();
      return out;
    };
    const stream = new RandomStream(21);
    stream.nextSeed();
    const state = stream.state();
    expect(run(RandomStream.restore(state))).toEqual(run(stream));
  });

  it("keeps 'max' pooling positions fixed in training", () => {
    const random = new RandomStream(4);
    const model = buildModel({ ...tiny, pooling: 'max', dropout: 0 }, { seed: 2, random });
    const pools = model.layers.filter((l): l is FractionalMaxPool2d => l instanceof FractionalMaxPool2d);
    expect(pools.every((p) => !p.randomInTraining)).toBe(true);
    expect(pools[0].outputSize).toEqual([18, 18]);
    expect(pools[0].windowsFor(32, 32, true)).toEqual(pools[0].windowsFor(32, 32, false));
    const x = images();
    expect((model.apply(x, { training: true }) as tf.Tensor).arraySync()).toEqual((model.apply(x, { training: true }) as tf.Tensor).arraySync());
    model.dispose();
  });

  it('saves and loads back with its custom layers, giving the same predictions', async () => {
    const model = buildModel(tiny, { seed: 7, random: new RandomStream(7) });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(loaded.layers.map((l) => l.getClassName())).toContain('SeededDropout');
    expect(loaded.layers.map((l) => l.getClassName())).toContain('FractionalMaxPool2d');
    const x = images();
    expect((loaded.predict(x) as tf.Tensor).arraySync()).toEqual((model.predict(x) as tf.Tensor).arraySync());
    model.dispose();
    loaded.dispose();
  });

  it('rejects invalid hyperparameters and options with clear errors', () => {
    expect(() => buildModel({ ...SEED_HYPERPARAMETERS, cnn_layers: 3 }, { seed: 1, random: new RandomStream(1) })).toThrow(ArchitectureError);
    expect(() => buildModel({ ...SEED_HYPERPARAMETERS, dropout: 2 }, { seed: 1, random: new RandomStream(1) })).toThrow(/dropout/);
    expect(() => buildModel(SEED_HYPERPARAMETERS, { seed: -1, random: new RandomStream(1) })).toThrow(/seed/);
    expect(() => buildModel(SEED_HYPERPARAMETERS, { seed: 1, random: {} as RandomStream })).toThrow(/random/);
  });
});

describe('SeededDropout', () => {
  it('is the identity at inference and inverted dropout in training', () => {
    const layer = new SeededDropout({ rate: 0.25, random: new RandomStream(1) });
    const x = tf.ones([200, 50]);
    expect((layer.apply(x, { training: false }) as tf.Tensor).arraySync()).toEqual(x.arraySync());
    const y = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    const kept = Array.from(y).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / y.length - 0.75)).toBeLessThan(0.02);
  });

  it('draws a new mask per training call, repeatable from the stream state', () => {
    const stream = new RandomStream(5);
    const layer = new SeededDropout({ rate: 0.5, random: stream });
    const x = tf.ones([10, 10]);
    const state = stream.state();
    const a = (layer.apply(x, { training: true }) as tf.Tensor).arraySync();
    const b = (layer.apply(x, { training: true }) as tf.Tensor).arraySync();
    expect(b).not.toEqual(a);
    layer.setRandomStream(RandomStream.restore(state));
    expect((layer.apply(x, { training: true }) as tf.Tensor).arraySync()).toEqual(a);
  });

  it('rejects a rate outside [0, 1)', () => {
    expect(() => new SeededDropout({ rate: 1 })).toThrow(/rate/);
    expect(() => new SeededDropout({ rate: -0.1 })).toThrow(/rate/);
  });
});
