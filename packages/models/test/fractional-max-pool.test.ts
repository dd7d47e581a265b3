import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FractionalMaxPool2d, fractionalMaxPool, fractionalPoolStarts } from '../src/fractional-max-pool.js';
import { RandomStream, uniformsFromSeed } from '../src/randomness.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIZES: [number, number][] = [
  [32, 20],
  [20, 13],
  [13, 8],
  [8, 5],
  [5, 3],
  [3, 2],
  [7, 4],
  [2, 1],
  [9, 8],
  [16, 8],
];

/** Explicit loops: y[n,i,j,c] = max of x over rows r_i, r_i+1 and columns c_j, c_j+1. */
function naivePool(x: number[][][][], rows: number[], cols: number[]): number[][][][] {
  return x.map((img) =>
    rows.map((r) =>
      cols.map((c) => img[r][c].map((_, k) => Math.max(img[r][c][k], img[r][c + 1][k], img[r + 1][c][k], img[r + 1][c + 1][k]))),
    ),
  );
}

/** The same pool as tf ops over explicit windows, for autodiff gradients. */
function opsReference(x: tf.Tensor4D, rows: number[], cols: number[]): tf.Tensor4D {
  const [n, , , c] = x.shape;
  const rowsOut = rows.map((r) =>
    tf.stack(
      cols.map((col) => tf.max(tf.slice(x, [0, r, col, 0], [n, 2, 2, c]), [1, 2])),
      1,
    ),
  );
  return tf.stack(rowsOut, 1) as tf.Tensor4D;
}

function randomInput(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
}

describe('fractionalPoolStarts', () => {
  it.each(SIZES)('%i → %i: starts begin at 0, end at input − 2 and advance by 1 or 2', (input, output) => {
    for (const u of [0, 0.5, 0.999999, ...uniformsFromSeed(input * 100 + output, 200)]) {
      const s = fractionalPoolStarts(input, output, u);
      expect(s).toHaveLength(output);
      expect(s[0]).toBe(0);
      expect(s[output - 1]).toBe(input - 2);
      for (let i = 1; i < output; i++) expect([1, 2]).toContain(s[i] - s[i - 1]);
    }
  });

  it('follows start_i = ceil(alpha(i + u)) - ceil(alpha u)', () => {
    // alpha = (20 - 2) / (13 - 1) = 1.5
    const u = 0.25;
    const expected = Array.from({ length: 12 }, (_, i) => Math.ceil(1.5 * (i + u)) - Math.ceil(1.5 * u));
    expect(fractionalPoolStarts(20, 13, u)).toEqual([...expected, 18]);
    expect(fractionalPoolStarts(16, 8, 0.3)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
  });

  it('gives different positions for different u when the ratio is not 2', () => {
    const seen = new Set(uniformsFromSeed(3, 50).map((u) => fractionalPoolStarts(32, 20, u).join(',')));
    expect(seen.size).toBeGreaterThan(5);
  });

  it('rejects reductions a window of 2 cannot make, and u outside [0, 1)', () => {
    expect(() => fractionalPoolStarts(9, 4, 0.5)).toThrow(/cannot take 9 to 4/);
    expect(() => fractionalPoolStarts(5, 5, 0.5)).toThrow(/cannot take 5 to 5/);
    expect(() => fractionalPoolStarts(8, 5, 1)).toThrow(/offset u/);
  });
});

describe('fractionalMaxPool', () => {
  it.each(SIZES)('%i → %i matches explicit loops on both paths', (input, output) => {
    const [rows, cols] = [fractionalPoolStarts(input, output, 0.37), fractionalPoolStarts(input, output, 0.81)];
    const x = randomInput([2, input, input, 3], input * 7 + output);
    const expected = naivePool(x.arraySync(), rows, cols);
    for (const path of ['kernel', 'ops'] as const) {
      const y = fractionalMaxPool(x, { rows, cols }, path);
      expect(y.shape).toEqual([2, output, output, 3]);
      const got = y.arraySync();
      expect(got).toEqual(expected);
      y.dispose();
    }
    x.dispose();
  });

  it('pools rectangular inputs with different row and column windows', () => {
    const x = randomInput([3, 13, 7, 5], 11);
    const rows = fractionalPoolStarts(13, 8, 0.2);
    const cols = fractionalPoolStarts(7, 4, 0.9);
    expect(fractionalMaxPool(x, { rows, cols }, 'kernel').arraySync()).toEqual(naivePool(x.arraySync(), rows, cols));
  });

  it.each([
    [8, 5],
    [7, 4],
    [5, 3],
    [6, 3],
  ])('%i → %i: gradients equal the autodiff of the explicit-window reference', (input, output) => {
    const rows = fractionalPoolStarts(input, output, 0.6);
    const cols = fractionalPoolStarts(input, output, 0.1);
    const x = randomInput([2, input, input, 4], 99 + input);
    const w = randomInput([2, output, output, 4], 5);
    const loss = (f: (t: tf.Tensor4D) => tf.Tensor4D) => (t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor4D), w));
    const gKernel = tf.grad(loss((t) => fractionalMaxPool(t, { rows, cols }, 'kernel')))(x);
    const gOps = tf.grad(loss((t) => fractionalMaxPool(t, { rows, cols }, 'ops')))(x);
    const gRef = tf.grad(loss((t) => opsReference(t, rows, cols)))(x);
    expect(tf.max(tf.abs(tf.sub(gKernel, gRef))).arraySync()).toBeLessThan(1e-6);
    expect(tf.max(tf.abs(tf.sub(gOps, gRef))).arraySync()).toBeLessThan(1e-6);
    // Overlapping windows (start step 1) share a cell: its gradient is the sum of both.
    expect(tf.sum(gKernel).arraySync()).toBeCloseTo(tf.sum(w).arraySync() as number, 4);
  });

  it('matches numerical differentiation', () => {
    const rows = fractionalPoolStarts(5, 3, 0.4);
    const cols = fractionalPoolStarts(5, 3, 0.7);
    const x = randomInput([1, 5, 5, 2], 1234);
    const w = randomInput([1, 3, 3, 2], 77);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(fractionalMaxPool(t as tf.Tensor4D, { rows, cols }, 'kernel'), w));
    const analytic = tf.grad(f)(x).dataSync();
    const base = x.dataSync();
    const eps = 1e-2;
    for (let i = 0; i < base.length; i++) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] += eps;
      minus[i] -= eps;
      const numeric =
        ((f(tf.tensor4d(plus, x.shape)).arraySync() as number) - (f(tf.tensor4d(minus, x.shape)).arraySync() as number)) / (2 * eps);
      expect(analytic[i]).toBeCloseTo(numeric, 3);
    }
  });

  it('propagates NaN', () => {
    const x = tf.tensor4d([1, Number.NaN, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = fractionalMaxPool(x, { rows: [0, 1], cols: [0, 1] }, 'kernel').dataSync();
    expect(Number.isNaN(y[0]) && Number.isNaN(y[1])).toBe(true);
    expect(y[3]).toBe(9);
  });

  it('leaves no tensors behind, in inference and under tf.grad', () => {
    const x = randomInput([2, 8, 8, 3], 1);
    const before = tf.memory().numTensors;
    const windows = { rows: fractionalPoolStarts(8, 5, 0.3), cols: fractionalPoolStarts(8, 5, 0.6) };
    for (const path of ['kernel', 'ops'] as const) {
      tf.tidy(() => {
        fractionalMaxPool(x, windows, path);
      });
      tf.tidy(() => {
        tf.grad((t: tf.Tensor) => fractionalMaxPool(t as tf.Tensor4D, windows, path))(x);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('FractionalMaxPool2d', () => {
  const input = (seed: number) => randomInput([2, 20, 20, 3], seed);

  it('draws new positions on every training call and keeps them fixed at inference', () => {
    const layer = new FractionalMaxPool2d({ outputSize: [13, 13], random: new RandomStream(1) });
    const x = input(3);
    const inference = [0, 1, 2].map(() => (layer.apply(x, { training: false }) as tf.Tensor).arraySync());
    expect(inference[1]).toEqual(inference[0]);
    expect(inference[2]).toEqual(inference[0]);
    const training = [0, 1, 2, 3].map(() => JSON.stringify(layer.windowsFor(20, 20, true)));
    expect(new Set(training).size).toBeGreaterThan(1);
    const trained = (layer.apply(x, { training: true }) as tf.Tensor).shape;
    expect(trained).toEqual([2, 13, 13, 3]);
  });

  it('takes its training draws from the RandomStream, so a restored stream repeats them', () => {
    const stream = new RandomStream(77);
    const a = new FractionalMaxPool2d({ outputSize: [13, 13], random: stream });
    a.windowsFor(20, 20, true);
    const state = stream.state();
    const next = a.windowsFor(20, 20, true);
    const b = new FractionalMaxPool2d({ outputSize: [13, 13], random: RandomStream.restore(state) });
    expect(b.windowsFor(20, 20, true)).toEqual(next);
    expect(stream.state().counter).toBe(2);
  });

  it('keeps inference positions in training when randomInTraining is false', () => {
    const layer = new FractionalMaxPool2d({ outputSize: [5, 5], randomInTraining: false, random: new RandomStream(1) });
    expect(layer.windowsFor(8, 8, true)).toEqual(layer.windowsFor(8, 8, false));
  });

  it('reports its output shape and rejects sizes it cannot pool', () => {
    const layer = new FractionalMaxPool2d({ outputSize: [13, 13] });
    expect(layer.computeOutputShape([null, 20, 20, 7])).toEqual([null, 13, 13, 7]);
    expect(() => layer.computeOutputShape([null, 32, 32, 7])).toThrow(/cannot pool height 32 to 13/);
    expect(() => new FractionalMaxPool2d({ outputSize: [0, 3] })).toThrow(/outputSize/);
    expect(() => new FractionalMaxPool2d({ outputSize: [3, 3], inferenceOffset: 1.5 })).toThrow(/inferenceOffset/);
  });

  it('survives a save and load round trip with its configuration and outputs', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [20, 20, 3] }),
        new FractionalMaxPool2d({ outputSize: [13, 13], inferenceOffset: 0.3, seed: 9, name: 'pool' }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const layer = loaded.getLayer('pool') as FractionalMaxPool2d;
    expect(layer).toBeInstanceOf(FractionalMaxPool2d);
    expect(layer.getConfig()).toMatchObject({ outputSize: [13, 13], inferenceOffset: 0.3, seed: 9, randomInTraining: true });
    const x = input(4);
    expect((loaded.predict(x) as tf.Tensor).arraySync()).toEqual((model.predict(x) as tf.Tensor).arraySync());
  });
});
