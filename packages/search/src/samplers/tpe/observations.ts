import type { Direction } from '../../study/direction.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';

/**
 * A trial TPE learns from, with its rank key: trials sort by (step key, value key) ascending, the
 * best first (Optuna 3.1 `_get_observation_pairs`). COMPLETE trials have step key −∞; PRUNED trials
 * −(last step reported), so a trial pruned later ranks better, then by the value at that step (NaN
 * last), or step key 1 when nothing was reported; unfinished trials (constant liar) rank after all.
 */
export interface ScoredTrial {
  readonly trial: FrozenTrial;
  readonly finished: boolean;
  readonly stepKey: number;
  readonly valueKey: number;
}

const UNFINISHED = new Set(['RUNNING', 'WAITING', 'PAUSED']);

function lastReport(intermediate: Readonly<Record<number, number>>): { step: number; value: number } | null {
  let step = -Infinity;
  for (const key of Object.keys(intermediate)) {
    const s = Number(key);
    if (Number.isFinite(s) && s > step) step = s;
  }
  if (step === -Infinity) return null;
  const v = intermediate[step];
  return { step, value: typeof v === 'number' ? v : NaN };
}

/**
 * The trials of the history that inform a suggestion for `trialNumber`, in chronological order:
 * COMPLETE trials with a finite value, PRUNED trials, and with `constantLiar` the unfinished ones
 * (RUNNING, WAITING, PAUSED). FAILED trials and the trial being suggested are left out, so a
 * suggestion recomputed after a restart does not see its own earlier params.
 */
export function scoreTrials(history: readonly FrozenTrial[], trialNumber: number, direction: Direction, constantLiar: boolean): ScoredTrial[] {
  const sign = direction === 'maximize' ? -1 : 1;
  const out: ScoredTrial[] = [];
  for (const trial of history) {
    if (trial.number === trialNumber) continue;
    if (trial.state === 'COMPLETE') {
      if (typeof trial.value !== 'number' || !Number.isFinite(trial.value)) continue;
      out.push({ trial, finished: true, stepKey: -Infinity, valueKey: sign * trial.value });
    } else if (trial.state === 'PRUNED') {
      const last = lastReport(trial.intermediate ?? {});
      if (last === null) out.push({ trial, finished: true, stepKey: 1, valueKey: 0 });
      else out.push({ trial, finished: true, stepKey: -last.step, valueKey: Number.isNaN(last.value) ? Infinity : sign * last.value });
    } else if (constantLiar && UNFINISHED.has(trial.state)) {
      out.push({ trial, finished: false, stepKey: Infinity, valueKey: Infinity });
    }
  }
  return out.sort((a, b) => a.trial.number - b.trial.number);
}

/** Indices of `trials` from best to worst: by step key, then value key, then trial order. */
export function rankOrder(trials: readonly ScoredTrial[]): Int32Array {
  const stepKey = Float64Array.from(trials, (t) => t.stepKey);
  const valueKey = Float64Array.from(trials, (t) => t.valueKey);
  const order = Int32Array.from(trials, (_, i) => i);
  return order.sort((i, j) => {
    if (stepKey[i] !== stepKey[j]) return stepKey[i] < stepKey[j] ? -1 : 1;
    if (valueKey[i] !== valueKey[j]) return valueKey[i] < valueKey[j] ? -1 : 1;
    return i - j;
  });
}

/**
 * Splits the trials flagged in `having` into the good group, the first `nBelow` of them in rank
 * `order`, and the rest; both lists in chronological order, as the weights function expects.
 */
export function splitByRank(order: Int32Array, having: Uint8Array, nBelow: number): { below: number[]; above: number[] } {
  const inBelow = new Uint8Array(having.length);
  let left = Math.max(0, Math.floor(nBelow));
  for (let r = 0; r < order.length && left > 0; r++) {
    if (having[order[r]]) {
      inBelow[order[r]] = 1;
      left--;
    }
  }
  const below: number[] = [];
  const above: number[] = [];
  for (let i = 0; i < having.length; i++) if (having[i]) (inBelow[i] ? below : above).push(i);
  return { below, above };
}
