/**
 * Sending trials to workers. The trial row is written (RUNNING, full params) before its job
 * exists, so Postgres always knows about every job: a crash after the write leaves a RUNNING
 * trial without a job, which reconcile re-enqueues; a crash before it leaves nothing to undo.
 */
import {
  TRIAL_RUN_JOB_NAME,
  TRIAL_RUN_VERSION,
  type TrialRunJob,
  parseTrialRunJob,
  trialRunJobId,
} from '@tunefleet/contracts';
import type { Trial } from '@tunefleet/db';
import type { JobsOptions } from 'bullmq';
import { type Params, deriveSeed } from '@tunefleet/search';
import { type ArchitectureVerdict, checkArchitecture, jobParams } from './architecture-check.js';
import type { SchedulerContext } from './context.js';
import { stageResumeCheckpoint } from './resume-checkpoint.js';
import { type StudyRuntime, trainUntilEpoch } from './study-runtime.js';

/** Where a job starts: from scratch, or from the checkpoint of `resumeFrom.trialId` at `startEpoch`. */
export interface DispatchPlan {
  readonly attempt: number;
  readonly startEpoch: number;
  readonly maxEpochs: number;
  /** The trial whose checkpoint is resumed (this one, or the one it retries); null from scratch. */
  readonly resumeTrialId: string | null;
  /**
   * The epoch whose checkpoint the job should resume from: the furthest one the trial reached
   * below its target. Above `startEpoch` when that checkpoint is gone; the job then records the
   * fallback (resume-checkpoint.ts). Undefined or 0: nothing to resume.
   */
  readonly wantedEpoch?: number;
}

/** The trial and the trials it retries, newest first (at most `limit`). */
export async function lineage(ctx: SchedulerContext, trial: Trial, limit = ctx.config.maxTrialAttempts + 1): Promise<Trial[]> {
  const chain = [trial];
  let current = trial;
  while (current.retryOfId !== null && chain.length < limit) {
    current = await ctx.stores.trials.get(current.retryOfId);
    chain.push(current);
  }
  return chain;
}

/**
 * The job for a trial whose attempt `attempts` (the last that reported `started`) ended or was
 * lost: attempt `attempts + 1`, resuming from the newest checkpoint at or before `atMostEpoch` of
 * the trial or, failing that, of the trials it retries, and training to the same target as before
 * (the study's last epoch, or under promotion ASHA the first rung past the furthest epoch the trial
 * reached), with or without a checkpoint.
 */
export async function resumePlan(
  ctx: SchedulerContext,
  runtime: StudyRuntime,
  trial: Trial,
  atMostEpoch = Number.POSITIVE_INFINITY,
): Promise<DispatchPlan> {
  const reported = (await ctx.stores.trials.intermediateValues(trial.id)).at(-1)?.epoch ?? 0;
  const reached = Math.min(Math.max(reported, trial.resumeFromEpoch ?? 0), atMostEpoch);
  const maxEpochs = trainUntilEpoch(runtime, reached);
  const wantedEpoch = reached < maxEpochs ? reached : 0;
  for (const owner of await lineage(ctx, trial)) {
    const checkpoints = await ctx.stores.checkpoints.list(owner.id);
    const usable = checkpoints.filter((c) => c.epoch <= atMostEpoch && c.epoch < maxEpochs).at(-1);
    if (usable !== undefined) {
      return { attempt: trial.attempts + 1, startEpoch: usable.epoch, maxEpochs, resumeTrialId: owner.id, wantedEpoch };
    }
  }
  return { attempt: trial.attempts + 1, startEpoch: 0, maxEpochs, resumeTrialId: null, wantedEpoch };
}

/**
 * A retry starts where its predecessor's checkpoint left off; it inherits the predecessor's
 * intermediate values up to that epoch, so pruners judge its whole learning curve.
 */
async function retryPlan(ctx: SchedulerContext, runtime: StudyRuntime, trial: Trial, epoch: number): Promise<DispatchPlan> {
  for (const owner of await lineage(ctx, trial)) {
    const checkpoints = await ctx.stores.checkpoints.list(owner.id);
    if (!checkpoints.some((c) => c.epoch === epoch)) continue;
    if (owner.id !== trial.id) {
      for (const v of await ctx.stores.trials.intermediateValues(owner.id)) {
        if (v.epoch <= epoch) await ctx.stores.trials.recordEpoch(trial.id, v);
      }
    }
    return { attempt: trial.attempts + 1, startEpoch: epoch, maxEpochs: trainUntilEpoch(runtime, epoch), resumeTrialId: owner.id, wantedEpoch: epoch };
  }
  return { attempt: trial.attempts + 1, startEpoch: 0, maxEpochs: trainUntilEpoch(runtime, 0), resumeTrialId: null, wantedEpoch: epoch };
}

/**
 * Enqueues `trial.run` for a trial already RUNNING in Postgres. Adding a job whose id exists is a
 * no-op in BullMQ, so repeating this after a crash is harmless. A resumed job gets its checkpoint
 * archive back into Redis first, under the key the worker reads; if that checkpoint is gone or
 * corrupt, the job resumes from an earlier one or from scratch (resume-checkpoint.ts).
 */
export async function enqueueTrial(ctx: SchedulerContext, runtime: StudyRuntime, trial: Trial, plan: DispatchPlan): Promise<void> {
  const owners = plan.resumeTrialId === null || plan.startEpoch <= 0 ? [] : await lineage(ctx, trial);
  const { startEpoch, resumeCheckpoint } = await stageResumeCheckpoint(ctx, trial, owners, plan.attempt, plan);
  const { name, data, opts } = trialRunJob(ctx, runtime, trial, plan, { startEpoch, resumeCheckpoint });
  await ctx.trialsQueue.add(name, data, opts);
}

export type StartOutcome = 'dispatched' | 'failed' | 'skipped';

/** Records the architecture check's refusal: the trial is FAILED and never trained. */
async function refuse(
  ctx: SchedulerContext,
  trial: Trial,
  verdict: Extract<ArchitectureVerdict, { ok: false }>,
): Promise<'failed'> {
  const result = await ctx.stores.trials.apply(trial.id, 'failed', {
    failureType: verdict.failureType,
    failureMessage: verdict.message,
    parameterCount: verdict.parameterCount,
  });
  if (result.changed) {
    ctx.log.info(
      { studyId: trial.studyId, trialId: trial.id, trialNumber: trial.number, failureType: verdict.failureType, parameterCount: verdict.parameterCount },
      'trial rejected',
    );
  }
  return 'failed';
}

/** Enqueues the first job of a trial that is RUNNING in Postgres (retries resume their predecessor's checkpoint). */
async function dispatchRunning(ctx: SchedulerContext, runtime: StudyRuntime, trial: Trial): Promise<'dispatched'> {
  const plan =
    trial.resumeFromEpoch !== null && trial.resumeFromEpoch > 0
      ? await retryPlan(ctx, runtime, trial, trial.resumeFromEpoch)
      : { attempt: trial.attempts + 1, startEpoch: 0, maxEpochs: trainUntilEpoch(runtime, 0), resumeTrialId: null };
  await enqueueTrial(ctx, runtime, trial, plan);
  ctx.log.info(
    { studyId: trial.studyId, trialId: trial.id, trialNumber: trial.number, attempt: plan.attempt, startEpoch: plan.startEpoch, maxEpochs: plan.maxEpochs },
    'trial dispatched',
  );
  return 'dispatched';
}

/**
 * Starts a WAITING trial: a configuration the architecture check refuses is FAILED (`rejected`
 * over maxParams, `invalid-params` if it cannot be built) and never trained; otherwise the trial
 * becomes RUNNING and its job is enqueued. A retry resumes from its predecessor's checkpoint.
 */
export async function startTrial(ctx: SchedulerContext, runtime: StudyRuntime, trial: Trial): Promise<StartOutcome> {
  const verdict = checkArchitecture(runtime, trial.params);
  if (!verdict.ok) return refuse(ctx, trial, verdict);
  const result = await ctx.stores.trials.apply(trial.id, 'started', { parameterCount: verdict.parameterCount });
  if (!result.changed) return 'skipped';
  return dispatchRunning(ctx, runtime, trial);
}

/** A new trial the loop has suggested: its number, its params and the architecture check's verdict. */
export interface Proposal {
  readonly number: number;
  readonly params: Params;
  readonly verdict: ArchitectureVerdict;
}

/** Checks the architecture of suggested trial `number` (pure: the loop needs the verdict before any write). */
export function propose(runtime: StudyRuntime, number: number, params: Params): Proposal {
  return { number, params, verdict: checkArchitecture(runtime, params) };
}

/**
 * Creates the proposed trials of a study and starts them, as `create` then `startTrial` would for
 * each, in one statement and one bulk enqueue for the whole batch: the trials that pass the
 * architecture check are created RUNNING with their parameter counts, and their first jobs are
 * enqueued only after that statement committed (the trial rows exist before their jobs); refused
 * ones are created WAITING and FAILED like any other. Each trial must get the number it was
 * suggested for; another number means a second scheduler is writing the study, and nothing is
 * enqueued.
 */
export async function createAndStartTrials(
  ctx: SchedulerContext,
  runtime: StudyRuntime,
  proposals: readonly Proposal[],
): Promise<Array<'dispatched' | 'failed'>> {
  const { studyId } = runtime;
  const trials = await ctx.stores.trials.createMany(
    studyId,
    proposals.map(({ params, verdict }) => (verdict.ok ? { params, running: { parameterCount: verdict.parameterCount } } : { params })),
  );
  trials.forEach((trial, i) => {
    if (trial.number !== proposals[i].number) {
      throw new Error(`study ${studyId}: expected to create trial ${proposals[i].number}, got ${trial.number}; is a second scheduler running?`);
    }
  });
  const running = trials.filter((_, i) => proposals[i].verdict.ok);
  if (running.length > 0) {
    const plan = (trial: Trial): DispatchPlan => ({ attempt: trial.attempts + 1, startEpoch: 0, maxEpochs: trainUntilEpoch(runtime, 0), resumeTrialId: null });
    await ctx.trialsQueue.addBulk(running.map((trial) => trialRunJob(ctx, runtime, trial, plan(trial), {})));
    for (const trial of running) {
      const { attempt, maxEpochs } = plan(trial);
      ctx.log.info({ studyId, trialId: trial.id, trialNumber: trial.number, attempt, startEpoch: 0, maxEpochs }, 'trial dispatched');
    }
  }
  for (const [i, trial] of trials.entries()) {
    const { verdict } = proposals[i];
    if (!verdict.ok) await refuse(ctx, trial, verdict);
  }
  return proposals.map(({ verdict }) => (verdict.ok ? 'dispatched' : 'failed'));
}

/**
 * The `trial.run` job of a trial as `Queue.addBulk` takes it: the deterministic job id (adding an
 * id that exists is a no-op, so repeating a dispatch after a crash is harmless), BullMQ retries,
 * and finished jobs kept a while, because reconcile tells a lost job from a finished one by
 * looking it up.
 */
export function trialRunJob(
  ctx: SchedulerContext,
  runtime: StudyRuntime,
  trial: Trial,
  plan: DispatchPlan,
  resume: { readonly startEpoch?: number; readonly resumeCheckpoint?: TrialRunJob['resumeCheckpoint'] },
): { name: string; data: TrialRunJob; opts: JobsOptions } {
  const data = parseTrialRunJob({
    v: TRIAL_RUN_VERSION,
    trialId: trial.id,
    studyId: trial.studyId,
    trialNumber: trial.number,
    params: jobParams(runtime, trial.params),
    objective: runtime.objective,
    maxEpochs: plan.maxEpochs,
    startEpoch: resume.startEpoch ?? plan.startEpoch,
    ...(resume.resumeCheckpoint !== undefined && { resumeCheckpoint: resume.resumeCheckpoint }),
    seed: deriveSeed(runtime.seed, trial.number),
    attempt: plan.attempt,
  } satisfies TrialRunJob);
  return {
    name: TRIAL_RUN_JOB_NAME,
    data,
    opts: {
      jobId: trialRunJobId(trial.id, plan.attempt),
      attempts: ctx.config.jobAttempts,
      backoff: { type: 'exponential', delay: ctx.config.jobBackoffMs },
      removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
    },
  };
}
