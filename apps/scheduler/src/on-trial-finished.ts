import type { TrialFinishedEvent } from '@tunefleet/contracts';
import type { Trial } from '@tunefleet/db';
import { type SchedulerContext, runtimeOf } from './context.js';
import { enqueueTrial, resumePlan } from './dispatch.js';
import { recordResumeFallback } from './resume-checkpoint.js';
import type { StudyLoop } from './study-loop.js';
import type { StudyRuntime } from './study-runtime.js';
import { finalUpdate, isMissing } from './trial-metrics.js';

/**
 * `finished`: applies the job's outcome, then refills the study's free slots.
 *
 * - `complete` at the study's last epoch: COMPLETE with final metrics, efficiency and objective
 *   value (@tunefleet/search objectives).
 * - a job that ended at a promotion-ASHA rung (`paused`, or `complete` because its maxEpochs was
 *   the rung): PAUSED until promoted.
 * - `paused` anywhere else: the worker handed the trial back (it was shutting down); the trial
 *   stays RUNNING and is dispatched again from its newest checkpoint.
 * - `failed`: FAILED with the worker's failure type and message, except `checkpoint-corrupt`
 *   (the worker could not use the archive it was to resume from): the checkpoint's data is at
 *   fault, not the trial, so the trial is dispatched again from an earlier checkpoint or from
 *   scratch, and the fallback is recorded.
 * - `stopped`: the acknowledgement of a stop key, an `ignore` on PRUNED and FAILED trials and
 *   `illegal` (a bug, logged by the consumer) anywhere else.
 *
 * A report from an earlier job of the trial (its attempt is below the last started one) changes
 * nothing.
 */
export async function onTrialFinished(ctx: SchedulerContext, loop: StudyLoop, event: TrialFinishedEvent): Promise<void> {
  const trial = await ctx.stores.trials.get(event.trialId);
  const tlog = ctx.log.child({ studyId: trial.studyId, trialId: trial.id, trialNumber: trial.number, attempt: event.attempt });
  if (event.attempt < trial.attempts) {
    tlog.debug({ latest: trial.attempts }, 'finished report of an earlier job ignored');
    return;
  }
  const runtime = await runtimeOf(ctx, trial.studyId);
  switch (event.outcome) {
    case 'complete':
    case 'paused':
      await endRun(ctx, runtime, trial, event);
      break;
    case 'failed': {
      if (event.failure?.type === 'checkpoint-corrupt' && (await resumeBeforeRejected(ctx, runtime, trial, event))) break;
      const result = await ctx.stores.trials.apply(trial.id, 'failed', {
        failureType: event.failure?.type ?? 'worker-error',
        failureMessage: event.failure?.message ?? null,
      });
      if (result.changed) tlog.info({ failureType: event.failure?.type, epoch: event.epoch }, 'trial failed');
      break;
    }
    case 'stopped':
      await ctx.stores.trials.apply(trial.id, 'stopped');
      break;
  }
  await loop.fill(trial.studyId);
}

async function endRun(ctx: SchedulerContext, runtime: StudyRuntime, trial: Trial, event: TrialFinishedEvent): Promise<void> {
  const tlog = ctx.log.child({ studyId: trial.studyId, trialId: trial.id, trialNumber: trial.number, attempt: event.attempt });
  const atRung = runtime.rungEpochs !== null && runtime.rungEpochs.includes(event.epoch);
  if (event.epoch >= runtime.maxEpochs || (event.outcome === 'complete' && !atRung)) {
    const update = finalUpdate(runtime.metric, event.metrics ?? {}, trial.parameterCount);
    if (isMissing(update)) {
      await ctx.stores.trials.apply(trial.id, 'failed', {
        failureType: 'missing-metrics',
        failureMessage: `the final report has no ${update.missing}, which the study's objective ${runtime.metric} needs`,
      });
      tlog.warn({ missing: update.missing }, 'trial failed: final report lacks the study metric');
      return;
    }
    const result = await ctx.stores.trials.apply(trial.id, 'completed', update);
    if (result.changed) tlog.info({ value: update.objectiveValue, epoch: event.epoch }, 'trial complete');
    return;
  }
  if (atRung) {
    const result = await ctx.stores.trials.apply(trial.id, 'paused');
    if (result.changed) tlog.info({ epoch: event.epoch }, 'trial paused at a rung');
    return;
  }
  // Handed back mid-way: run it again on whichever worker is free.
  if (trial.state !== 'RUNNING') return;
  const plan = await resumePlan(ctx, runtime, { ...trial, attempts: Math.max(trial.attempts, event.attempt) });
  await enqueueTrial(ctx, runtime, trial, plan);
  tlog.info({ epoch: event.epoch, startEpoch: plan.startEpoch, nextAttempt: plan.attempt }, 'trial handed back; dispatched again');
}

/**
 * The worker rejected the archive it was to resume from at `event.epoch` (its job failed before
 * training an epoch, so the failure's epoch is the job's start epoch). The bytes passed the sha256
 * when the scheduler staged them, so the fault lies in transit or in the checkpoint's content;
 * either way the next job starts strictly earlier, so repeated rejections end at scratch. Returns
 * false when there is nothing earlier to go back to (the trial then fails as reported).
 */
async function resumeBeforeRejected(ctx: SchedulerContext, runtime: StudyRuntime, trial: Trial, event: TrialFinishedEvent): Promise<boolean> {
  if (trial.state !== 'RUNNING' || event.epoch <= 0) return false;
  const current = { ...trial, attempts: Math.max(trial.attempts, event.attempt) };
  const rejected = await resumePlan(ctx, runtime, current, event.epoch);
  // Same training target as the rejected job; only the starting point moves back.
  const plan = { ...(await resumePlan(ctx, runtime, current, event.epoch - 1)), maxEpochs: rejected.maxEpochs };
  await recordResumeFallback(
    ctx,
    trial,
    plan.attempt,
    { trialId: rejected.resumeTrialId ?? trial.id, epoch: event.epoch },
    'corrupt',
    plan.startEpoch,
  );
  await enqueueTrial(ctx, runtime, trial, plan);
  return true;
}
