/**
 * A trial whose run was lost (its worker went silent) or cut short (its study was stopped, then
 * resumed) is retried as a NEW trial linked by `retryOfId`, with the same params, resuming from
 * the newest checkpoint of its lineage: states only move forward (Optuna's
 * RetryFailedTrialCallback, storages/_callbacks.py). Retries do not count toward `maxTrials`.
 */
import { ConflictError, type Trial } from '@tunefleet/db';
import type { SchedulerContext } from './context.js';
import { lineage } from './dispatch.js';
import type { StudyRuntime } from './study-runtime.js';

/**
 * Creates the WAITING retry of `failed` (the study loop starts it when a slot is free), or returns
 * null when its lineage already holds MAX_TRIAL_ATTEMPTS trials or it was retried before.
 */
export async function createRetry(ctx: SchedulerContext, runtime: StudyRuntime, failed: Trial): Promise<Trial | null> {
  const tlog = ctx.log.child({ studyId: failed.studyId, trialId: failed.id, trialNumber: failed.number });
  const chain = await lineage(ctx, failed, ctx.config.maxTrialAttempts);
  if (chain.length >= ctx.config.maxTrialAttempts) {
    tlog.warn({ attempts: chain.length }, 'trial not retried: attempts exhausted');
    return null;
  }
  let resumeFromEpoch: number | undefined;
  for (const owner of chain) {
    const latest = (await ctx.stores.checkpoints.list(owner.id)).filter((c) => c.epoch < runtime.maxEpochs).at(-1);
    if (latest !== undefined) {
      resumeFromEpoch = latest.epoch;
      break;
    }
  }
  try {
    const retry = await ctx.stores.trials.create(failed.studyId, {
      params: failed.params,
      retryOfId: failed.id,
      ...(resumeFromEpoch !== undefined && { resumeFromEpoch }),
    });
    tlog.info({ retryTrialId: retry.id, retryNumber: retry.number, resumeFromEpoch }, 'trial retried');
    return retry;
  } catch (err) {
    if (err instanceof ConflictError) return null;
    throw err;
  }
}
