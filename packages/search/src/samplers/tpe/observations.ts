import type { Direction } from '../../study/direction.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import { HEAP, type Scratch } from './scratch.js';

/**
 * The trials TPE learns from, in chronological order, with their rank keys as parallel typed arrays:
 * trials sort by (step key, value key, position) ascending, the best first (Optuna 3.1
 * `_get_observation_pairs`). COMPLETE trials have step key −∞; PRUNED trials −(last step reported),
 * so a trial pruned later ranks better, then by the value at that step (NaN last), or step key 1
 * when nothing was reported; unfinished trials (constant liar) rank after all. Keys are never NaN.
 */
export interface ScoredTrials {
  readonly trials: readonly FrozenTrial[];
  /** 1 for COMPLETE and PRUNED trials, 0 for unfinished ones. */
  readonly finished: Uint8Array;
  readonly stepKey: Float64Array;
  readonly valueKey: Float64Array;
  readonly nFinished: number;
}

function lastStep(intermediate: Readonly<Record<number, number>>): number {
  let step = -Infinity;
  for (const key of Object.keys(intermediate)) {
    const s = Number(key);
    if (Number.isFinite(s) && s > step) step = s;
  }
  return step;
}

function isUnfinished(state: FrozenTrial['state']): boolean {
  return state === 'RUNNING' || state === 'WAITING' || state === 'PAUSED';
}

/**
 * The trials of the history that inform a suggestion for `trialNumber`, in chronological order:
 * COMPLETE trials with a finite value, PRUNED trials, and with `constantLiar` the unfinished ones
 * (RUNNING, WAITING, PAUSED). FAILED trials and the trial being suggested are left out, so a
 * suggestion recomputed after a restart does not see its own earlier params. A history already in
 * trial order (the usual case) is read without sorting.
 */
export function scoreTrials(history: readonly FrozenTrial[], trialNumber: number, direction: Direction, constantLiar: boolean): ScoredTrials {
  const sign = direction === 'maximize' ? -1 : 1;
  let sorted = true;
  for (let i = 1; i < history.length && sorted; i++) sorted = history[i - 1].number <= history[i].number;
  const source = sorted ? history : [...history].sort((a, b) => a.number - b.number);
  const trials: FrozenTrial[] = [];
  const finished = new Uint8Array(source.length);
  const stepKey = new Float64Array(source.length);
  const valueKey = new Float64Array(source.length);
  let nFinished = 0;
  for (const trial of source) {
    if (trial.number === trialNumber) continue;
    const i = trials.length;
    if (trial.state === 'COMPLETE') {
      if (typeof trial.value !== 'number' || !Number.isFinite(trial.value)) continue;
      stepKey[i] = -Infinity;
      valueKey[i] = sign * trial.value;
    } else if (trial.state === 'PRUNED') {
      const step = lastStep(trial.intermediate ?? {});
      if (step === -Infinity) {
        stepKey[i] = 1;
        valueKey[i] = 0;
      } else {
        const v = trial.intermediate[step];
        stepKey[i] = -step;
        valueKey[i] = typeof v === 'number' && !Number.isNaN(v) ? sign * v : Infinity;
      }
    } else if (constantLiar && isUnfinished(trial.state)) {
      stepKey[i] = Infinity;
      valueKey[i] = Infinity;
    } else continue;
    const done = trial.state === 'COMPLETE' || trial.state === 'PRUNED';
    finished[i] = done ? 1 : 0;
    if (done) nFinished++;
    trials.push(trial);
  }
  const n = trials.length;
  return { trials, finished: finished.subarray(0, n), stepKey: stepKey.subarray(0, n), valueKey: valueKey.subarray(0, n), nFinished };
}

/** Whether trial i ranks strictly before trial j: by step key, then value key, then position. */
export function ranksBefore(s: ScoredTrials, i: number, j: number): boolean {
  const si = s.stepKey[i];
  const sj = s.stepKey[j];
  if (si !== sj) return si < sj;
  const vi = s.valueKey[i];
  const vj = s.valueKey[j];
  if (vi !== vj) return vi < vj;
  return i < j;
}

/**
 * Marks the good group: the best `nBelow` (floored, at least 0) of the trials flagged in `having`,
 * by `ranksBefore`; the rest of them form the bad group (Optuna `_split_observation_pairs`, a stable
 * sort). Only the good group is ordered, by insertion into a buffer of nBelow entries, so the cost
 * is O(n · nBelow) at worst and O(n) for the usual nBelow ≤ 25 with few improvements.
 */
export function selectBelow(s: ScoredTrials, having: Uint8Array, nBelow: number, scratch: Scratch = HEAP): Uint8Array {
  const k = Math.max(0, Math.floor(nBelow));
  const inBelow = scratch.u8(having.length);
  if (k === 0) return inBelow;
  const best = scratch.i32(k);
  let count = 0;
  for (let i = 0; i < having.length; i++) {
    if (!having[i]) continue;
    if (count === k && !ranksBefore(s, i, best[k - 1])) continue;
    let at = count < k ? count++ : k - 1;
    while (at > 0 && ranksBefore(s, i, best[at - 1])) {
      best[at] = best[at - 1];
      at--;
    }
    best[at] = i;
  }
  for (let r = 0; r < count; r++) inBelow[best[r]] = 1;
  return inBelow;
}
