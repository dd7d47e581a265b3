import type { Direction } from '../study/direction.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { reportsOf, type Report } from '../trial/intermediate.js';

/** Successive halving with a known minimum resource (Optuna's SuccessiveHalvingPruner arguments). */
export interface ShaRuleConfig {
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
}

/**
 * The step at which rung `rung` is judged: minResource · η^(s + rung), exact in integers
 * (optuna/pruners/_successive_halving.py `rung_promotion_step`).
 */
export function rungResource(config: ShaRuleConfig, rung: number): number {
  return config.minResource * config.reductionFactor ** (config.minEarlyStoppingRate + rung);
}

/**
 * Optuna's promotion test (`_is_trial_promotable_to_next_rung`): `competing` holds every value
 * recorded at the rung, the judged one included; the judged value continues if it is within the
 * best max(⌊n/η⌋, 1), ties continuing.
 */
export function isPromotable(
  value: number,
  competing: readonly number[],
  reductionFactor: number,
  direction: Direction,
): boolean {
  const sorted = [...competing].sort((a, b) => a - b);
  const index = Math.max(Math.floor(sorted.length / reductionFactor) - 1, 0);
  return direction === 'maximize' ? value >= sorted[sorted.length - 1 - index] : value <= sorted[index];
}

/** Whether the judged value survives rung `rung` given the other trials' records there. */
type RungJudge = (rung: number, value: number) => boolean;

/** The outcome of one consultation: whether it pruned, and the last rung it judged. */
interface Consultation {
  readonly prune: boolean;
  readonly rung: number | null;
}

/**
 * One consultation of Optuna's `prune()` after a report: from the trial's first unrecorded rung,
 * every rung whose resource the step has reached is judged in order with the latest value. A NaN
 * value prunes without recording; otherwise the rung is recorded, then judged. Mutates `records`
 * (index = rung).
 */
function consult(records: number[], report: Report, config: ShaRuleConfig, judge: RungJudge): Consultation {
  if (!Number.isFinite(report.step)) throw new RangeError(`step must be a finite number, got ${report.step}`);
  let judged: number | null = null;
  for (let rung = records.length; rungResource(config, rung) <= report.step; rung++) {
    judged = rung;
    if (Number.isNaN(report.value)) return { prune: true, rung };
    records.push(report.value);
    if (!judge(rung, report.value)) return { prune: true, rung };
  }
  return { prune: false, rung: judged };
}

const alwaysPasses: RungJudge = () => true;

/**
 * The rung values a trial recorded (index = rung), rebuilt from its intermediate values.
 *
 * Optuna writes `completed_rung_k = value` into a trial's system attrs when `prune()` is called
 * at a step ≥ the rung's resource, all lower rungs being recorded and passed; the value is the
 * trial's latest intermediate value at that moment, and it is written before the trial is judged,
 * so the rung at which a trial is pruned holds its value too. Under the protocol the scheduler
 * follows (each trial reports its epochs in increasing order, the pruner is consulted after every
 * stored report, a trial told to prune is pruned at once), that means:
 *
 * - each report is one consultation; walking a trial's reports in step order replays them;
 * - a trial that was not pruned (any state but PRUNED) passed every consultation, so it recorded
 *   every rung its reports reached, each with the value of its first report at or past the rung's
 *   resource; a NaN report at a rung records nothing (Optuna prunes before recording);
 * - a PRUNED trial passed every consultation but its last one, which recorded the rungs it crossed
 *   up to `prunedAtRung`, the rung that pruned it. Without `prunedAtRung` only the first crossed
 *   rung counts: exact when a report crosses at most one rung, as when every epoch is reported.
 */
export function rungRecordsOf(trial: FrozenTrial, config: ShaRuleConfig): number[] {
  const records: number[] = [];
  const reports = reportsOf(trial);
  const prunedAt = trial.state === 'PRUNED' ? (trial.prunedAtRung ?? null) : undefined;
  reports.forEach((report, i) => {
    const isLast = i === reports.length - 1;
    if (!isLast || prunedAt === undefined) {
      consult(records, report, config, alwaysPasses);
      return;
    }
    const first = records.length;
    consult(records, report, config, (rung) => rung < (prunedAt ?? first));
  });
  return records;
}

/** A judge that applies Optuna's bootstrap and promotion tests against the given records. */
function judgeAgainst(
  others: readonly (readonly number[])[],
  config: ShaRuleConfig,
  direction: Direction,
): RungJudge {
  return (rung, value) => {
    const competing: number[] = [];
    for (const records of others) if (rung < records.length) competing.push(records[rung]);
    competing.push(value);
    // The judged value is among the competitors, hence `<=` (as in Optuna).
    if (competing.length <= config.bootstrapCount) return false;
    return isPromotable(value, competing, config.reductionFactor, direction);
  };
}

/**
 * Optuna's `SuccessiveHalvingPruner.prune()` for the judged trial's latest report, as a pure
 * function: the trial's own records come from its earlier reports, the competitors' from theirs
 * (`rungRecordsOf`), and the latest report is judged rung by rung from the first unrecorded one.
 * `silent` marks trials whose reports recorded nothing (min resource 'auto' before its estimate);
 * for the judged trial it applies to its earlier reports.
 */
export function decideOptunaSha(args: {
  readonly trial: FrozenTrial;
  readonly others: readonly FrozenTrial[];
  readonly config: ShaRuleConfig;
  readonly direction: Direction;
  readonly silent?: (trial: FrozenTrial) => boolean;
}): Consultation {
  const { trial, others, config, direction } = args;
  const silent = args.silent ?? (() => false);
  const reports = reportsOf(trial);
  if (reports.length === 0) return { prune: false, rung: null };
  const own: number[] = [];
  if (!silent(trial)) {
    for (const report of reports.slice(0, -1)) consult(own, report, config, alwaysPasses);
  }
  const records = others.map((o) => (silent(o) ? [] : rungRecordsOf(o, config)));
  return consult(own, reports[reports.length - 1], config, judgeAgainst(records, config, direction));
}
