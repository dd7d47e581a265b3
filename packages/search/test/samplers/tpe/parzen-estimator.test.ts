import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/rng.js';
import { logPdfParzen } from '../../../src/samplers/tpe/log-pdf-parzen.js';
import { buildParzenEstimator, mergeIdenticalComponents, type KernelDimension, type ParzenOptions } from '../../../src/samplers/tpe/parzen-estimator.js';
import { sampleParzen } from '../../../src/samplers/tpe/sample-parzen.js';
import { defaultWeights } from '../../../src/samplers/tpe/tpe-options.js';
import { logGaussMass, normLogPdf } from '../../../src/samplers/tpe/truncnorm.js';

// Expected numbers come from Optuna 3.1.0's _ParzenEstimator with the same inputs and its defaults
// (consider_prior, prior_weight 1, magic clip, no endpoints, default_weights), including its
// continuous log scores, which leave out the −log σ of a scaled density (see logPdfParzen).
const OPTUNA: ParzenOptions = { considerPrior: true, priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights(), multivariate: false };
const f = (...xs: number[]): Float64Array => Float64Array.from(xs);

describe('buildParzenEstimator', () => {
  it('matches Optuna 3.1 univariate bandwidths and log scores on a float', () => {
    const dims: KernelDimension[] = [{ kind: 'numeric', low: 0, high: 1, step: 0 }];
    const est = buildParzenEstimator(dims, [f(0.2, 0.5, 0.9)], OPTUNA);
    expect([...est.mus[0]!]).toEqual([0.2, 0.5, 0.9, 0.5]);
    expect([...est.sigmas[0]!].map((s) => +s.toFixed(12))).toEqual([0.3, 0.3, 0.4, 1]);
    expect([...est.weights]).toEqual([0.25, 0.25, 0.25, 0.25]);
    const lp = logPdfParzen(est, [f(0, 0.3, 0.95)]);
    [-0.9721525530984829, -0.6430715509603937, -0.8078740911337842].forEach((v, i) => expect(lp[i]).toBeCloseTo(v, 5));
  });

  it('matches Optuna 3.1 on an int grid (kernels discretised over half-step-widened bounds)', () => {
    const dims: KernelDimension[] = [{ kind: 'numeric', low: -1, high: 11, step: 2 }];
    const est = buildParzenEstimator(dims, [f(2, 4, 4, 10)], OPTUNA);
    expect([...est.sigmas[0]!]).toEqual([2, 2, 2, 5, 12]);
    const lp = logPdfParzen(est, [f(0, 4, 10)]);
    [-2.15584299790913, -1.3164125694265802, -2.404142392477776].forEach((v, i) => expect(lp[i]).toBeCloseTo(v, 5));
  });

  it('matches Optuna 3.1 multivariate kernels over log float, categorical and log int', () => {
    const dims: KernelDimension[] = [
      { kind: 'numeric', low: Math.log(1e-4), high: 0, step: 0 },
      { kind: 'categorical', nChoices: 3 },
      { kind: 'numeric', low: Math.log(7.5), high: Math.log(64.5), step: 0 },
    ];
    const obs = [f(...[1e-3, 0.1, 0.5, 2e-4].map(Math.log)), f(0, 2, 2, 1), f(...[8, 16, 64, 33].map(Math.log))];
    const est = buildParzenEstimator(dims, obs, { ...OPTUNA, multivariate: true });
    expect(est.sigmas[0]![0]).toBeCloseTo(1.535056728662697, 12);
    expect(est.sigmas[0]![4]).toBeCloseTo(9.210340371976182, 12);
    expect(est.sigmas[2]![1]).toBeCloseTo(0.35862703387657696, 12);
    expect([...est.probs[1]!.subarray(0, 3)].map((p) => +p.toFixed(12))).toEqual([0.75, 0.125, 0.125]);
    expect([...est.probs[1]!.subarray(12, 15)].map((p) => +p.toFixed(12))).toEqual([1 / 3, 1 / 3, 1 / 3].map((p) => +p.toFixed(12)));
    const lp = logPdfParzen(est, [f(Math.log(1e-3), Math.log(0.3)), f(0, 2), f(Math.log(8), Math.log(50))]);
    expect(lp[0]).toBeCloseTo(-2.2295216955962482, 5);
    expect(lp[1]).toBeCloseTo(-2.1633107590851894, 5);
  });

  it('uses the prior alone when there are no observations, even with considerPrior off', () => {
    const est = buildParzenEstimator([{ kind: 'numeric', low: 0, high: 4, step: 0 }], [f()], { ...OPTUNA, considerPrior: false });
    expect(est.nComponents).toBe(1);
    expect(est.mus[0]![0]).toBe(2);
    expect(est.sigmas[0]![0]).toBe(4);
  });

  it('rejects a weights function that returns negative weights', () => {
    expect(() => buildParzenEstimator([{ kind: 'numeric', low: 0, high: 1, step: 0 }], [f(0.5)], { ...OPTUNA, weights: () => [-1] })).toThrow(/weight/);
  });
});

describe('grid and categorical mixtures', () => {
  const gridDims: KernelDimension[] = [{ kind: 'numeric', low: -0.5, high: 9.5, step: 1 }];
  const obs = f(1, 1, 1, 2, 2, 7, 7, 7, 7, 3, 1, 1, 2);

  it('give probabilities that sum to 1 over the grid points', () => {
    const est = buildParzenEstimator(gridDims, [obs], OPTUNA);
    const lp = logPdfParzen(est, [f(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)]);
    expect(lp.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 6);
  });

  it('are unchanged when identical components are merged', () => {
    const est = buildParzenEstimator(gridDims, [obs], OPTUNA);
    const merged = mergeIdenticalComponents(est);
    expect(merged.nComponents).toBeLessThan(est.nComponents);
    const points = [f(0, 1, 2, 5, 7, 9)];
    const a = logPdfParzen(est, points);
    const b = logPdfParzen(merged, points);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 12));

    const cat = buildParzenEstimator([{ kind: 'categorical', nChoices: 3 }], [f(0, 2, 2, 1, 2)], OPTUNA);
    const catMerged = mergeIdenticalComponents(cat);
    expect(catMerged.nComponents).toBe(4);
    const c = [f(0, 1, 2)];
    logPdfParzen(cat, c).forEach((v, i) => expect(logPdfParzen(catMerged, c)[i]).toBeCloseTo(v, 12));
  });
});

describe('sampleParzen', () => {
  it('draws inside the bounds and near the observations', () => {
    const est = buildParzenEstimator([{ kind: 'numeric', low: 0, high: 10, step: 0 }], [f(8, 8.2, 7.9, 8.1, 8.05)], OPTUNA);
    const [xs] = sampleParzen(est, createRng(1), 2000);
    expect(xs.every((x) => x >= 0 && x <= 10)).toBe(true);
    // A uniform draw lands within 1 of 8 one time in five; the mixture (bandwidth ≥ 10/6 by the
    // magic clip, prior weight 1/6) more than twice as often.
    const near = xs.filter((x) => Math.abs(x - 8) < 1).length / xs.length;
    expect(near).toBeGreaterThan(0.4);
  });

  it('draws categorical indices in proportion to the mixture', () => {
    const est = buildParzenEstimator([{ kind: 'categorical', nChoices: 3 }], [f(2, 2, 2, 2, 2, 2)], OPTUNA);
    const [xs] = sampleParzen(est, createRng(2), 3000);
    const share2 = xs.filter((x) => x === 2).length / xs.length;
    // Mixture mass on choice 2: (6·(1 + 1/7)/(1 + 3/7) + 1/3) / 7 ≈ 0.733.
    expect(share2).toBeGreaterThan(0.7);
    expect(share2).toBeLessThan(0.77);
  });
});

describe('logPdfParzen', () => {
  /** The score written out term by term from the estimator's kernels. */
  function naive(est: ReturnType<typeof buildParzenEstimator>, points: Float64Array[]): number[] {
    return Array.from(points[0], (_, i) => {
      let total = 0;
      for (let k = 0; k < est.nComponents; k++) {
        let log = Math.log(est.weights[k]);
        est.dims.forEach((dim, d) => {
          const x = points[d][i];
          if (dim.kind === 'categorical') log += Math.log(est.probs[d]![k * dim.nChoices + x]);
          else {
            const mu = est.mus[d]![k];
            const s = est.sigmas[d]![k];
            const mass = logGaussMass((dim.low - mu) / s, (dim.high - mu) / s);
            if (dim.step === 0) log += normLogPdf((x - mu) / s) - mass;
            else log += logGaussMass((Math.max(dim.low, x - dim.step / 2) - mu) / s, (Math.min(dim.high, x + dim.step / 2) - mu) / s) - mass;
          }
        });
        total += Math.exp(log);
      }
      return Math.log(total);
    });
  }

  it('equals the term-by-term score for grid, categorical and continuous kernels, univariate and joint', () => {
    const rng = createRng(8);
    // An odd and an even number of cells: the prior's mean is on the grid only for the odd one.
    const dims: KernelDimension[] = [
      { kind: 'numeric', low: -0.5, high: 20.5, step: 1 },
      { kind: 'numeric', low: -0.125, high: 2.125, step: 0.25 },
      { kind: 'categorical', nChoices: 3 },
      { kind: 'numeric', low: -3, high: 4, step: 0 },
    ];
    const n = 150;
    const obs = [
      Float64Array.from({ length: n }, () => rng.int(0, 20)),
      Float64Array.from({ length: n }, () => rng.int(0, 8) * 0.25),
      Float64Array.from({ length: n }, () => rng.int(0, 2)),
      Float64Array.from({ length: n }, () => -3 + 7 * rng.next()),
    ];
    const pts = [
      Float64Array.from({ length: 30 }, () => rng.int(0, 20)),
      Float64Array.from({ length: 30 }, () => rng.int(0, 8) * 0.25),
      Float64Array.from({ length: 30 }, () => rng.int(0, 2)),
      Float64Array.from({ length: 30 }, () => -3 + 7 * rng.next()),
    ];
    for (const multivariate of [false, true]) {
      const cases = multivariate ? [[0, 1, 2, 3]] : [[0], [1], [2], [3]];
      for (const ds of cases) {
        const est = buildParzenEstimator(ds.map((d) => dims[d]), ds.map((d) => obs[d]), { ...OPTUNA, multivariate });
        const want = naive(est, ds.map((d) => pts[d]));
        const got = logPdfParzen(mergeIdenticalComponents(est), ds.map((d) => pts[d]));
        want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 10));
      }
    }
  });
});

describe('logPdfParzen on one continuous dimension', () => {
  it('scores from a window around each point exactly as the full sum does', () => {
    const rng = createRng(12);
    // Clustered observations (narrow kernels) plus sparse ones (wide kernels), ties included.
    const obs = Float64Array.from({ length: 400 }, (_, i) => (i % 5 === 0 ? 10 * rng.next() : i % 7 === 0 ? 3 : 3 + 0.3 * rng.next()));
    const est = buildParzenEstimator([{ kind: 'numeric', low: 0, high: 10, step: 0 }], [obs], OPTUNA);
    expect(est.sorted[0]).not.toBeNull();
    const points = [Float64Array.from({ length: 60 }, (_, i) => (i < 50 ? 10 * rng.next() : [0, 10, 3, 3.15, 9.99, 0.01, 5, 3.3, 2.9, 7][i - 50]))];
    const windowed = logPdfParzen(est, points);
    const full = logPdfParzen({ ...est, sorted: [null] }, points);
    expect([...windowed]).toEqual([...full]);
  });
});
