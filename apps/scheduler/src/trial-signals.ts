/**
 * Redis-side effects on a trial: the stop key a worker checks at each epoch end, and removal of a
 * job that no worker has taken yet. Both are set only after Postgres has the trial's final state
 * (STYLE §2.6), so losing them never loses a decision: the lifecycle table ignores what a late
 * worker reports.
 */
import { TRIAL_STOP_TTL_S, trialRunJobId, trialStopKey } from '@tunefleet/contracts';
import type { Trial } from '@tunefleet/db';
import type { SchedulerContext } from './context.js';

export async function setStopKey(ctx: SchedulerContext, trialId: string): Promise<void> {
  await ctx.redis.set(trialStopKey(trialId, ctx.config.queuePrefix), '1', 'EX', TRIAL_STOP_TTL_S);
}

/**
 * The ids the trial's current job may have: attempt `attempts` (the last that started) and
 * `attempts + 1` (dispatched, not yet started).
 */
export function currentJobIds(trial: Pick<Trial, 'id' | 'attempts'>): string[] {
  const ids = [trialRunJobId(trial.id, trial.attempts + 1)];
  if (trial.attempts >= 1) ids.unshift(trialRunJobId(trial.id, trial.attempts));
  return ids;
}

const NOT_TAKEN = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/** Removes the trial's jobs that no worker holds; returns how many were removed. */
export async function removeWaitingJobs(ctx: SchedulerContext, trial: Pick<Trial, 'id' | 'attempts'>): Promise<number> {
  let removed = 0;
  for (const jobId of currentJobIds(trial)) {
    const job = await ctx.trialsQueue.getJob(jobId);
    if (job === undefined || !NOT_TAKEN.has(await job.getState())) continue;
    try {
      await job.remove();
      removed++;
    } catch (err) {
      // A worker took it between the two calls: the stop key ends it at its first epoch.
      ctx.log.debug({ err, jobId }, 'job taken before it could be removed');
    }
  }
  return removed;
}
