import type { Direction } from '../study/direction.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';

export interface PruneRequest {
  /** The trial whose latest report is being judged. */
  readonly trial: FrozenTrial;
  /** Every trial of the study, in any state; the judged trial may appear in it (matched by number). */
  readonly history: readonly FrozenTrial[];
  readonly direction: Direction;
  /** The study's seed; Hyperband derives bracket membership from it. */
  readonly studySeed: number;
}

/** A decision on the judged trial's latest report. */
export interface PruneDecision {
  readonly prune: boolean;
  /**
   * The last rung judged for this report (the one that pruned it, when `prune`), null when the
   * report reached no new rung. The caller stores it as `FrozenTrial.prunedAtRung` when it prunes.
   */
  readonly rung: number | null;
}

export interface NopPrunerJSON {
  readonly type: 'nop';
}

export interface SuccessiveHalvingPrunerJSON {
  readonly type: 'successive-halving';
  readonly minResource: number | 'auto';
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  readonly rule: 'optuna' | 'ray';
  readonly maxResource: number | null;
}

export interface HyperbandPrunerJSON {
  readonly type: 'hyperband';
  readonly minResource: number;
  readonly maxResource: number;
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
}

export type PrunerJSON = NopPrunerJSON | SuccessiveHalvingPrunerJSON | HyperbandPrunerJSON;

/**
 * A pruner is a pure decision over plain data: the judged trial's intermediate values and what the
 * other trials recorded, rebuilt from theirs. It keeps no hidden state (unlike Optuna, which
 * writes rung records into system attrs from inside `prune()`), so a restarted scheduler decides
 * the same.
 *
 * Protocol: consult it once per stored report, right after storing it. A repeated report of a step
 * is ignored by first-wins storage and needs no decision (Optuna answers `false` to it: the rungs
 * were judged when the step was first reported).
 */
export interface Pruner {
  readonly name: string;
  decide(request: PruneRequest): PruneDecision;
  /** `decide(request).prune`. */
  shouldPrune(request: PruneRequest): boolean;
  /** Options needed to rebuild the pruner (prunerFromJSON, Study.fromJSON). */
  toJSON(): PrunerJSON;
}
