/**
 * Starts a worker in this process: the trainer processes, a BullMQ Worker on the `trials` queue,
 * the `trial-events` publisher and the heartbeat. `stop()` is the graceful hand-back: it stops
 * taking jobs, interrupts the running trials (each sends `finished` with outcome `paused` at its
 * last checkpointed epoch, so the scheduler dispatches it again elsewhere), waits for them up to
 * SHUTDOWN_GRACE_MS, and closes everything it opened.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUES, TRIAL_EVENT_VERSION, bullmqPrefix, isContractId, parseRedisUrl } from '@tunefleet/contracts';
import { type Job, Queue, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { classifyTrainingError } from './classify-training-error.js';
import type { Config } from './config.js';
import { type SendEvent, createEventSender } from './event-sender.js';
import { startHeartbeat } from './heartbeat.js';
import { TrialFailedError, createTrialProcessor, jobEpoch } from './process-trial.js';
import { TrainerPool } from './trainer-client.js';

export interface WorkerDeps {
  /** Trainer processes to use instead of starting new ones; the caller closes them. */
  readonly trainers?: TrainerPool;
}

export interface RunningWorker {
  readonly workerId: string;
  stop(): Promise<void>;
}

/**
 * The `failed` listener: BullMQ emits `failed` for every failed attempt; only the last one (the
 * job has `finishedOn`: no retry follows) ends the trial, with `finished {outcome: 'failed'}`.
 */
async function reportFinalFailure(send: SendEvent, log: Logger, job: Job | undefined, err: Error): Promise<void> {
  if (job === undefined || typeof job.finishedOn !== 'number') return;
  const data = job.data as { trialId?: unknown; attempt?: unknown; startEpoch?: unknown } | undefined;
  const { trialId, attempt } = data ?? {};
  if (!isContractId(trialId) || !Number.isSafeInteger(attempt) || (attempt as number) < 1) {
    log.error({ err, jobId: job.id }, 'failed job names no trial; no finished event sent');
    return;
  }
  const failure = err instanceof TrialFailedError ? err.failure : classifyTrainingError(err).failure;
  const startEpoch = Number.isSafeInteger(data?.startEpoch) ? (data!.startEpoch as number) : 0;
  await send({
    v: TRIAL_EVENT_VERSION,
    type: 'finished',
    trialId,
    attempt: attempt as number,
    outcome: 'failed',
    epoch: jobEpoch(job) ?? startEpoch,
    failure,
  });
  log.info({ trialId, attempt, failureType: failure.type, jobAttempts: job.attemptsMade }, 'trial failed; finished event sent');
}

export async function startWorker({ config, log }: { config: Config; log: Logger }, deps: WorkerDeps = {}): Promise<RunningWorker> {
  const prefix = bullmqPrefix(config.queuePrefix);
  await mkdir(config.checkpointTmpDir, { recursive: true });
  const trainerOptions = { backend: config.tfBackend, cifar10Dir: config.cifar10Dir, log: log.child({ component: 'trainer' }) };
  const trainers =
    deps.trainers ??
    (config.lazyTrainer ? TrainerPool.lazy(trainerOptions, config.concurrency) : await TrainerPool.start(trainerOptions, config.concurrency));

  // BullMQ needs maxRetriesPerRequest null on connections it blocks on; commands share it.
  const target = parseRedisUrl(config.redisUrl);
  const redis =
    target.kind === 'cluster'
      ? new Cluster([...target.nodes], { redisOptions: { ...target.nodeOptions, maxRetriesPerRequest: null } })
      : new Redis(target.url, { maxRetriesPerRequest: null });
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const events = new Queue(QUEUES.trialEvents, { connection: redis, prefix });
  const send = createEventSender(events);
  const shutdown = new AbortController();
  const running = new Set<string>();

  const processor = createTrialProcessor({ config, workerId: config.workerId, redis, send, trainers, shutdown: shutdown.signal, running, log });
  const worker = new Worker(QUEUES.trials, processor, {
    connection: redis,
    prefix,
    concurrency: config.concurrency,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    name: config.workerId,
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('failed', (job, err) => {
    reportFinalFailure(send, log, job, err).catch((sendErr: unknown) =>
      log.error({ err: sendErr, jobId: job?.id }, 'finished event of a failed trial not sent; the scheduler reconciles it'),
    );
  });

  const heartbeat = startHeartbeat({
    redis,
    send,
    namespace: config.queuePrefix,
    workerId: config.workerId,
    host: hostname().slice(0, 255) || 'unknown',
    backend: trainers.backend,
    ...(trainers.gpu !== undefined && { gpu: trainers.gpu }),
    currentTrial: () => running.values().next().value,
    intervalMs: config.heartbeatIntervalMs,
    log,
  });
  await heartbeat.beat().catch((err: unknown) => log.warn({ err }, 'heartbeat failed; retrying at the next interval'));
  log.info({ backend: trainers.backend, gpu: trainers.gpu, concurrency: config.concurrency, prefix }, 'worker started');

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    log.info({ running: [...running] }, 'worker stopping; handing back running trials');
    // close() first stops fetching jobs, then the interrupt reaches the running ones.
    const closed = worker.close();
    shutdown.abort();
    const graceful = await Promise.race([closed.then(() => true), sleep(config.shutdownGraceMs, false)]);
    if (!graceful) {
      log.warn({ running: [...running], graceMs: config.shutdownGraceMs }, 'trials did not hand back in time; their jobs stall and are retried');
      await worker.close(true);
    }
    await heartbeat.stop().catch((err: unknown) => log.warn({ err }, 'heartbeat key not removed'));
    await events.close();
    if (deps.trainers === undefined) await trainers.close();
    await redis.quit().catch(() => redis.disconnect());
    log.info('worker stopped');
  };
  return {
    workerId: config.workerId,
    stop: () => (stopping ??= stop()),
  };
}
