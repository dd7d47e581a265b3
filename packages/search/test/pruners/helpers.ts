import type { FrozenTrial } from '../../src/trial/frozen-trial.js';
import type { TrialState } from '../../src/trial/lifecycle.js';

/** A trial as the pruners see it: only state and intermediate values matter. */
export function trial(
  number: number,
  state: TrialState,
  intermediate: Record<number, number>,
  extra: Partial<FrozenTrial> = {},
): FrozenTrial {
  return { number, state, params: {}, value: null, intermediate, ...extra };
}
