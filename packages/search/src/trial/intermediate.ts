import type { FrozenTrial } from './frozen-trial.js';

/** One intermediate report: the epoch (Optuna's step) and the value recorded for it. */
export interface Report {
  readonly step: number;
  readonly value: number;
}

/**
 * A trial's intermediate values in increasing step order. Record keys are strings once parsed
 * from JSON, so they are turned back into numbers here; this is the one place that does it.
 */
export function reportsOf(trial: Pick<FrozenTrial, 'intermediate'>): Report[] {
  return Object.entries(trial.intermediate)
    .map(([step, value]) => ({ step: Number(step), value }))
    .sort((a, b) => a.step - b.step);
}

/** The highest reported step, or null before the first report (Optuna FrozenTrial.last_step). */
export function lastStep(trial: Pick<FrozenTrial, 'intermediate'>): number | null {
  let last: number | null = null;
  for (const key of Object.keys(trial.intermediate)) {
    const step = Number(key);
    if (last === null || step > last) last = step;
  }
  return last;
}

/** The value reported at the highest step, or null before the first report. */
export function lastValue(trial: Pick<FrozenTrial, 'intermediate'>): number | null {
  const step = lastStep(trial);
  return step === null ? null : trial.intermediate[step];
}
