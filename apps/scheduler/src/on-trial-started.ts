import type { TrialStartedEvent } from '@tunefleet/contracts';
import { isFinished } from '@tunefleet/search';
import type { SchedulerContext } from './context.js';
import { setStopKey } from './trial-signals.js';

/**
 * `started`: the trial is RUNNING already (dispatch moved it before enqueueing), so `apply` is
 * normally an `ignore`; it matters for a trial that was still WAITING. The attempt and worker are
 * recorded monotonically, so a redelivered or late `started` changes nothing. A job that starts
 * for a trial already finished (its study was stopped while the job waited) gets its stop key
 * again, so the worker gives up at its first epoch.
 */
export async function onTrialStarted(ctx: SchedulerContext, event: TrialStartedEvent): Promise<void> {
  // Reading first (from memory while the trial is open: history-cache.ts) spares the usual `ignore`
  // its two statements (a missed update, then a read).
  const trial = await ctx.stores.trials.get(event.trialId);
  const result = trial.state === 'WAITING' ? await ctx.stores.trials.apply(trial.id, 'started') : trial;
  const recorded = await ctx.stores.trials.recordAttempt(event.trialId, event.attempt, event.workerId);
  if (recorded) {
    ctx.log.info({ trialId: event.trialId, attempt: event.attempt, workerId: event.workerId, backend: event.backend }, 'trial started');
  }
  if (isFinished(result.state)) await setStopKey(ctx, event.trialId);
}
