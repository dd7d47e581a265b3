import { createRng, type Rng } from '../../rng.js';
import type { ParamSpec, ParamValue, Params, SearchSpace } from '../../space/types.js';
import { sampleActiveParams } from '../sample-active-params.js';
import { sampleUniform } from '../sample-uniform.js';
import type { Sampler, SuggestRequest } from '../sampler.js';
import { isSingle } from './dimension-codec.js';
import { decomposeGroups } from './group-decomposition.js';
import { buildHistoryTable, splitGroup, type HistoryTable } from './history-table.js';
import { logPdfParzen } from './log-pdf-parzen.js';
import { scoreTrials } from './observations.js';
import { buildParzenEstimator, componentWeights, mergeIdenticalComponents, type ParzenOptions } from './parzen-estimator.js';
import { sampleParzen } from './sample-parzen.js';
import { withScratch } from './scratch.js';
import { resolveTpeOptions, type ResolvedTpeOptions, type TpeOptions } from './tpe-options.js';

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
    const scored = scoreTrials(history, trialNumber, direction, this.options.constantLiar);
    if (scored.nFinished < this.options.nStartupTrials) return sampleActiveParams(space, (spec) => sampleUniform(spec.distribution, rng));

    return withScratch((scratch) => {
      const table = buildHistoryTable(space, scored, scratch);
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
    });
  }

  /** Maps each sampled parameter to its group (a shared array per group). */
  private groups(space: SearchSpace, table: HistoryTable): Map<string, readonly string[]> {
    const names = space.params.map((p) => p.name).filter((n) => table.columns.has(n));
    const columns = names.map((n) => table.columns.get(n)!);
    const { finished } = table.scored;
    const nTrials = finished.length;
    let groups: string[][];
    if (!this.options.multivariate) groups = [];
    else if (this.options.group) {
      // Trials share a handful of parameter sets: collect the distinct ones, then decompose them.
      const patterns: Uint8Array[] = [];
      const has = new Uint8Array(names.length);
      const full = names.every((n) => table.missing.get(n) === 0);
      for (let i = 0; i < (full ? Math.min(nTrials, 1) : nTrials); i++) {
        for (let j = 0; j < names.length; j++) has[j] = Number.isNaN(columns[j][i]) ? 0 : 1;
        let known = false;
        for (let p = 0; p < patterns.length && !known; p++) {
          known = true;
          for (let j = 0; j < names.length && known; j++) known = patterns[p][j] === has[j];
        }
        if (!known) patterns.push(has.slice());
      }
      groups = decomposeGroups(patterns.map((p) => names.filter((_, j) => p[j] === 1)));
    } else {
      groups = [
        names.filter((_, j) => {
          for (let i = 0; i < nTrials; i++) if (finished[i] && Number.isNaN(columns[j][i])) return false;
          return true;
        }),
      ];
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
  private sampleGroup(group: readonly string[], table: HistoryTable, rng: Rng): Params {
    const codecs = group.map((n) => table.codecs.get(n)!);
    const dims = codecs.map((c) => c.dim);
    const { scratch } = table;
    const split = splitGroup(table, group, this.options.gamma, !this.options.multivariate);
    // Estimators of equal size (every univariate group of an unconditional space) share weights.
    const weightsOf = (n: number): Float64Array => {
      let w = table.weights.get(n);
      if (w === undefined) table.weights.set(n, (w = componentWeights(n, this.parzen, scratch)));
      return w;
    };
    const below = { orders: [split.belowOrder], weights: weightsOf(split.below[0].length), scratch };
    const above = { orders: [split.aboveOrder], weights: weightsOf(split.above[0].length), scratch };
    // A one-dimensional grid or categorical estimator has few distinct kernels: merge them.
    const l = mergeIdenticalComponents(buildParzenEstimator(dims, split.below, this.parzen, below), scratch);
    const g = mergeIdenticalComponents(buildParzenEstimator(dims, split.above, this.parzen, above), scratch);

    const n = this.options.nEiCandidates;
    const raw = sampleParzen(l, rng, n, scratch);
    const values: ParamValue[][] = codecs.map((codec, d) => Array.from(raw[d], (x) => codec.decode(x)));
    const points = codecs.map((codec, d) => {
      const p = scratch.f64(n);
      for (let i = 0; i < n; i++) p[i] = codec.encode(values[d][i]);
      return p;
    });
    const logL = logPdfParzen(l, points, scratch);
    const logG = logPdfParzen(g, points, scratch);
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
