/**
 * The history a sampler sees when suggesting trial n under deterministic dispatch.
 *
 * A sampler is a pure function of (seed, history, n) (@tunefleet/search `Sampler`), but the live
 * history depends on timing: which of the in-flight trials happened to finish first. The view
 * below does not: trials numbered below n − parallelism appear as they finished, and the last
 * `parallelism` trials before n appear pending (RUNNING with their params only: the constant
 * liar). Trial n is suggested only once every trial below n − parallelism has finished, so the
 * view, and with it the suggestion, is the same in every run with the same seed: after a crash
 * the next scheduler proposes exactly the trials an undisturbed one would.
 */
import { type FrozenTrial, isFinished } from '@tunefleet/search';

/**
 * The view of `history` (ordered by number, numbers 0…) as of trial `number`, or null while a
 * trial below `number - parallelism` is still open (the view would not be final).
 */
export function historyAsOf(history: readonly FrozenTrial[], number: number, parallelism: number): FrozenTrial[] | null {
  if (!Number.isSafeInteger(number) || number < 0) throw new RangeError(`number must be an integer >= 0, got ${number}`);
  if (!Number.isSafeInteger(parallelism) || parallelism < 1) {
    throw new RangeError(`parallelism must be an integer >= 1, got ${parallelism}`);
  }
  const settled = number - parallelism;
  const view: FrozenTrial[] = [];
  for (const trial of history) {
    if (trial.number >= number) continue;
    if (trial.number < settled) {
      if (!isFinished(trial.state)) return null;
      view.push(trial);
    } else {
      view.push({ number: trial.number, state: 'RUNNING', params: trial.params, value: null, intermediate: {} });
    }
  }
  return view;
}
