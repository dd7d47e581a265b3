import { gridCells, type ParzenEstimator } from './parzen-estimator.js';
import { HEAP, type Scratch } from './scratch.js';
import { logGaussMass } from './truncnorm.js';

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/**
 * A single continuous dimension with at least this many components is scored from a window around
 * each point in the components' order of mean: with a thousand observations the bandwidths are
 * about range/100 (the magic clip), so all but a fifth of the kernels lie more than ten bandwidths
 * away and below e^−40 of the largest term, where the full sum would skip them anyway. The result is
 * the same to the last bit.
 */
const WINDOW_MIN_COMPONENTS = 64;
/** Kernels wider than this many times the narrowest are evaluated for every point, outside the window. */
const WIDE_FACTOR = 1.5;
/** Grids up to this many cells get tables of kernel masses by (bandwidth, offset in cells)... */
const MAX_TABLE_CELLS = 1024;
/** ...one for each of at most this many bandwidths shared by several kernels. */
const MAX_TABLES = 8;

/**
 * Writes `src` plus point i's log kernel values in one dimension into `row` (one entry per
 * component); `src` is the per-component constant for the first dimension, `row` itself after.
 */
type RowAdder = (i: number, row: Float64Array, src: Float64Array) => void;

function categoricalAdder(est: ParzenEstimator, d: number, c: number, x: Float64Array, scratch: Scratch): RowAdder {
  const m = est.nComponents;
  const p = est.probs[d]!;
  // One column of log probabilities per choice that occurs among the points. Rows hold a handful of
  // distinct values (observed, not observed, prior), so consecutive rows mostly repeat the last log.
  const columns: (Float64Array | undefined)[] = new Array(c);
  const column = (choice: number): Float64Array => {
    let col = columns[choice];
    if (col === undefined) {
      col = scratch.f64(m);
      let lastP = NaN;
      let lastLog = NaN;
      for (let k = 0; k < m; k++) {
        const v = p[k * c + choice];
        if (v !== lastP) {
          lastP = v;
          lastLog = Math.log(v);
        }
        col[k] = lastLog;
      }
      columns[choice] = col;
    }
    return col;
  };
  return (i, row, src) => {
    const col = column(x[i]);
    for (let k = 0; k < m; k++) row[k] = src[k] + col[k];
  };
}

function continuousAdder(est: ParzenEstimator, d: number, x: Float64Array, scratch: Scratch): RowAdder {
  const m = est.nComponents;
  const mu = est.mus[d]!;
  const sigma = est.sigmas[d]!;
  // −½ z² = −(x − μ)² · (1 / 2σ²)
  const halfPrecision = scratch.f64(m);
  for (let k = 0; k < m; k++) halfPrecision[k] = 0.5 / (sigma[k] * sigma[k]);
  return (i, row, src) => {
    const xi = x[i];
    for (let k = 0; k < m; k++) {
      const dx = xi - mu[k];
      row[k] = src[k] - dx * dx * halfPrecision[k];
    }
  };
}

/**
 * Grid dimension: the log mass of the point's cell under each distinct kernel, spread to the
 * components that share it. Kernels centred on grid points (every observation) have a mass that
 * depends only on the bandwidth and the offset in cells, so a table per distinct bandwidth, filled
 * as offsets occur, serves all of them; other kernels (the prior, off the grid for an even number of
 * cells) are evaluated directly. Each distinct point is evaluated once.
 */
function gridAdder(est: ParzenEstimator, d: number, low: number, high: number, step: number, x: Float64Array, scratch: Scratch): RowAdder {
  const m = est.nComponents;
  const mu = est.mus[d]!;
  const sigma = est.sigmas[d]!;
  const { ids, firsts } = est.kernels[d]!;
  const nk = firsts.length;
  const nCells = gridCells({ low, high, step });
  const half = 0.5 * step;
  // Per distinct kernel: its cell and its bandwidth's table, or −1 to evaluate it directly.
  const kernelCell = scratch.i32(nk);
  const kernelTable = scratch.i32(nk).fill(-1);
  const tableSigmas: number[] = [];
  if (nCells <= MAX_TABLE_CELLS) {
    const shared = new Map<number, number>();
    for (let j = 0; j < nk; j++) {
      const k = firsts[j];
      const pos = (mu[k] - low) / step - 0.5;
      const cell = Math.round(pos);
      kernelCell[j] = Math.abs(pos - cell) < 1e-9 ? cell : -1;
      if (kernelCell[j] >= 0) shared.set(sigma[k], (shared.get(sigma[k]) ?? 0) + 1);
    }
    for (const [s, count] of shared) if (count > 1 && tableSigmas.length < MAX_TABLES) tableSigmas.push(s);
    for (let j = 0; j < nk; j++) if (kernelCell[j] >= 0) kernelTable[j] = tableSigmas.indexOf(sigma[firsts[j]]);
  }
  const width = 2 * nCells - 1;
  const tables = scratch.f64(tableSigmas.length * width);
  const filled = scratch.u8(tableSigmas.length * width);
  // Points repeat (candidates drawn from the same kernels land on the same grid points).
  const cache = new Map<number, Float64Array>();
  return (i, row, src) => {
    const xi = x[i];
    let values = cache.get(xi);
    if (values !== undefined) {
      for (let k = 0; k < m; k++) row[k] = src[k] + values[ids[k]];
      return;
    }
    values = scratch.f64(nk);
    cache.set(xi, values);
    const cellOfX = Math.min(nCells - 1, Math.max(0, Math.round((xi - low) / step - 0.5)));
    for (let j = 0; j < nk; j++) {
      const t = kernelTable[j];
      if (t >= 0) {
        const kc = kernelCell[j];
        const slot = t * width + (cellOfX - kc + nCells - 1);
        if (!filled[slot]) {
          const s = tableSigmas[t];
          const offset = (cellOfX - kc) * step;
          tables[slot] = logGaussMass((offset - half) / s, (offset + half) / s);
          filled[slot] = 1;
        }
        values[j] = tables[slot];
      } else {
        const k = firsts[j];
        const s = sigma[k];
        const lo = Math.max(low, xi - half);
        const hi = Math.min(high, xi + half);
        values[j] = logGaussMass((lo - mu[k]) / s, (hi - mu[k]) / s);
      }
    }
    for (let k = 0; k < m; k++) row[k] = src[k] + values[ids[k]];
  };
}

/**
 * TPE's log score of the mixture at each point (Optuna 3.1 `_ParzenEstimator.log_pdf`):
 * log Σₖ wₖ Πd kₖd(x_d), via log-sum-exp; `points[d][i]` is point i in dimension d, on its grid
 * where the dimension has one. Grid dimensions contribute the kernel's mass over the point's cell,
 * categorical ones the row's probability, continuous ones the truncated normal density.
 *
 * Continuous kernels leave out the −log σ of a scaled density, as Optuna 3.1's `truncnorm.logpdf`
 * does: the score then weights each kernel by its bandwidth, which favours the broad prior and
 * sparse regions. With the exact density this TPE measured worse on 6 of the 8 continuous benchmark
 * runs (univariate Branin −0.49 against −0.81 mean log10 regret, multivariate Hartmann-6 −0.41
 * against −0.54), so the score keeps Optuna's form. Sampling uses the exact kernels either way.
 *
 * The parts that do not depend on the point (log weights, truncation masses) are summed once per
 * component; each point then costs one pass per dimension and one for the log-sum-exp, or, for one
 * continuous dimension, a window of the components (see WINDOW_MIN_COMPONENTS).
 */
export function logPdfParzen(est: ParzenEstimator, points: readonly Float64Array[], scratch: Scratch = HEAP): Float64Array {
  const size = points.length > 0 ? points[0].length : 0;
  const m = est.nComponents;
  const base = scratch.f64(m);
  for (let k = 0; k < m; k++) base[k] = Math.log(est.weights[k]);
  est.dims.forEach((dim, d) => {
    if (dim.kind === 'categorical') return;
    const logMass = est.logMasses[d]!;
    const shift = dim.step === 0 ? LN_SQRT_2PI : 0;
    for (let k = 0; k < m; k++) base[k] -= shift + logMass[k];
  });
  const out = scratch.f64(size);
  const dim0 = est.dims[0];
  const order = est.sorted[0];
  if (est.dims.length === 1 && dim0.kind === 'numeric' && dim0.step === 0 && order !== null && m >= WINDOW_MIN_COMPONENTS) {
    logPdfSorted(est, order, base, points[0], out, scratch);
    return out;
  }
  const adders: RowAdder[] = est.dims.map((dim, d) => {
    if (dim.kind === 'categorical') return categoricalAdder(est, d, dim.nChoices, points[d], scratch);
    return dim.step === 0 ? continuousAdder(est, d, points[d], scratch) : gridAdder(est, d, dim.low, dim.high, dim.step, points[d], scratch);
  });
  const row = scratch.f64(m);
  for (let i = 0; i < size; i++) {
    for (let d = 0; d < adders.length; d++) adders[d](i, row, d === 0 ? base : row);
    if (adders.length === 0) row.set(base);
    let max = -Infinity;
    for (let k = 0; k < m; k++) if (row[k] > max) max = row[k];
    out[i] = logSumExp(row, m, max);
  }
  return out;
}

/** log Σ exp(row[k]) given max = max row[k]. */
function logSumExp(row: Float64Array, m: number, max: number): number {
  if (max === -Infinity) return -Infinity;
  // Terms below e^−40 of the largest change the sum by < m·4e-18 relative; skip their exp.
  let sum = 0;
  for (let k = 0; k < m; k++) {
    const t = row[k] - max;
    if (t > -40) sum += Math.exp(t);
  }
  return max + Math.log(sum);
}

/**
 * logSumExp over the components whose bits are set in `marks` (one bit per component, 32 to a word),
 * clearing them. Bits are visited in component order, so the sum is the one logSumExp would form
 * over the whole row when every unmarked term is below its e^−40 cut-off.
 */
function logSumExpMarked(row: Float64Array, marks: Int32Array, max: number): number {
  let sum = 0;
  for (let w = 0; w < marks.length; w++) {
    let bits = marks[w];
    if (bits === 0) continue;
    marks[w] = 0;
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const t = row[(w << 5) + 31 - Math.clz32(low)] - max;
      if (t > -40) sum += Math.exp(t);
    }
  }
  return max === -Infinity ? -Infinity : max + Math.log(sum);
}

/** One continuous dimension with many components: see WINDOW_MIN_COMPONENTS. */
function logPdfSorted(est: ParzenEstimator, order: Int32Array, base: Float64Array, x: Float64Array, out: Float64Array, scratch: Scratch): void {
  const m = est.nComponents;
  const mu = est.mus[0]!;
  const sigma = est.sigmas[0]!;
  let minSigma = Infinity;
  for (let k = 0; k < m; k++) minSigma = Math.min(minSigma, sigma[k]);
  const wideSigma = WIDE_FACTOR * minSigma;
  // Narrow kernels, in order of mean, are scanned outwards from the point; wide ones always evaluated.
  const sortedMu = scratch.f64(m);
  const narrow = scratch.u8(m);
  const wide = scratch.i32(m);
  let nWide = 0;
  let maxBase = -Infinity;
  let maxNarrowSigma = 0;
  for (let r = 0; r < m; r++) {
    const k = order[r];
    sortedMu[r] = mu[k];
    if (sigma[k] <= wideSigma) {
      narrow[r] = 1;
      maxBase = Math.max(maxBase, base[k]);
      maxNarrowSigma = Math.max(maxNarrowSigma, sigma[k]);
    } else wide[nWide++] = k;
  }
  const halfPrecision = scratch.f64(m);
  for (let k = 0; k < m; k++) halfPrecision[k] = 0.5 / (sigma[k] * sigma[k]);
  const minHalfPrecision = 0.5 / (maxNarrowSigma * maxNarrowSigma);
  const row = scratch.f64(m);
  const marks = scratch.i32((m + 31) >>> 5);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    let max = -Infinity;
    for (let j = 0; j < nWide; j++) {
      const k = wide[j];
      const dx = xi - mu[k];
      const t = base[k] - dx * dx * halfPrecision[k];
      row[k] = t;
      marks[k >>> 5] |= 1 << (k & 31);
      if (t > max) max = t;
    }
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sortedMu[mid] < xi) lo = mid + 1;
      else hi = mid;
    }
    // Outwards in each direction until even the heaviest narrow kernel at that distance would fall
    // below e^−41 of the largest term so far (so below e^−40 of the final one, hence skipped anyway).
    for (let dir = 0; dir < 2; dir++) {
      for (let r = dir === 0 ? lo : lo - 1; r >= 0 && r < m; r += dir === 0 ? 1 : -1) {
        if (!narrow[r]) continue;
        const dx = xi - sortedMu[r];
        if (maxBase - dx * dx * minHalfPrecision < max - 41) break;
        const k = order[r];
        const t = base[k] - dx * dx * halfPrecision[k];
        row[k] = t;
        marks[k >>> 5] |= 1 << (k & 31);
        if (t > max) max = t;
      }
    }
    out[i] = logSumExpMarked(row, marks, max);
  }
}
