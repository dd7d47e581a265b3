/**
 * An in-process stand-in for apps/worker: BullMQ Workers on the `trials` queue that evaluate a
 * function objective and answer with `started`, one `epoch` per epoch (with a small checkpoint
 * archive in Redis, as the real worker stores its tar archive) and `finished`, honouring stop
 * keys. Tests steer it per trial (hold, go silent) and inspect what it ran.
 */
import { createHash } from 'node:crypto';
import {
  QUEUES,
  TRIAL_CHECKPOINT_TTL_S,
  TRIAL_EVENT_VERSION,
  type TrialEventMessage,
  type TrialRunJob,
  bullmqPrefix,
  parseTrialRunJob,
  trialCheckpointKey,
  trialEventJobId,
  trialStopKey,
} from '@tunefleet/contracts';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { curveValue, evaluateFunction } from './function-objectives.js';

export interface FakeWorkerOptions {
  readonly redisUrl: string;
  readonly namespace: string;
  /** BullMQ Workers, each with concurrency 1 (one trial at a time, like one GPU). Default 1. */
  readonly workers?: number;
  /** Send checkpoint archives with each epoch. Default true. */
  readonly checkpoints?: boolean;
  /** Called before each job runs; resolve to go on. Lets a test hold trials in flight. */
  readonly beforeRun?: (job: TrialRunJob) => Promise<void> | void;
  /**
   * The epoch after which the worker goes silent for this job (0: right after `started`), or null
   * to run normally. Simulates a worker that died without a word.
   */
  readonly silentAfter?: (job: TrialRunJob) => number | null;
}

export interface RunRecord {
  readonly job: TrialRunJob;
  readonly workerId: string;
  /** The archive found under the resume key (null when the job started from scratch). */
  readonly resumedArchive: string | null;
  outcome: 'complete' | 'stopped' | 'silent' | 'running';
}

export interface FakeWorkers {
  readonly runs: RunRecord[];
  /** Errors thrown by job runs (BullMQ retries them). */
  readonly errors: Error[];
  /** Jobs being processed now, and the most there ever were at once. */
  readonly active: number;
  readonly maxActive: number;
  close(): Promise<void>;
}

/** What the fake stores as a checkpoint archive: enough to tell which trial and epoch it was. */
export function fakeArchive(trialId: string, epoch: number): Buffer {
  return Buffer.from(JSON.stringify({ trialId, epoch }));
}

export async function startFakeWorkers(options: FakeWorkerOptions): Promise<FakeWorkers> {
  const prefix = bullmqPrefix(options.namespace);
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const events = new Queue(QUEUES.trialEvents, { connection: redis, prefix });
  const runs: RunRecord[] = [];
  const errors: Error[] = [];
  let active = 0;
  let maxActive = 0;
  const send = (message: TrialEventMessage): Promise<unknown> =>
    events.add(message.type, message, { jobId: trialEventJobId(message), attempts: 5, backoff: { type: 'fixed', delay: 50 } });

  const workers: Worker[] = [];
  for (let w = 0; w < (options.workers ?? 1); w++) {
    const workerId = `fake-${w}`;
    const worker = new Worker(
      QUEUES.trials,
      async (bullJob) => {
        active++;
        maxActive = Math.max(maxActive, active);
        try {
          await run(parseTrialRunJob(bullJob.data), workerId);
        } finally {
          active--;
        }
      },
      { connection: redis, prefix, concurrency: 1 },
    );
    worker.on('failed', (_job, err) => errors.push(err));
    workers.push(worker);
  }

  async function run(job: TrialRunJob, workerId: string): Promise<void> {
    await options.beforeRun?.(job);
    let resumedArchive: string | null = null;
    if (job.resumeCheckpoint) {
      const archive = await redis.get(trialCheckpointKey(job.resumeCheckpoint.trialId, job.resumeCheckpoint.epoch, options.namespace));
      resumedArchive = archive;
    }
    const record: RunRecord = { job, workerId, resumedArchive, outcome: 'running' };
    runs.push(record);
    const base = { v: TRIAL_EVENT_VERSION, trialId: job.trialId } as const;
    await send({ ...base, type: 'started', attempt: job.attempt, workerId, backend: 'cpu' });
    const silentAfter = options.silentAfter?.(job) ?? null;
    if (job.objective.kind !== 'function') throw new Error('the fake worker evaluates function objectives only');
    const finalValue = evaluateFunction(job.objective.name, job.params);
    let epoch = job.startEpoch;
    while (epoch < job.maxEpochs) {
      if (silentAfter !== null && epoch >= silentAfter) {
        record.outcome = 'silent';
        return;
      }
      if ((await redis.exists(trialStopKey(job.trialId, options.namespace))) === 1) {
        record.outcome = 'stopped';
        await send({ ...base, type: 'finished', attempt: job.attempt, outcome: 'stopped', epoch });
        return;
      }
      epoch++;
      let checkpoint;
      if (options.checkpoints ?? true) {
        const archive = fakeArchive(job.trialId, epoch);
        await redis.set(trialCheckpointKey(job.trialId, epoch, options.namespace), archive, 'EX', TRIAL_CHECKPOINT_TTL_S);
        checkpoint = { epoch, sha256: createHash('sha256').update(archive).digest('hex'), size: archive.byteLength };
      }
      await send({
        ...base,
        type: 'epoch',
        epoch,
        metrics: { value: curveValue(finalValue, epoch), elapsedMs: 0 },
        ...(checkpoint && { checkpoint }),
      });
    }
    record.outcome = 'complete';
    await send({ ...base, type: 'finished', attempt: job.attempt, outcome: 'complete', epoch, metrics: { value: finalValue } });
  }

  return {
    runs,
    errors,
    get active() {
      return active;
    },
    get maxActive() {
      return maxActive;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close(true)));
      await events.close();
      redis.disconnect();
    },
  };
}
