import { argsort } from './argsort.js';
import { gridKernels, type GridKernels } from './grid-kernels.js';
import { HEAP, type Scratch } from './scratch.js';
import type { WeightsFunction } from './tpe-options.js';
import { logGaussMass } from './truncnorm.js';

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
  /** Numeric dimensions: log of each kernel's mass inside the bounds (its truncation), computed once. */
  readonly logMasses: readonly (Float64Array | null)[];
  /** Categorical dimensions: nComponents × nChoices probabilities, row-major. */
  readonly probs: readonly (Float64Array | null)[];
  /** Grid dimensions: which components share a kernel, so log masses are computed per distinct kernel. */
  readonly kernels: readonly (GridKernels | null)[];
  /** Univariate numeric dimensions: component indices in ascending order of mean (ties in index order); null elsewhere. */
  readonly sorted: readonly (Int32Array | null)[];
}

const EPS = 1e-12;
/** Scott-style bandwidth factor of Optuna's multivariate TPE (BOHB, Falkner et al. 2018). */
const SIGMA0_MAGNITUDE = 0.2;

/**
 * Normalised mixture weights of n observations (oldest first) and, when the prior is included (with
 * `considerPrior` or no observations), the prior last: `options.weights(n)` then priorWeight, divided
 * by their sum (Optuna `_calculate_weights`). Throws a RangeError for negative, non-finite or all-zero
 * weights or too few of them.
 */
export function componentWeights(n: number, options: ParzenOptions, scratch: Scratch = HEAP): Float64Array {
  const withPrior = options.considerPrior || n === 0;
  const w = scratch.f64(n + (withPrior ? 1 : 0));
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
  order: Int32Array | null,
  withPrior: boolean,
  nDims: number,
  options: ParzenOptions,
  scratch: Scratch,
): { mus: Float64Array; sigmas: Float64Array; sortedIndex: Int32Array | null } {
  const n = observed.length;
  const m = n + (withPrior ? 1 : 0);
  const range = dim.high - dim.low;
  const priorMu = 0.5 * (dim.low + dim.high);
  const mus = scratch.f64(m);
  mus.set(observed);
  if (withPrior) mus[n] = priorMu;
  const sigmas = scratch.f64(m);
  let sortedIndex: Int32Array | null = null;
  if (options.multivariate) {
    sigmas.fill(SIGMA0_MAGNITUDE * Math.max(n, 1) ** (-1 / (nDims + 4)) * range);
  } else {
    // Rank of each mean among all means, ties in index order (a stable argsort). The prior is the
    // last component, so it ranks after every observation equal to it.
    const ord = order ?? argsort(observed, scratch);
    let p = n;
    if (withPrior) {
      let lo = 0;
      while (lo < p) {
        const mid = (lo + p) >>> 1;
        if (observed[ord[mid]] <= priorMu) lo = mid + 1;
        else p = mid;
      }
    }
    const sorted = scratch.f64(m + 2);
    const rank = scratch.i32(m);
    sorted[0] = dim.low;
    sorted[m + 1] = dim.high;
    for (let j = 0; j < n; j++) {
      const r = j < p ? j : j + 1;
      sorted[r + 1] = observed[ord[j]];
      rank[ord[j]] = r;
    }
    if (withPrior) {
      sorted[p + 1] = priorMu;
      rank[n] = p;
    }
    sortedIndex = scratch.i32(m);
    for (let i = 0; i < m; i++) sortedIndex[rank[i]] = i;
    for (let i = 0; i < m; i++) {
      const r = rank[i];
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
  return { mus, sigmas, sortedIndex };
}

/**
 * Optuna's categorical kernel: each observation's row puts priorWeight/(n + 1) on every choice and
 * 1 more on the observed one, then is normalised; the prior row is uniform.
 */
function categoricalKernels(nChoices: number, observed: Float64Array, withPrior: boolean, priorWeight: number, scratch: Scratch): Float64Array {
  const n = observed.length;
  const m = n + (withPrior ? 1 : 0);
  const fill = priorWeight / m;
  const probs = scratch.f64(m * nChoices).fill(fill);
  for (let i = 0; i < n; i++) probs[i * nChoices + observed[i]] += 1;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let c = 0; c < nChoices; c++) s += probs[i * nChoices + c];
    for (let c = 0; c < nChoices; c++) probs[i * nChoices + c] /= s;
  }
  return probs;
}

/** What a caller that builds many estimators per suggestion can supply to save work. */
export interface BuildExtras {
  /** Per dimension, `argsort(observations[d])` (or null): see buildParzenEstimator. */
  readonly orders?: readonly (Int32Array | null)[];
  /** `componentWeights(n, options)` for this number of observations. */
  readonly weights?: Float64Array;
  /** Where the estimator's arrays are allocated; they live as long as the scratch. */
  readonly scratch?: Scratch;
}

/**
 * Builds the estimator from observations in chronological order (oldest first, as the weights
 * function expects): `observations[d][i]` is observation i in dimension d, a transformed value or a
 * choice index. With no observations the prior is always included (as Optuna does). `extras.orders[d]`,
 * when given, is `argsort(observations[d])`: univariate bandwidths need the observations' ranks, and a
 * caller that already has the whole history's order derives each split's order in O(n).
 */
export function buildParzenEstimator(dims: readonly KernelDimension[], observations: readonly Float64Array[], options: ParzenOptions, extras: BuildExtras = {}): ParzenEstimator {
  const n = observations.length > 0 ? observations[0].length : 0;
  const withPrior = options.considerPrior || n === 0;
  const m = n + (withPrior ? 1 : 0);
  const { orders, scratch = HEAP } = extras;
  const weights = extras.weights ?? componentWeights(n, options, scratch);
  const mus: (Float64Array | null)[] = [];
  const sigmas: (Float64Array | null)[] = [];
  const logMasses: (Float64Array | null)[] = [];
  const probs: (Float64Array | null)[] = [];
  const kernels: (GridKernels | null)[] = [];
  const sorted: (Int32Array | null)[] = [];
  for (let d = 0; d < dims.length; d++) {
    const dim = dims[d];
    if (dim.kind === 'categorical') {
      sorted.push(null);
      mus.push(null);
      sigmas.push(null);
      logMasses.push(null);
      probs.push(categoricalKernels(dim.nChoices, observations[d], withPrior, options.priorWeight, scratch));
      kernels.push(null);
      continue;
    }
    const k = numericKernels(dim, observations[d], orders?.[d] ?? null, withPrior, dims.length, options, scratch);
    const masses = scratch.f64(m);
    let grid: GridKernels | null = null;
    if (dim.step === 0) {
      for (let i = 0; i < m; i++) {
        const s = k.sigmas[i];
        masses[i] = logGaussMass((dim.low - k.mus[i]) / s, (dim.high - k.mus[i]) / s);
      }
    } else {
      // Grid observations repeat values, so their kernels repeat too: compute each distinct one once.
      grid = gridKernelsOf(dim, k.mus, k.sigmas, scratch);
      const { ids, firsts } = grid;
      for (let j = 0; j < firsts.length; j++) {
        const mu = k.mus[firsts[j]];
        const s = k.sigmas[firsts[j]];
        masses[firsts[j]] = logGaussMass((dim.low - mu) / s, (dim.high - mu) / s);
      }
      for (let i = 0; i < m; i++) masses[i] = masses[firsts[ids[i]]];
    }
    mus.push(k.mus);
    sigmas.push(k.sigmas);
    logMasses.push(masses);
    probs.push(null);
    kernels.push(grid);
    sorted.push(k.sortedIndex);
  }
  return { dims, nComponents: m, weights, mus, sigmas, logMasses, probs, kernels, sorted };
}

/** Number of grid cells of a grid dimension (its bounds are widened by half a step). */
export function gridCells(dim: { low: number; high: number; step: number }): number {
  return Math.round((dim.high - dim.low) / dim.step);
}

function gridKernelsOf(dim: { low: number; high: number; step: number }, mus: Float64Array, sigmas: Float64Array, scratch: Scratch): GridKernels {
  return gridKernels(dim.low, dim.step, gridCells(dim), mus, sigmas, scratch);
}

/**
 * Merges identical components of a one-dimensional estimator, summing their weights in component
 * order and keeping first occurrences in order; the mixture is unchanged (multi-dimensional and
 * continuous estimators are returned as they are). A univariate estimator over a grid or a
 * categorical has at most a few distinct kernels however many trials there are, so this turns
 * O(trials) work per candidate into O(grid).
 */
export function mergeIdenticalComponents(est: ParzenEstimator, scratch: Scratch = HEAP): ParzenEstimator {
  if (est.dims.length !== 1) return est;
  const dim = est.dims[0];
  const m = est.nComponents;
  let target: Int32Array;
  let keep: Int32Array;
  if (dim.kind === 'categorical') {
    // Rows differ only by which choice got the extra mass; a uniform row (the prior) has none.
    const c = dim.nChoices;
    const p = est.probs[0]!;
    const slot = scratch.i32(c + 1).fill(-1);
    target = scratch.i32(m);
    const firsts: number[] = [];
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
      const key = max > min ? arg : c;
      if (slot[key] < 0) {
        slot[key] = firsts.length;
        firsts.push(i);
      }
      target[i] = slot[key];
    }
    keep = Int32Array.from(firsts);
  } else if (dim.step > 0) {
    const grid = est.kernels[0]!;
    target = grid.ids;
    keep = grid.firsts;
  } else return est;
  const k = keep.length;
  if (k === m) return est;
  const weights = scratch.f64(k);
  for (let i = 0; i < m; i++) weights[target[i]] += est.weights[i];
  const pick = (a: Float64Array | null, w: number): Float64Array | null => {
    if (a === null) return null;
    const out = scratch.f64(k * w);
    for (let j = 0; j < k; j++) out.set(a.subarray(keep[j] * w, (keep[j] + 1) * w), j * w);
    return out;
  };
  const mus = pick(est.mus[0], 1);
  const sigmas = pick(est.sigmas[0], 1);
  return {
    dims: est.dims,
    nComponents: k,
    weights,
    mus: [mus],
    sigmas: [sigmas],
    logMasses: [pick(est.logMasses[0], 1)],
    probs: [pick(est.probs[0], dim.kind === 'categorical' ? dim.nChoices : 1)],
    kernels: [dim.kind === 'numeric' ? gridKernelsOf(dim, mus!, sigmas!, scratch) : null],
    // Merging keeps first occurrences in order, so ranks are not carried over; only grids and
    // categoricals are merged, and only continuous dimensions use the order.
    sorted: [null],
  };
}
