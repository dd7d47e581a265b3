import type { NopPrunerJSON, PruneDecision, Pruner } from './pruner.js';

/** Never prunes (Optuna NopPruner): every trial trains its full budget. */
export class NopPruner implements Pruner {
  readonly name = 'nop';

  decide(): PruneDecision {
    return { prune: false, rung: null };
  }

  shouldPrune(): boolean {
    return false;
  }

  toJSON(): NopPrunerJSON {
    return { type: 'nop' };
  }
}
