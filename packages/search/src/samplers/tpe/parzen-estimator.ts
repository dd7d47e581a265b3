import type { Rng } from '../../rng.js';
import type { WeightsFunction } from './tpe-options.js';
import { logGaussMass, truncnormPpf } from './truncnorm.js';

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * One dimension of an estimator, in the transformed space the kernels live in: log of the value for
 * `log` distributions, and bounds widened by half a step for grids (Optuna `_calculate_parzen_bounds`),
 * so each grid point owns the cell [x − step/2, x + step/2].
 */
export type KernelDimension =
  | { readonly kind: 'numeric'; readonly low: number; readonly high: number; /** Cell width; 0 = continuous. */ readonly step: number }
  | { readonly kind: 'categorical'; readonly nChoices: number };

export interface ParzenOptions {
  readonly considerPrior: boolean;
  readonly priorWeight: number;
  readonly considerMagicClip: boolean;
  readonly considerEndpoints: boolean;
  readonly weights: WeightsFunction;
  readonly multivariate: boolean;
}

/**
 * A mixture with one component per observation (plus the prior): in each numeric dimension a normal
 * kernel truncated to the dimension's bounds, in each categorical dimension a smoothed one-hot row.
 * Components are joint across dimensions (a product kernel), which is Optuna's multivariate TPE; with
 * one dimension it is the univariate estimator. Plain typed arrays, built once per suggest.
 */
export interface ParzenEstimator {
  readonly dims: readonly KernelDimension[];
  readonly nComponents: number;
  /** Normalised mixture weights. */
  readonly weights: Float64Array;
  readonly mus: readonly (Float64Array | null)[];
  readonly sigmas: readonly (Float64Array | null)[];
  /**
   * Per component constant of the log kernel: −½ log 2π − log Z for continuous dimensions, −log Z
   * for grids, where Z is the kernel's mass inside the bounds. Continuous kernels leave out the −log σ
   * of a scaled density, as Optuna 3.1's `truncnorm.logpdf` does: the score then weights each kernel
   * by its bandwidth, which favours the broad prior and sparse regions. With the exact density this
   * TPE measured worse on 6 of the 8 continuous benchmark runs (bench/run.ts; univariate Branin −0.49
   * against −0.81 mean log10 regret, multivariate Hartmann-6 −0.41 against −0.54), so the score keeps
   * Optuna's form. Sampling uses the exact kernels either way.
   */
  readonly logNorms: readonly (Float64Array | null)[];
  /** Categorical dimensions: nComponents × nChoices probabilities, row-major. */
  readonly probs: readonly (Float64Array | null)[];
}

const EPS = 1e-12;
/** Scott-style bandwidth factor of Optuna's multivariate TPE (BOHB, Falkner et al. 2018). */
const SIGMA0_MAGNITUDE = 0.2;

/** First index of `x` in an ascending array (which holds it). */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function componentWeights(n: number, withPrior: boolean, options: ParzenOptions): Float64Array {
  const w = new Float64Array(n + (withPrior ? 1 : 0));
  if (n > 0) {
    const given = options.weights(n);
    if (given.length < n) throw new RangeError(`weights(${n}) returned ${given.length} values`);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = given[i];
      if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`weights(${n}) returned an invalid weight ${v}`);
      w[i] = v;
      sum += v;
    }
    if (sum <= 0) throw new RangeError(`weights(${n}) returned only zeros`);
  }
  if (withPrior) w[n] = options.priorWeight;
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i];
  for (let i = 0; i < w.length; i++) w[i] /= total;
  return w;
}

/**
 * Bandwidths as Optuna 3.1 `_calculate_numerical_params`: univariate kernels reach to the farther
 * neighbour among the sorted means (with the prior mean and the bounds as neighbours; without
 * `considerEndpoints` the outermost kernels use their inner gap), multivariate kernels share Scott's
 * σ = 0.2·n^(−1/(d+4))·range; then the magic clip [range / min(100, 1 + components), range].
 */
function numericKernels(
  dim: { low: number; high: number },
  observed: Float64Array,
  withPrior: boolean,
  nDims: number,
  options: ParzenOptions,
): { mus: Float64Array; sigmas: Float64Array } {
  const n = observed.length;
  const m = n + (withPrior ? 1 : 0);
  const range = dim.high - dim.low;
  const mus = new Float64Array(m);
  mus.set(observed);
  if (withPrior) mus[n] = 0.5 * (dim.low + dim.high);
  const sigmas = new Float64Array(m);
  if (options.multivariate) {
    sigmas.fill(SIGMA0_MAGNITUDE * Math.max(n, 1) ** (-1 / (nDims + 4)) * range);
  } else {
    // Rank of each mean among the sorted means (ties in index order), without a comparator sort.
    const sortedMus = Float64Array.from(mus).sort();
    const sorted = new Float64Array(m + 2);
    sorted[0] = dim.low;
    sorted.set(sortedMus, 1);
    sorted[m + 1] = dim.high;
    const taken = new Map<number, number>();
    for (let i = 0; i < m; i++) {
      const first = lowerBound(sortedMus, mus[i]);
      const r = first + (taken.get(first) ?? 0);
      taken.set(first, r - first + 1);
      let s = Math.max(sorted[r + 1] - sorted[r], sorted[r + 2] - sorted[r + 1]);
      if (!options.considerEndpoints && m + 2 >= 4) {
        if (r === 0) s = sorted[2] - sorted[1];
        else if (r === m - 1) s = sorted[m] - sorted[m - 1];
      }
      sigmas[i] = s;
    }
  }
  const minSigma = options.considerMagicClip ? range / Math.min(100, 1 + m) : EPS;
  for (let i = 0; i < m; i++) sigmas[i] = Math.min(range, Math.max(minSigma, sigmas[i]));
  if (withPrior) sigmas[n] = range;
  return { mus, sigmas };
}

/**
 * Optuna's categorical kernel: each observation's row puts priorWeight/(n + 1) on every choice and
 * 1 more on the observed one, then is normalised; the prior row is uniform.
 */
function categoricalKernels(nChoices: number, observed: Float64Array, withPrior: boolean, priorWeight: number): Float64Array {
  const n = observed.length;
  const m = n + (withPrior ? 1 : 0);
  const fill = priorWeight / m;
  const probs = new Float64Array(m * nChoices).fill(fill);
  for (let i = 0; i < n; i++) probs[i * nChoices + observed[i]] += 1;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let c = 0; c < nChoices; c++) s += probs[i * nChoices + c];
    for (let c = 0; c < nChoices; c++) probs[i * nChoices + c] /= s;
  }
  return probs;
}

/**
 * Builds the estimator from observations in chronological order (oldest first, as the weights
 * function expects): `observations[d][i]` is observation i in dimension d, a transformed value or a
 * choice index. With no observations the prior is always included (as Optuna does).
 */
export function buildParzenEstimator(dims: readonly KernelDimension[], observations: readonly Float64Array[], options: ParzenOptions): ParzenEstimator {
  const n = observations.length > 0 ? observations[0].length : 0;
  const withPrior = options.considerPrior || n === 0;
  const m = n + (withPrior ? 1 : 0);
  const weights = componentWeights(n, withPrior, options);
  const mus: (Float64Array | null)[] = [];
  const sigmas: (Float64Array | null)[] = [];
  const logNorms: (Float64Array | null)[] = [];
  const probs: (Float64Array | null)[] = [];
  dims.forEach((dim, d) => {
    if (dim.kind === 'categorical') {
      mus.push(null);
      sigmas.push(null);
      logNorms.push(null);
      probs.push(categoricalKernels(dim.nChoices, observations[d], withPrior, options.priorWeight));
      return;
    }
    const k = numericKernels(dim, observations[d], withPrior, dims.length, options);
    const norms = new Float64Array(m);
    if (dim.step === 0) {
      for (let i = 0; i < m; i++) {
        const s = k.sigmas[i];
        norms[i] = -LN_SQRT_2PI - logGaussMass((dim.low - k.mus[i]) / s, (dim.high - k.mus[i]) / s);
      }
    } else {
      // Grid observations repeat values, so their kernels repeat too: compute each distinct one once.
      const seen = new Map<number, Map<number, number>>();
      for (let i = 0; i < m; i++) {
        const mu = k.mus[i];
        const s = k.sigmas[i];
        let bySigma = seen.get(mu);
        if (bySigma === undefined) seen.set(mu, (bySigma = new Map()));
        let norm = bySigma.get(s);
        if (norm === undefined) {
          norm = -logGaussMass((dim.low - mu) / s, (dim.high - mu) / s);
          bySigma.set(s, norm);
        }
        norms[i] = norm;
      }
    }
    mus.push(k.mus);
    sigmas.push(k.sigmas);
    logNorms.push(norms);
    probs.push(null);
  });
  return { dims, nComponents: m, weights, mus, sigmas, logNorms, probs };
}

/**
 * Merges identical components of a one-dimensional estimator, summing their weights; the mixture
 * is unchanged (multi-dimensional estimators are returned as they are). A univariate estimator over a grid or a categorical has at most a few distinct kernels
 * however many trials there are, so this turns O(trials) work per candidate into O(grid).
 */
export function mergeIdenticalComponents(est: ParzenEstimator): ParzenEstimator {
  if (est.dims.length !== 1) return est;
  const dim = est.dims[0];
  const m = est.nComponents;
  const target = new Int32Array(m);
  const keep: number[] = [];
  if (dim.kind === 'categorical') {
    // Rows differ only by which choice got the extra mass; a uniform row (the prior) has none.
    const c = dim.nChoices;
    const p = est.probs[0]!;
    const slot = new Map<number, number>();
    for (let i = 0; i < m; i++) {
      let arg = 0;
      let max = p[i * c];
      let min = max;
      for (let j = 1; j < c; j++) {
        const v = p[i * c + j];
        if (v > max) {
          max = v;
          arg = j;
        }
        if (v < min) min = v;
      }
      const key = max > min ? arg : -1;
      let at = slot.get(key);
      if (at === undefined) {
        at = keep.length;
        slot.set(key, at);
        keep.push(i);
      }
      target[i] = at;
    }
  } else {
    const mu = est.mus[0]!;
    const sigma = est.sigmas[0]!;
    const slot = new Map<number, Map<number, number>>();
    for (let i = 0; i < m; i++) {
      let bySigma = slot.get(mu[i]);
      if (bySigma === undefined) slot.set(mu[i], (bySigma = new Map()));
      let at = bySigma.get(sigma[i]);
      if (at === undefined) {
        at = keep.length;
        bySigma.set(sigma[i], at);
        keep.push(i);
      }
      target[i] = at;
    }
  }
  if (keep.length === m) return est;
  const weights = new Float64Array(keep.length);
  for (let i = 0; i < m; i++) weights[target[i]] += est.weights[i];
  const width = dim.kind === 'categorical' ? dim.nChoices : 1;
  const pick = (a: Float64Array | null, w: number): Float64Array | null => {
    if (a === null) return null;
    const out = new Float64Array(keep.length * w);
    keep.forEach((src, j) => out.set(a.subarray(src * w, (src + 1) * w), j * w));
    return out;
  };
  return {
    dims: est.dims,
    nComponents: keep.length,
    weights,
    mus: [pick(est.mus[0], 1)],
    sigmas: [pick(est.sigmas[0], 1)],
    logNorms: [pick(est.logNorms[0], 1)],
    probs: [pick(est.probs[0], width)],
  };
}

function pickIndex(cumulative: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Draws `size` points: a component by weight, then each dimension from that component's kernel
 * (inverse-CDF of the truncated normal; numeric grid dimensions are returned unsnapped, in the
 * transformed space). Returns one array per dimension.
 */
export function sampleParzen(est: ParzenEstimator, rng: Rng, size: number): Float64Array[] {
  const cumulative = new Float64Array(est.nComponents);
  let acc = 0;
  for (let i = 0; i < est.nComponents; i++) cumulative[i] = acc += est.weights[i];
  const active = new Int32Array(size);
  for (let s = 0; s < size; s++) active[s] = pickIndex(cumulative, rng.next() * acc);
  return est.dims.map((dim, d) => {
    const out = new Float64Array(size);
    if (dim.kind === 'categorical') {
      const p = est.probs[d]!;
      const c = dim.nChoices;
      for (let s = 0; s < size; s++) {
        const u = rng.next();
        let cum = 0;
        let choice = c - 1;
        for (let j = 0; j < c; j++) {
          cum += p[active[s] * c + j];
          if (u < cum) {
            choice = j;
            break;
          }
        }
        out[s] = choice;
      }
    } else {
      const mu = est.mus[d]!;
      const sigma = est.sigmas[d]!;
      for (let s = 0; s < size; s++) {
        const k = active[s];
        const a = (dim.low - mu[k]) / sigma[k];
        const b = (dim.high - mu[k]) / sigma[k];
        out[s] = mu[k] + sigma[k] * truncnormPpf(rng.next(), a, b);
      }
    }
    return out;
  });
}

/** Per-dimension precomputation for logPdfParzen; `add(i, row)` adds point i's log kernels to row. */
type RowAdder = (i: number, row: Float64Array) => void;

function rowAdder(est: ParzenEstimator, d: number, x: Float64Array): RowAdder {
  const dim = est.dims[d];
  const m = est.nComponents;
  if (dim.kind === 'categorical') {
    const p = est.probs[d]!;
    const c = dim.nChoices;
    const logP = new Float64Array(p.length);
    for (let j = 0; j < p.length; j++) logP[j] = Math.log(p[j]);
    return (i, row) => {
      const choice = x[i];
      for (let k = 0; k < m; k++) row[k] += logP[k * c + choice];
    };
  }
  const mu = est.mus[d]!;
  const sigma = est.sigmas[d]!;
  const norm = est.logNorms[d]!;
  if (dim.step === 0) {
    const inv = new Float64Array(m);
    for (let k = 0; k < m; k++) inv[k] = 1 / sigma[k];
    return (i, row) => {
      const xi = x[i];
      for (let k = 0; k < m; k++) {
        const z = (xi - mu[k]) * inv[k];
        row[k] += norm[k] - 0.5 * z * z;
      }
    };
  }
  // Grid dimension: distinct kernels (mean, σ) and distinct points, each pair evaluated once.
  const kernelOf = new Int32Array(m);
  const kernelMu: number[] = [];
  const kernelSigma: number[] = [];
  const kernelNorm: number[] = [];
  const seen = new Map<number, Map<number, number>>();
  for (let k = 0; k < m; k++) {
    let bySigma = seen.get(mu[k]);
    if (bySigma === undefined) seen.set(mu[k], (bySigma = new Map()));
    let id = bySigma.get(sigma[k]);
    if (id === undefined) {
      id = kernelMu.length;
      bySigma.set(sigma[k], id);
      kernelMu.push(mu[k]);
      kernelSigma.push(sigma[k]);
      kernelNorm.push(norm[k]);
    }
    kernelOf[k] = id;
  }
  const nk = kernelMu.length;
  const half = 0.5 * dim.step;
  const cache = new Map<number, Float64Array>();
  return (i, row) => {
    const xi = x[i];
    let values = cache.get(xi);
    if (values === undefined) {
      values = new Float64Array(nk);
      const lo = Math.max(dim.low, xi - half);
      const hi = Math.min(dim.high, xi + half);
      for (let j = 0; j < nk; j++) {
        const s = kernelSigma[j];
        values[j] = logGaussMass((lo - kernelMu[j]) / s, (hi - kernelMu[j]) / s) + kernelNorm[j];
      }
      cache.set(xi, values);
    }
    for (let k = 0; k < m; k++) row[k] += values[kernelOf[k]];
  };
}

/**
 * TPE's log score of the mixture at each point: the log density (log mass for grid and categorical
 * dimensions), with continuous kernels scaled as described at `logNorms`;
 * `points[d][i]` is point i in dimension d, on its grid where the dimension has one. Returns
 * log Σₖ wₖ Πd kₖd(x_d) per point via log-sum-exp. Grid kernels are evaluated once per distinct
 * (point, kernel) pair: many components share a mean, and grids repeat values. Works one point at a
 * time in an O(components) buffer.
 */
export function logPdfParzen(est: ParzenEstimator, points: readonly Float64Array[]): Float64Array {
  const size = points.length > 0 ? points[0].length : 0;
  const m = est.nComponents;
  const logW = new Float64Array(m);
  for (let k = 0; k < m; k++) logW[k] = Math.log(est.weights[k]);
  const adders = est.dims.map((_, d) => rowAdder(est, d, points[d]));
  const row = new Float64Array(m);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    row.set(logW);
    for (const add of adders) add(i, row);
    let max = -Infinity;
    for (let k = 0; k < m; k++) if (row[k] > max) max = row[k];
    if (max === -Infinity) {
      out[i] = -Infinity;
      continue;
    }
    // Terms below e^−40 of the largest change the sum by < m·4e-18 relative; skip their exp.
    let sum = 0;
    for (let k = 0; k < m; k++) {
      const t = row[k] - max;
      if (t > -40) sum += Math.exp(t);
    }
    out[i] = max + Math.log(sum);
  }
  return out;
}
