import { codecFor, isSingle } from '../samplers/tpe/dimension-codec.js';
import type { Params, SearchSpace } from '../space/types.js';

/** A trial as importance evaluation reads it: its params and its finite objective value. */
export interface ImportanceTrial {
  readonly params: Readonly<Params>;
  readonly value: number;
}

/**
 * The trials as a column-major matrix of transformed parameter values, with the box each feature
 * lives in. One feature per parameter: numeric parameters are transformed as TPE's kernels see
 * them (`codecFor`: log of the value for `log`, bounds widened by half a step for grids and ints),
 * a categorical parameter is its choice index on [−½, n − ½], so every choice has the same volume.
 */
export interface FeatureMatrix {
  readonly names: readonly string[];
  /** `columns[f][i]`: feature f of trial i. */
  readonly columns: readonly Float64Array[];
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly y: Float64Array;
}

/** Indices 0 … n − 1 thinned evenly to at most `max`, first and order kept. */
export function evenSubsample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
}

/**
 * Builds the matrix from the trials with a finite value (at most `maxTrials`, thinned evenly).
 * A parameter is a feature when it can take more than one value and every used trial has a valid
 * value for it: Optuna's intersection search space (`intersection_search_space`), which leaves
 * out conditional parameters that some trials lack and parameters of another version of the space.
 */
export function featureMatrix(space: SearchSpace, trials: readonly ImportanceTrial[], maxTrials: number): FeatureMatrix {
  const finite = trials.filter((t) => Number.isFinite(t.value));
  const used = evenSubsample(finite.length, maxTrials).map((i) => finite[i]);
  const names: string[] = [];
  const columns: Float64Array[] = [];
  const low: number[] = [];
  const high: number[] = [];
  for (const spec of space.params) {
    const dist = spec.distribution;
    if (isSingle(dist)) continue;
    const codec = codecFor(dist);
    const column = new Float64Array(used.length);
    let complete = true;
    for (let i = 0; i < used.length; i++) {
      const x = codec.encodeValid(used[i].params[spec.name]);
      if (Number.isNaN(x)) {
        complete = false;
        break;
      }
      column[i] = x;
    }
    if (!complete) continue;
    names.push(spec.name);
    columns.push(column);
    if (codec.dim.kind === 'categorical') {
      low.push(-0.5);
      high.push(codec.dim.nChoices - 0.5);
    } else {
      low.push(codec.dim.low);
      high.push(codec.dim.high);
    }
  }
  return { names, columns, low: Float64Array.from(low), high: Float64Array.from(high), y: Float64Array.from(used, (t) => t.value) };
}
