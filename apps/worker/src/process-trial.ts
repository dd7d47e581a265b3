/**
 * The BullMQ processor of `trial.run` jobs (STYLE §2.11). In order: parse the payload, send
 * `started`, train (a CNN in the trainer process, or a function objective right here), and after
 * every epoch store its checkpoint archive in Redis, send `epoch` and check the stop key; then
 * send `finished`. Stop requests, hand-backs and divergence are outcomes; errors are classified
 * (classify-training-error.ts) into an immediate failure or a BullMQ retry.
 */
import { mkdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type EpochMetrics,
  type FinalMetrics,
  TRIAL_EVENT_VERSION,
  TRIAL_RUN_JOB_NAME,
  type TrialFailure,
  type TrialFinishedEvent,
  type TrialRunJob,
  parseTrialRunJob,
  trialCheckpointKey,
  trialStopKey,
} from '@tunefleet/contracts';
import type { EpochReport } from '@tunefleet/models';
import { resolveHyperparameters } from '@tunefleet/models/config';
import { type Job, UnrecoverableError } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type CheckpointArchive, CheckpointArchiveError, packCheckpoint, unpackCheckpoint } from './checkpoint-archive.js';
import { classifyTrainingError } from './classify-training-error.js';
import type { Config } from './config.js';
import type { SendEvent } from './event-sender.js';
import { functionInputs, runFunctionObjective, verifyFunctionCheckpoint } from './function-objective.js';
import { type InterruptReason, type TrialInterrupt, createTrialInterrupt } from './stop-signal.js';
import type { TrainerPool } from './trainer-client.js';

export interface TrialProcessorDeps {
  readonly config: Pick<Config, 'queuePrefix' | 'checkpointTmpDir' | 'checkpointTtlS' | 'stopPollIntervalMs' | 'functionEpochMs'>;
  readonly workerId: string;
  readonly redis: Redis | Cluster;
  readonly send: SendEvent;
  readonly trainers: TrainerPool;
  /** Aborted when the worker shuts down: running trials hand back. */
  readonly shutdown: AbortSignal;
  /** Ids of the trials being trained, oldest first (for heartbeats). */
  readonly running: Set<string>;
  readonly log: Logger;
}

/** What a job returns to BullMQ (kept with the completed job, for operators). */
export interface TrialJobResult {
  readonly outcome: TrialFinishedEvent['outcome'];
  readonly epoch: number;
}

/**
 * A deterministic failure: BullMQ fails the job without retrying (it is an UnrecoverableError),
 * and the worker's `failed` listener reports `failure` in the trial's `finished` event.
 */
export class TrialFailedError extends UnrecoverableError {
  constructor(
    readonly failure: TrialFailure,
    options?: { cause?: unknown },
  ) {
    super(`${failure.type}: ${failure.message}`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The last epoch a job completed, kept as its BullMQ progress so the `failed` listener can report it. */
export function jobEpoch(job: Job): number | undefined {
  const progress = job.progress as unknown;
  return typeof progress === 'object' && progress !== null && typeof (progress as { epoch?: unknown }).epoch === 'number'
    ? (progress as { epoch: number }).epoch
    : undefined;
}

/** Validation metrics of an epoch as the `epoch` event carries them (finite numbers only). */
export function epochMetrics(report: EpochReport): EpochMetrics {
  return {
    vloss: report.valLoss,
    accuracy: report.valAccuracy,
    f1: report.macroF1,
    trainLoss: report.trainLoss,
    ...(Number.isFinite(report.imagesPerSecond) && { imagesPerSec: report.imagesPerSecond }),
    elapsedMs: Math.round(report.elapsedMs),
  };
}

/** The model's final metrics: the last epoch's validation results and its size. */
export function finalMetrics(report: EpochReport | undefined, parameterCount: number): FinalMetrics {
  if (report === undefined) return { parameterCount };
  return {
    vloss: report.valLoss,
    accuracy: report.valAccuracy,
    f1: report.macroF1,
    perClassAccuracy: report.perClassAccuracy,
    confusionMatrix: report.confusionMatrix,
    parameterCount,
  };
}

/**
 * Whether BullMQ handed this job over from a worker that died in it (its lock expired and the
 * stall check put it back): the job's progress records epochs past `startEpoch` that the dead
 * delivery already reported and checkpointed. A job whose last epoch was reported is not one:
 * only its `finished` report is missing, which running it again provides.
 */
function isHandedOver(bullJob: Job, job: TrialRunJob): boolean {
  const reached = jobEpoch(bullJob);
  return reached !== undefined && reached > job.startEpoch && reached < job.maxEpochs;
}

/**
 * Training again from `startEpoch` would repeat epochs the trial already has. Handing the trial
 * back at the epoch reached (outcome `paused`, as on SIGTERM) makes the scheduler dispatch it
 * again from its newest checkpoint, as it does for a worker that went silent.
 */
function handOver(bullJob: Job, log: Logger): Ending {
  const epoch = jobEpoch(bullJob)!;
  log.warn({ epoch }, 'job handed over from a dead worker; handing the trial back at its last reported epoch');
  return { result: 'interrupted', epoch };
}

interface Ending {
  /** How training ended, before interrupts are taken into account. */
  readonly result: 'complete' | 'interrupted' | 'diverged';
  readonly epoch: number;
  readonly metrics?: FinalMetrics;
  readonly divergence?: string;
}

/**
 * The `finished` outcome: a stop request wins over everything but divergence (a trial pruned
 * during its last epoch is acknowledged as stopped, not reported complete); a hand-back that
 * came after the last epoch changes nothing.
 */
export function finishedEvent(job: TrialRunJob, ending: Ending, reason: InterruptReason | null): TrialFinishedEvent {
  const base = { v: TRIAL_EVENT_VERSION, type: 'finished', trialId: job.trialId, attempt: job.attempt, epoch: ending.epoch } as const;
  if (ending.result === 'diverged') {
    return { ...base, outcome: 'failed', failure: { type: 'diverged', message: ending.divergence ?? 'the loss is not finite' } };
  }
  if (reason === 'stop-requested') return { ...base, outcome: 'stopped' };
  if (ending.result === 'complete') return { ...base, outcome: 'complete', metrics: ending.metrics ?? {} };
  return { ...base, outcome: 'paused', ...(ending.metrics !== undefined && { metrics: ending.metrics }) };
}

interface TrialRun {
  readonly job: TrialRunJob;
  readonly bullJob: Job;
  readonly interrupt: TrialInterrupt;
  readonly workDir: string;
  readonly log: Logger;
}

export function createTrialProcessor(deps: TrialProcessorDeps) {
  const { config, redis, send } = deps;
  const namespace = config.queuePrefix;

  /** Stores the archive, reports the epoch, then checks the stop key (in that order: a stopped trial's last epoch is saved). */
  async function endEpoch(run: TrialRun, epoch: number, metrics: EpochMetrics, archive: CheckpointArchive): Promise<void> {
    const { job } = run;
    await redis.set(trialCheckpointKey(job.trialId, epoch, namespace), archive.data, 'EX', config.checkpointTtlS);
    await send({
      v: TRIAL_EVENT_VERSION,
      type: 'epoch',
      trialId: job.trialId,
      epoch,
      metrics,
      checkpoint: { epoch, sha256: archive.sha256, size: archive.size },
    });
    await run.bullJob.updateProgress({ epoch });
    run.log.debug({ epoch, metrics, checkpointBytes: archive.size }, 'epoch reported');
    if (!run.interrupt.signal.aborted) await run.interrupt.checkStopKey();
  }

  async function resumeArchive(job: TrialRunJob): Promise<Buffer | null> {
    if (job.resumeCheckpoint === undefined) return null;
    const { trialId, epoch } = job.resumeCheckpoint;
    const data = await redis.getBuffer(trialCheckpointKey(trialId, epoch, namespace));
    if (data === null) {
      throw new CheckpointArchiveError('missing', `no checkpoint archive of trial ${trialId} at epoch ${epoch} in Redis (expired or never stored)`);
    }
    return data;
  }

  async function runFunction(run: TrialRun): Promise<Ending> {
    const job = run.job as TrialRunJob & { objective: { kind: 'function' } };
    const archive = await resumeArchive(job);
    if (archive !== null) verifyFunctionCheckpoint(archive, job.objective.name, functionInputs(job.params), job.startEpoch);
    const result = await runFunctionObjective(job, {
      epochMs: config.functionEpochMs,
      signal: run.interrupt.signal,
      onEpochEnd: (epoch, metrics, checkpoint) => endEpoch(run, epoch, metrics, checkpoint),
    });
    return { result: result.outcome, epoch: result.epochsCompleted, metrics: result.metrics };
  }

  async function runCnn(run: TrialRun): Promise<Ending> {
    const job = run.job as TrialRunJob & { objective: { kind: 'cnn' } };
    // Deterministic hyperparameter problems fail here, before a trainer process is involved.
    resolveHyperparameters({ ...job.params });
    const archive = await resumeArchive(job);
    const resumeFrom = archive === null ? undefined : await unpackCheckpoint(archive, path.join(run.workDir, 'resume'), job.startEpoch);
    const lease = await deps.trainers.acquire();
    try {
      const summary = await lease.trainer.train(
        {
          params: job.params,
          seed: job.seed,
          adoptCheckpointSeed: job.resumeCheckpoint !== undefined && job.resumeCheckpoint.trialId !== job.trialId,
          dataset: { trainSize: job.objective.dataset.trainSize, validationSize: job.objective.dataset.validationSize },
          maxEpochs: job.maxEpochs,
          checkpointDir: path.join(run.workDir, 'checkpoints'),
          ...(resumeFrom !== undefined && { resumeFrom }),
        },
        {
          signal: run.interrupt.signal,
          onEpoch: async (report) => {
            if (report.checkpointPath === undefined) throw new Error(`epoch ${report.epoch} was reported without a checkpoint`);
            const packed = await packCheckpoint(report.checkpointPath, report.epoch);
            await endEpoch(run, report.epoch, epochMetrics(report), packed);
            // The archive is in Redis; the folder is not needed again.
            await rm(report.checkpointPath, { recursive: true, force: true });
          },
        },
      );
      const d = summary.divergence;
      return {
        result: summary.outcome === 'stopped' ? 'interrupted' : summary.outcome,
        epoch: summary.epochsCompleted,
        metrics: finalMetrics(summary.lastReport, summary.parameterCount),
        ...(d && {
          divergence: `the ${d.phase} loss became ${d.loss} in epoch ${d.epoch}${d.batch === undefined ? '' : ` (batch ${d.batch})`}`,
        }),
      };
    } finally {
      lease.release();
    }
  }

  return async function processTrial(bullJob: Job, _token?: string, cancel?: AbortSignal): Promise<TrialJobResult> {
    let job: TrialRunJob;
    try {
      if (bullJob.name !== TRIAL_RUN_JOB_NAME) {
        throw new UnrecoverableError(`the trials queue carries ${TRIAL_RUN_JOB_NAME} jobs only, got ${bullJob.name}`);
      }
      job = parseTrialRunJob(bullJob.data);
    } catch (err) {
      deps.log.error({ err, jobId: bullJob.id }, 'trial job rejected');
      if (err instanceof UnrecoverableError) throw err;
      throw new TrialFailedError(classifyTrainingError(err).failure, { cause: err });
    }
    const log = deps.log.child({
      studyId: job.studyId,
      trialId: job.trialId,
      trialNumber: job.trialNumber,
      attempt: job.attempt,
      jobId: bullJob.id,
      jobAttempt: bullJob.attemptsMade + 1,
    });
    const interrupt = createTrialInterrupt({
      redis,
      stopKey: trialStopKey(job.trialId, namespace),
      pollIntervalMs: config.stopPollIntervalMs,
      handBack: [deps.shutdown, cancel],
      log,
    });
    // Ids match the contracts' id pattern (no '/', never '.' or '..'), so they are safe path segments.
    const workDir = path.join(config.checkpointTmpDir, job.trialId, `a${job.attempt}`);
    const run: TrialRun = { job, bullJob, interrupt, workDir, log };
    deps.running.add(job.trialId);
    try {
      await rm(workDir, { recursive: true, force: true });
      await mkdir(workDir, { recursive: true });
      await send({
        v: TRIAL_EVENT_VERSION,
        type: 'started',
        trialId: job.trialId,
        attempt: job.attempt,
        workerId: deps.workerId,
        backend: deps.trainers.backend,
      });
      log.info({ objective: job.objective.kind, startEpoch: job.startEpoch, maxEpochs: job.maxEpochs }, 'trial started');
      const ending: Ending = isHandedOver(bullJob, job)
        ? handOver(bullJob, log)
        : (await interrupt.checkStopKey())
          ? { result: 'interrupted', epoch: job.startEpoch }
          : job.objective.kind === 'function'
            ? await runFunction(run)
            : await runCnn(run);
      const finished = finishedEvent(job, ending, interrupt.reason());
      await send(finished);
      log.info({ outcome: finished.outcome, epoch: finished.epoch, failure: finished.failure, interrupt: interrupt.reason() }, 'trial finished');
      return { outcome: finished.outcome, epoch: finished.epoch };
    } catch (err) {
      const { retryable, failure } = classifyTrainingError(err);
      if (retryable) {
        log.warn({ err, failureType: failure.type }, 'trial attempt failed; BullMQ retries the job if attempts remain');
        throw err;
      }
      log.warn({ err, failureType: failure.type }, 'trial failed');
      throw new TrialFailedError(failure, { cause: err });
    } finally {
      interrupt.dispose();
      deps.running.delete(job.trialId);
      await rm(workDir, { recursive: true, force: true }).catch((err: unknown) => log.warn({ err, workDir }, 'scratch folder not removed'));
      await rmdir(path.dirname(workDir)).catch(() => {
        // Another attempt of the trial still uses the folder, or it is already gone.
      });
    }
  };
}
