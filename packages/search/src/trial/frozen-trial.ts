import type { Params } from '../space/types.js';
import type { TrialState } from './lifecycle.js';

/**
 * A trial as plain, JSON-serialisable data: what samplers and pruners read.
 * `intermediate` maps step (epoch) to value; the first report of a step wins (Optuna report()).
 */
export interface FrozenTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  /** Final objective value for COMPLETE trials; for PRUNED, the last intermediate value. */
  readonly value: number | null;
  readonly intermediate: Readonly<Record<number, number>>;
}
