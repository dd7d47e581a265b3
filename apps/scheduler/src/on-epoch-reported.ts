import { type TrialEpochEvent, trialCheckpointKey } from '@tunefleet/contracts';
import { NopPruner, lastValue, transition } from '@tunefleet/search';
import type { Trial } from '@tunefleet/db';
import { type SchedulerContext, runtimeOf } from './context.js';
import { moveCheckpoint } from './move-checkpoint.js';
import type { StudyLoop } from './study-loop.js';
import type { Metric } from './study-runtime.js';
import { epochReport, isMissing } from './trial-metrics.js';
import { setStopKey } from './trial-signals.js';

/**
 * `epoch`: moves the checkpoint into Postgres, stores the intermediate value (first write wins,
 * Optuna `report()`), and asks the study's pruner once per stored report: a repeated report was
 * judged when it was first stored (the Pruner protocol in @tunefleet/search). On prune the trial
 * becomes PRUNED first and only then gets its stop key (STYLE §2.6), and its slot is refilled.
 * Under promotion ASHA nothing is pruned here: the value at a rung is recorded, and the job ends
 * itself at the rung (its maxEpochs).
 */
export async function onEpochReported(ctx: SchedulerContext, loop: StudyLoop, event: TrialEpochEvent): Promise<void> {
  const trial = await ctx.stores.trials.get(event.trialId);
  const runtime = await runtimeOf(ctx, trial.studyId);
  const tlog = ctx.log.child({ studyId: trial.studyId, trialId: trial.id, trialNumber: trial.number });
  // A report the trial no longer takes (a hung worker's, after its trial failed as worker-lost)
  // leaves nothing behind: its checkpoint would become the newest of the lineage with no value
  // stored for its epoch, and a retry resuming from it would miss that epoch.
  if (transition(trial.state, 'epochReported') === 'ignore') {
    if (await fillsGap(ctx, trial, event.epoch)) {
      await recordLateEpoch(ctx, runtime.metric, trial, event);
      tlog.info({ epoch: event.epoch, state: trial.state }, 'late epoch report filled a gap');
      return;
    }
    if (event.checkpoint !== undefined) await ctx.redis.del(trialCheckpointKey(trial.id, event.checkpoint.epoch, ctx.config.queuePrefix));
    tlog.debug({ epoch: event.epoch, state: trial.state }, 'late epoch report ignored');
    return;
  }
  if (event.checkpoint !== undefined) await moveCheckpoint(ctx, trial.id, event.checkpoint);

  const report = epochReport(runtime.metric, event.epoch, event.metrics, trial.parameterCount);
  if (isMissing(report)) {
    tlog.warn({ epoch: event.epoch, missing: report.missing, metric: runtime.metric }, 'epoch report lacks the study metric');
    return;
  }
  // The state change and the stored value are one statement (reportEpoch); a repeated epoch is
  // not stored again (first write wins).
  const reported = await ctx.stores.trials.reportEpoch(trial.id, report);
  if (!reported.changed || !reported.stored) return;
  tlog.debug({ epoch: event.epoch, value: report.value }, 'epoch reported');

  if (runtime.rungEpochs !== null) {
    const rung = runtime.rungEpochs.indexOf(event.epoch);
    if (rung >= 0) await ctx.stores.trials.recordRung(trial.id, rung, report.value);
    return;
  }
  if (runtime.pruner instanceof NopPruner) return;

  const history = await ctx.stores.trials.history(trial.studyId);
  const judged = history.find((t) => t.number === trial.number);
  if (judged === undefined) throw new Error(`trial ${trial.id} is missing from its study's history`);
  const decision = runtime.pruner.decide({ trial: judged, history, direction: runtime.direction, studySeed: runtime.seed });
  if (decision.rung !== null) await ctx.stores.trials.recordRung(trial.id, decision.rung, report.value);
  if (!decision.prune) return;

  // A pruned trial keeps its last intermediate value as its value (Optuna _tell.py).
  const last = lastValue(judged);
  // The rung that pruned it goes with it, so a rebuilt history judges later trials exactly as
  // Optuna would even when this report crossed several rungs (FrozenTrial.prunedAtRung).
  const pruned = await ctx.stores.trials.apply(trial.id, 'pruned', {
    objectiveValue: last === null || Number.isNaN(last) ? null : last,
    prunedAtRung: decision.rung,
  });
  if (!pruned.changed) return;
  await setStopKey(ctx, trial.id);
  tlog.info({ epoch: event.epoch, rung: decision.rung, value: last }, 'trial pruned');
  await loop.fill(trial.studyId);
}

/**
 * Whether a report the trial no longer takes is one it missed: the trial ended COMPLETE or
 * PRUNED with later epochs stored but not this one. That happens when the report was delivered
 * late (the scheduler died while holding it, and BullMQ redelivered it once its lock expired,
 * after the trial's later reports); storing it loses nothing and decides nothing. A FAILED trial
 * takes nothing more: its retry has already copied the values it resumes from.
 */
async function fillsGap(ctx: SchedulerContext, trial: Trial, epoch: number): Promise<boolean> {
  if (trial.state !== 'COMPLETE' && trial.state !== 'PRUNED') return false;
  const stored = await ctx.stores.trials.intermediateValues(trial.id);
  return stored.some((v) => v.epoch > epoch) && !stored.some((v) => v.epoch === epoch);
}

async function recordLateEpoch(ctx: SchedulerContext, metric: Metric, trial: Trial, event: TrialEpochEvent): Promise<void> {
  if (event.checkpoint !== undefined) await moveCheckpoint(ctx, trial.id, event.checkpoint);
  const report = epochReport(metric, event.epoch, event.metrics, trial.parameterCount);
  if (!isMissing(report)) await ctx.stores.trials.recordEpoch(trial.id, report);
}
