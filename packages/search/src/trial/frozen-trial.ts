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
  /**
   * For a trial pruned by a successive-halving rule: the rung whose judgement pruned it
   * (`PruneDecision.rung`), stored with the PRUNED transition. Only needed when one report crossed
   * several rungs (sparse reports): which of them the trial recorded depends on the order of
   * reports across trials, which intermediate values do not keep. Absent or null: the trial is
   * taken to have recorded only the first rung its last report crossed, which is exact whenever
   * every epoch is reported.
   */
  readonly prunedAtRung?: number | null;
}
