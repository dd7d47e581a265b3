import type { Params, SearchSpace } from '../space/types.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { Direction } from '../study/direction.js';

export interface SuggestRequest {
  readonly space: SearchSpace;
  /** Every trial of the study so far, RUNNING ones included (constant liar). */
  readonly history: readonly FrozenTrial[];
  readonly direction: Direction;
  /** Number of the trial being suggested; with the sampler's seed it fixes the random stream. */
  readonly trialNumber: number;
}

/**
 * A sampler is a pure function of (seed, space, history, trialNumber): a scheduler that restarts
 * asks again and gets the same params. Returned params hold only the active parameters.
 */
export interface Sampler {
  readonly name: string;
  suggest(request: SuggestRequest): Params;
  /** Options needed to rebuild the sampler (Study.fromJSON). */
  toJSON(): { type: string } & Record<string, unknown>;
}
