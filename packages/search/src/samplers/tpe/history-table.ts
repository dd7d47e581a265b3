import type { SearchSpace } from '../../space/types.js';
import { argsort, argsortGrid } from './argsort.js';
import { codecFor, isSingle, type DimensionCodec } from './dimension-codec.js';
import { selectBelow, type ScoredTrials } from './observations.js';
import { gridCells } from './parzen-estimator.js';
import type { Scratch } from './scratch.js';

/**
 * What one suggestion knows about the history: per sampled parameter its codec and a column of
 * encoded values, one per scored trial (NaN where the trial lacks the parameter or its value is not
 * valid in this space), all in the suggestion's scratch arena.
 */
export interface HistoryTable {
  readonly scored: ScoredTrials;
  readonly codecs: ReadonlyMap<string, DimensionCodec>;
  readonly columns: ReadonlyMap<string, Float64Array>;
  /** Number of NaN entries per column; 0 in the usual unconditional space. */
  readonly missing: ReadonlyMap<string, number>;
  readonly scratch: Scratch;
  /** The good group among all trials, shared by every group whose parameters no trial lacks. */
  fullBelow: Uint8Array | null;
  /** Mixture weights by number of observations, shared by the estimators of equal size. */
  readonly weights: Map<number, Float64Array>;
}

export function buildHistoryTable(space: SearchSpace, scored: ScoredTrials, scratch: Scratch): HistoryTable {
  const codecs = new Map<string, DimensionCodec>();
  const columns = new Map<string, Float64Array>();
  const missing = new Map<string, number>();
  const { trials } = scored;
  for (const spec of space.params) {
    if (isSingle(spec.distribution)) continue;
    const codec = codecFor(spec.distribution);
    const column = scratch.f64(trials.length);
    const { name } = spec;
    let nMissing = 0;
    // Params from another version of the space are ignored value by value, not trial by trial.
    for (let i = 0; i < trials.length; i++) {
      const x = codec.encodeValid(trials[i].params[name]);
      column[i] = x;
      if (Number.isNaN(x)) nMissing++;
    }
    codecs.set(name, codec);
    columns.set(name, column);
    missing.set(name, nMissing);
  }
  return { scored, codecs, columns, missing, scratch, fullBelow: null, weights: new Map() };
}

/** The observations of one group of parameters, split into the good group (l) and the rest (g). */
export interface GroupSplit {
  /** Per dimension, the good group's values in trial order (as the weights function expects). */
  readonly below: Float64Array[];
  readonly above: Float64Array[];
  /** With `withOrders`: argsort of the first dimension's values on each side. */
  readonly belowOrder: Int32Array | null;
  readonly aboveOrder: Int32Array | null;
}

/**
 * Splits the trials that have every parameter of `names` into the best `gamma(n)` and the rest, n
 * counting the finished ones among them (Optuna `_split_observation_pairs`). With `withOrders`, also
 * sorts the first parameter's values once and derives each side's order from it (univariate
 * bandwidths need ranks); ties stay in trial order, as a stable sort of each side would leave them.
 */
export function splitGroup(table: HistoryTable, names: readonly string[], gamma: (n: number) => number, withOrders: boolean): GroupSplit {
  const { scored, scratch } = table;
  const columns = names.map((n) => table.columns.get(n)!);
  const nTrials = scored.finished.length;
  const nDims = columns.length;
  const full = names.every((n) => table.missing.get(n) === 0);
  let having: Uint8Array;
  let nHaving = nTrials;
  let nFinished = scored.nFinished;
  if (full) having = scratch.u8(nTrials).fill(1);
  else {
    having = scratch.u8(nTrials);
    nHaving = 0;
    nFinished = 0;
    for (let i = 0; i < nTrials; i++) {
      let all = 1;
      for (let d = 0; d < nDims; d++) if (Number.isNaN(columns[d][i])) all = 0;
      having[i] = all;
      nHaving += all;
      if (all && scored.finished[i]) nFinished++;
    }
  }
  let inBelow: Uint8Array;
  if (full) inBelow = table.fullBelow ??= selectBelow(scored, having, gamma(nFinished), scratch);
  else inBelow = selectBelow(scored, having, gamma(nFinished), scratch);
  let nBelow = 0;
  for (let i = 0; i < nTrials; i++) nBelow += inBelow[i];
  const below = columns.map(() => scratch.f64(nBelow));
  const above = columns.map(() => scratch.f64(nHaving - nBelow));
  // local[i]: trial i's position on its side.
  const local = scratch.i32(nTrials);
  let b = 0;
  let a = 0;
  for (let i = 0; i < nTrials; i++) {
    if (!having[i]) continue;
    if (inBelow[i]) {
      for (let d = 0; d < nDims; d++) below[d][b] = columns[d][i];
      local[i] = b++;
    } else {
      for (let d = 0; d < nDims; d++) above[d][a] = columns[d][i];
      local[i] = a++;
    }
  }
  const dim = table.codecs.get(names[0])!.dim;
  if (!withOrders || dim.kind !== 'numeric') return { below, above, belowOrder: null, aboveOrder: null };

  const trialOf = scratch.i32(nHaving);
  const values = scratch.f64(nHaving);
  let h = 0;
  for (let i = 0; i < nTrials; i++) {
    if (!having[i]) continue;
    trialOf[h] = i;
    values[h++] = columns[0][i];
  }
  const order = dim.step > 0 ? argsortGrid(values, dim.low, dim.step, gridCells(dim), scratch) : argsort(values, scratch);
  const belowOrder = scratch.i32(nBelow);
  const aboveOrder = scratch.i32(nHaving - nBelow);
  b = 0;
  a = 0;
  for (let r = 0; r < nHaving; r++) {
    const i = trialOf[order[r]];
    if (inBelow[i]) belowOrder[b++] = local[i];
    else aboveOrder[a++] = local[i];
  }
  return { below, above, belowOrder, aboveOrder };
}
