import { createRng, type Rng } from '../../rng.js';
import { valueProblem } from '../../space/grid.js';
import type { ParamSpec, ParamValue, Params, SearchSpace } from '../../space/types.js';
import { sampleActiveParams } from '../sample-active-params.js';
import { sampleUniform } from '../sample-uniform.js';
import type { Sampler, SuggestRequest } from '../sampler.js';
import { codecFor, isSingle, type DimensionCodec } from './dimension-codec.js';
import { decomposeGroups } from './group-decomposition.js';
import { rankOrder, scoreTrials, splitByRank, type ScoredTrial } from './observations.js';
import { buildParzenEstimator, logPdfParzen, mergeIdenticalComponents, sampleParzen, type ParzenEstimator, type ParzenOptions } from './parzen-estimator.js';
import { resolveTpeOptions, type ResolvedTpeOptions, type TpeOptions } from './tpe-options.js';

/** What one suggest knows about the history, per parameter of the space. */
interface Table {
  readonly trials: readonly ScoredTrial[];
  /** Trial indices from best to worst. */
  readonly order: Int32Array;
  readonly codecs: ReadonlyMap<string, DimensionCodec>;
  /** Encoded value per trial, NaN where the trial lacks the parameter or its value is not valid here. */
  readonly columns: ReadonlyMap<string, Float64Array>;
}

function buildTable(space: SearchSpace, trials: readonly ScoredTrial[]): Table {
  const codecs = new Map<string, DimensionCodec>();
  const columns = new Map<string, Float64Array>();
  for (const spec of space.params) {
    if (isSingle(spec.distribution)) continue;
    const codec = codecFor(spec.distribution);
    const column = new Float64Array(trials.length).fill(NaN);
    for (let i = 0; i < trials.length; i++) {
      const params = trials[i].trial.params;
      if (!Object.hasOwn(params, spec.name)) continue;
      const v = params[spec.name];
      // Params from another version of the space are ignored value by value, not trial by trial.
      if (valueProblem(spec.distribution, v) === null) column[i] = codec.encode(v);
    }
    codecs.set(spec.name, codec);
    columns.set(spec.name, column);
  }
  return { trials, order: rankOrder(trials), codecs, columns };
}

/**
 * Tree-structured Parzen Estimator (Bergstra et al., "Algorithms for Hyper-Parameter Optimization",
 * NeurIPS 2011), following Optuna 3.1 `samplers/_tpe/sampler.py`:
 *
 * - random sampling until `nStartupTrials` trials are finished (COMPLETE or PRUNED);
 * - then, per group of parameters, the trials that have all of them are ranked (COMPLETE by value,
 *   then PRUNED by furthest step and value there, then, with the constant liar, unfinished ones) and
 *   split into the best `gamma(n)` (l) and the rest (g); `nEiCandidates` points drawn from l are
 *   scored by log l(x) − log g(x) and the best is taken.
 *
 * Groups are single parameters (`multivariate: false`), the parameters every finished trial has
 * (`multivariate` without `group`, the rest univariate), or sets of parameters that always co-occur
 * (`multivariate` with `group`). Unlike Optuna 3.1, which ranks all trials and then drops those
 * lacking a parameter, a group is ranked among the trials that have it, so a conditional branch's good
 * group is never empty. The suggestion is a pure function of (options, space, history, trialNumber):
 * all randomness comes from `createRng(seed, trialNumber)`.
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  readonly options: ResolvedTpeOptions;
  private readonly parzen: ParzenOptions;

  constructor(options: TpeOptions = {}) {
    this.options = resolveTpeOptions(options);
    const o = this.options;
    this.parzen = {
      considerPrior: o.considerPrior,
      priorWeight: o.priorWeight,
      considerMagicClip: o.considerMagicClip,
      considerEndpoints: o.considerEndpoints,
      weights: o.weights,
      multivariate: o.multivariate,
    };
  }

  suggest({ space, history, direction, trialNumber }: SuggestRequest): Params {
    const rng = createRng(this.options.seed, trialNumber);
    const trials = scoreTrials(history, trialNumber, direction, this.options.constantLiar);
    let nFinished = 0;
    for (const t of trials) if (t.finished) nFinished++;
    if (nFinished < this.options.nStartupTrials) return sampleActiveParams(space, (spec) => sampleUniform(spec.distribution, rng));

    const table = buildTable(space, trials);
    const groupOf = this.groups(space, table);
    const sampled = new Map<readonly string[], Params>();
    return sampleActiveParams(space, (spec: ParamSpec): ParamValue => {
      const dist = spec.distribution;
      if (isSingle(dist)) return dist.type === 'categorical' ? dist.choices[0] : dist.low;
      const group = groupOf.get(spec.name)!;
      let values = sampled.get(group);
      if (values === undefined) {
        values = this.sampleGroup(group, table, rng);
        sampled.set(group, values);
      }
      return values[spec.name];
    });
  }

  /** Maps each sampled parameter to its group (a shared array per group). */
  private groups(space: SearchSpace, table: Table): Map<string, readonly string[]> {
    const names = space.params.map((p) => p.name).filter((n) => table.columns.has(n));
    const columns = names.map((n) => table.columns.get(n)!);
    let groups: string[][];
    if (!this.options.multivariate) groups = [];
    else if (this.options.group) {
      // Trials share a handful of parameter sets; decompose the distinct ones.
      const sets = new Map<string, string[]>();
      for (let i = 0; i < table.trials.length; i++) {
        let key = '';
        for (const col of columns) key += Number.isNaN(col[i]) ? '0' : '1';
        if (!sets.has(key)) sets.set(key, names.filter((_, j) => key[j] === '1'));
      }
      groups = decomposeGroups(sets.values());
    } else {
      groups = [names.filter((_, j) => table.trials.every((t, i) => !t.finished || !Number.isNaN(columns[j][i])))];
    }
    const groupOf = new Map<string, readonly string[]>();
    for (const g of groups) {
      // Topological order inside a group keeps the random stream's use independent of history order.
      const ordered = names.filter((n) => g.includes(n));
      for (const n of ordered) groupOf.set(n, ordered);
    }
    for (const n of names) if (!groupOf.has(n)) groupOf.set(n, [n]);
    return groupOf;
  }

  /** One TPE step over a group of parameters, with the trials that have all of them. */
  private sampleGroup(group: readonly string[], table: Table, rng: Rng): Params {
    const columns = group.map((n) => table.columns.get(n)!);
    const codecs = group.map((n) => table.codecs.get(n)!);
    const dims = codecs.map((c) => c.dim);
    const having = new Uint8Array(table.trials.length);
    let nFinished = 0;
    for (let i = 0; i < having.length; i++) {
      let all = 1;
      for (const col of columns) if (Number.isNaN(col[i])) all = 0;
      having[i] = all;
      if (all && table.trials[i].finished) nFinished++;
    }
    const { below, above } = splitByRank(table.order, having, this.options.gamma(nFinished));
    const pick = (rows: number[]): Float64Array[] => columns.map((col) => Float64Array.from(rows, (i) => col[i]));
    let l: ParzenEstimator = buildParzenEstimator(dims, pick(below), this.parzen);
    let g: ParzenEstimator = buildParzenEstimator(dims, pick(above), this.parzen);
    // A one-dimensional grid or categorical estimator has few distinct kernels: merge them.
    if (dims.length === 1 && (dims[0].kind === 'categorical' || dims[0].step > 0)) {
      l = mergeIdenticalComponents(l);
      g = mergeIdenticalComponents(g);
    }

    const n = this.options.nEiCandidates;
    const raw = sampleParzen(l, rng, n);
    const values: ParamValue[][] = codecs.map((codec, d) => Array.from(raw[d], (x) => codec.decode(x)));
    const points = codecs.map((codec, d) => Float64Array.from(values[d], (v) => codec.encode(v)));
    const logL = logPdfParzen(l, points);
    const logG = logPdfParzen(g, points);
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      const score = logL[i] - logG[i];
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    const out: Params = {};
    group.forEach((name, d) => {
      out[name] = values[d][best];
    });
    return out;
  }

  toJSON(): { type: 'tpe' } & Record<string, unknown> {
    const o = this.options;
    if (o.gammaConfig === null) throw new TypeError('gamma is a custom function and cannot be serialised; pass { fraction, max } instead');
    if (o.weightsConfig === null) throw new TypeError('weights is a custom function and cannot be serialised; pass { flat } instead');
    return {
      type: 'tpe',
      seed: o.seed,
      nStartupTrials: o.nStartupTrials,
      nEiCandidates: o.nEiCandidates,
      gamma: { ...o.gammaConfig },
      priorWeight: o.priorWeight,
      considerPrior: o.considerPrior,
      considerMagicClip: o.considerMagicClip,
      considerEndpoints: o.considerEndpoints,
      weights: { ...o.weightsConfig },
      multivariate: o.multivariate,
      constantLiar: o.constantLiar,
      group: o.group,
    };
  }
}
