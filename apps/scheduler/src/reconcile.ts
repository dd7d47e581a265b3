/**
 * Reconciliation: Postgres is the source of truth and Redis only transport, so after any loss
 * (Redis flushed, a worker killed, a scheduler crashed between two writes) the scheduler repairs
 * Redis from Postgres. Run at start-up and every RECONCILE_INTERVAL_MS, inside the serial section.
 *
 * - A RUNNING trial whose job Redis no longer has is enqueued again, resuming from its newest
 *   checkpoint (attempt ids make this a no-op if the job reappears).
 * - A RUNNING trial that no live worker names, that has had no event for HEARTBEAT_TIMEOUT_MS and
 *   whose job no worker took in that time, while its job is not waiting in the queue, is FAILED
 *   (`worker-lost`, Optuna's fail_stale_trials) and retried as a new trial, up to
 *   MAX_TRIAL_ATTEMPTS per lineage. This is judged only when no worker reports are pending, so a
 *   scheduler that was down does not mistake its own backlog for silence.
 * - At start-up, open trials of STOPPED studies are failed (a stop that arrived while down).
 */
import { parseWorkerHeartbeatEvent, workerHeartbeatKey } from '@tunefleet/contracts';
import type { Study, Trial } from '@tunefleet/db';
import { type SchedulerContext, runtimeOf } from './context.js';
import { enqueueTrial, resumePlan } from './dispatch.js';
import { createRetry } from './retry-trial.js';
import type { StudyLoop } from './study-loop.js';
import { StudySpecError } from './study-runtime.js';
import { currentJobIds, setStopKey } from './trial-signals.js';

const QUEUED = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

export interface ReconcileResult {
  readonly reenqueued: number;
  readonly failed: number;
  readonly retried: number;
  readonly stopped: number;
}

async function studiesWith(ctx: SchedulerContext, status: Study['status']): Promise<Study[]> {
  const out: Study[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await ctx.stores.studies.list({ status, limit: 500, before });
    out.push(...page);
    if (page.length < 500) return out;
    before = page[page.length - 1].id;
  }
}

/** Whether the trial's worker still names it in its Redis liveness key (HEARTBEAT_TTL_MS). */
async function workerHoldsTrial(ctx: SchedulerContext, trial: Trial): Promise<boolean> {
  if (trial.workerId === null) return false;
  let raw: string | null;
  try {
    raw = await ctx.redis.get(workerHeartbeatKey(trial.workerId, ctx.config.queuePrefix));
  } catch {
    return false;
  }
  if (raw === null) return false;
  try {
    return parseWorkerHeartbeatEvent(JSON.parse(raw)).trialId === trial.id;
  } catch {
    return false;
  }
}

export async function reconcile(
  ctx: SchedulerContext,
  loop: StudyLoop,
  options: { readonly startup?: boolean } = {},
): Promise<ReconcileResult> {
  let reenqueued = 0;
  let failed = 0;
  let retried = 0;
  let stopped = 0;

  if (options.startup) {
    for (const study of await studiesWith(ctx, 'STOPPED')) {
      const counts = await ctx.stores.trials.countByState(study.id);
      if (counts.WAITING + counts.RUNNING + counts.PAUSED > 0) stopped += await loop.stopTrials(study.id);
    }
  }

  const pending = await ctx.eventsQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  // The job running this reconcile's caller may be the one active event; more means a backlog.
  const backlog = pending.waiting + pending.delayed + pending.prioritized + Math.max(0, pending.active - 1) > 0;
  const cutoff = new Date(ctx.now().getTime() - ctx.config.heartbeatTimeoutMs);
  const liveTrials = new Set(
    (await ctx.stores.workers.list())
      .filter((w) => w.lastHeartbeatAt >= cutoff && w.currentTrialId !== null)
      .map((w) => w.currentTrialId),
  );

  for (const study of await studiesWith(ctx, 'RUNNING')) {
    let runtime;
    try {
      runtime = await runtimeOf(ctx, study.id);
    } catch (err) {
      if (err instanceof StudySpecError) continue; // the loop fails the study on its next fill
      throw err;
    }
    let changed = false;
    for (const trial of await ctx.stores.trials.list(study.id, { states: ['RUNNING'] })) {
      const tlog = ctx.log.child({ studyId: study.id, trialId: trial.id, trialNumber: trial.number });
      const jobs = (await Promise.all(currentJobIds(trial).map((id) => ctx.trialsQueue.getJob(id)))).filter(
        (job) => job !== undefined,
      );
      if (jobs.length === 0) {
        const plan = await resumePlan(ctx, runtime, trial);
        await enqueueTrial(ctx, runtime, trial, plan);
        tlog.warn({ attempt: plan.attempt, startEpoch: plan.startEpoch }, 'trial re-enqueued: its job was lost');
        reenqueued++;
        continue;
      }
      if (backlog) continue;
      const states = await Promise.all(jobs.map((job) => job.getState()));
      if (states.some((s) => QUEUED.has(s))) continue;
      if (liveTrials.has(trial.id)) continue;
      // A job that waited in the queue was not silent meanwhile: silence counts from the later of
      // the trial's last event and the moment a worker took the job (before its first heartbeat
      // names the trial, a job taken after a long wait looked silent since its dispatch).
      const takenAt = Math.max(0, ...jobs.map((job) => job.processedOn ?? 0));
      if (Math.max((trial.lastEventAt ?? trial.createdAt).getTime(), takenAt) >= cutoff.getTime()) continue;
      if (await workerHoldsTrial(ctx, trial)) continue;
      const result = await ctx.stores.trials.apply(trial.id, 'failed', {
        failureType: 'worker-lost',
        failureMessage: `no report and no live worker for ${ctx.config.heartbeatTimeoutMs} ms (job ${states.join(', ')})`,
      });
      if (!result.changed) continue;
      await setStopKey(ctx, trial.id);
      tlog.warn({ workerId: trial.workerId, lastEventAt: trial.lastEventAt }, 'trial failed: its worker went silent');
      failed++;
      changed = true;
      if ((await createRetry(ctx, runtime, { ...trial, state: 'FAILED' })) !== null) {
        loop.countRetry(study.id);
        retried++;
      }
    }
    if (changed) await loop.fill(study.id);
  }
  if (reenqueued + failed + stopped > 0) ctx.log.info({ reenqueued, failed, retried, stopped }, 'reconciled');
  return { reenqueued, failed, retried, stopped };
}
