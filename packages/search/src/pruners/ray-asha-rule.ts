import type { Direction } from '../study/direction.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { reportsOf, type Report } from '../trial/intermediate.js';

/** Ray Tune's ASHA bracket (grace period, η, bracket index s, max_t). */
export interface RayAshaConfig {
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  /** Ray's max_t; null leaves the milestones unbounded. */
  readonly maxResource: number | null;
}

/**
 * Milestones at or below `upTo`, ascending: grace · η^(k + s) for k < MAX_RUNGS, where Ray computes
 * MAX_RUNGS = int(log(max_t / grace) / log(η) − s + 1) in floating point
 * (ray/tune/schedulers/async_hyperband.py `_Bracket.__init__`); the same float expression is used
 * here so that the rung count matches Ray even where the logarithm rounds below an integer.
 */
export function rayMilestones(config: RayAshaConfig, upTo: number): number[] {
  const { minResource, reductionFactor: eta, minEarlyStoppingRate: s, maxResource } = config;
  const maxRungs =
    maxResource === null ? Infinity : Math.trunc(Math.log(maxResource / minResource) / Math.log(eta) - s + 1);
  const out: number[] = [];
  for (let k = 0; k < maxRungs; k++) {
    const milestone = minResource * eta ** (k + s);
    if (milestone > upTo) break;
    out.push(milestone);
  }
  return out;
}

/**
 * numpy.nanpercentile with the default 'linear' method (numpy 1.24 `_quantile`, `_lerp`): NaNs are
 * dropped, the virtual index is (n − 1)·q/100, and the interpolation is taken from the upper
 * neighbour when the fraction is ≥ 0.5, exactly as numpy does, so cutoffs agree to the last bit.
 * Returns NaN when every value is NaN, null when there are no values at all (Ray's "no cutoff").
 */
export function nanPercentile(values: readonly number[], percent: number): number | null {
  if (values.length === 0) return null;
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const virtual = (sorted.length - 1) * (percent / 100);
  const lo = Math.floor(virtual);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const gamma = virtual - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/**
 * The milestone one report records: the highest milestone at or below the step that the trial has
 * not recorded yet (Ray walks its rungs from the top and stops at the first such one). Reports at
 * or past max_t consult nothing: Ray stops the trial there before asking the bracket.
 */
function milestoneFor(config: RayAshaConfig, recorded: ReadonlySet<number>, step: number): number | null {
  if (config.maxResource !== null && step >= config.maxResource) return null;
  const milestones = rayMilestones(config, step);
  for (let i = milestones.length - 1; i >= 0; i--) if (!recorded.has(milestones[i])) return milestones[i];
  return null;
}

/**
 * The milestone values a trial recorded, from its reports alone. Ray records every consulted
 * report, whatever the decision (a stopped trial's last value stays in the rung), so unlike
 * Optuna's rule this needs no assumption about outcomes, only that the bracket was consulted after
 * each report in step order. Ray's `on_trial_complete`, which feeds the final result through the
 * bracket once more, is not modelled: with reports at every epoch it only touches the max_t
 * milestone, which no decision reads.
 */
function recordsOf(reports: readonly Report[], config: RayAshaConfig): Map<number, number> {
  const records = new Map<number, number>();
  const recorded = new Set<number>();
  for (const report of reports) {
    const milestone = milestoneFor(config, recorded, report.step);
    if (milestone === null) continue;
    recorded.add(milestone);
    records.set(milestone, report.value);
  }
  return records;
}

/**
 * Ray Tune's ASHA decision for the judged trial's latest report (`_Bracket.on_result`): one
 * milestone per report; the cutoff is the (1 − 1/η) percentile of the other trials' values at
 * that milestone (the judged trial is not among them), in reward space (values negated when
 * minimising, as Ray's `metric_op`); the trial stops when its reward is below the cutoff.
 * `rung` is the milestone's index (0 for the first milestone). NaN rewards never stop a trial
 * (every comparison with NaN is false) and are ignored in cutoffs.
 */
export function decideRayAsha(args: {
  readonly trial: FrozenTrial;
  readonly others: readonly FrozenTrial[];
  readonly config: RayAshaConfig;
  readonly direction: Direction;
}): { prune: boolean; rung: number | null } {
  const { trial, others, config, direction } = args;
  const reports = reportsOf(trial);
  if (reports.length === 0) return { prune: false, rung: null };
  const own = recordsOf(reports.slice(0, -1), config);
  const latest = reports[reports.length - 1];
  const milestone = milestoneFor(config, new Set(own.keys()), latest.step);
  if (milestone === null) return { prune: false, rung: null };
  const rung = rayMilestones(config, milestone).length - 1;
  const sign = direction === 'maximize' ? 1 : -1;
  const rewards: number[] = [];
  for (const other of others) {
    const value = recordsOf(reportsOf(other), config).get(milestone);
    if (value !== undefined) rewards.push(sign * value);
  }
  const cutoff = nanPercentile(rewards, (1 - 1 / config.reductionFactor) * 100);
  return { prune: cutoff !== null && sign * latest.value < cutoff, rung };
}
