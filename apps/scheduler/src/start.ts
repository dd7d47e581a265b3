/**
 * Starts the scheduler in-process: connections, the `trial-events` consumer (one BullMQ Worker,
 * reports handled in batches), the poll and reconcile timers, all through one serial section.
 * `main.ts` calls it after loading config; tests and the e2e fleet call it directly.
 */
import { QUEUES, bullmqPrefix, parseRedisUrl } from '@tunefleet/contracts';
import { type Db, createDb, createStores } from '@tunefleet/db';
import { Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type SchedulerContext, createContext } from './context.js';
import { createEventBatches } from './event-batch.js';
import { handleTrialEvent } from './handle-trial-event.js';
import { createLogger } from './logger.js';
import { reconcile } from './reconcile.js';
import { createSerial } from './serial.js';
import { createStudyLoop } from './study-loop.js';

/** `trial-events` jobs the consumer holds at once (BullMQ concurrency); each batch takes what has arrived. */
const EVENT_JOBS_AT_ONCE = 64;

export interface StartSchedulerOptions {
  readonly config: Config;
  readonly log?: Logger;
  /** A client to use instead of opening one; the caller keeps ownership and closes it. */
  readonly db?: Db;
  /** A connection to use instead of opening one (BullMQ needs `maxRetriesPerRequest: null`); the caller closes it. */
  readonly redis?: Redis | Cluster;
  readonly now?: () => Date;
}

export interface RunningScheduler {
  /** Stops consuming, lets the event being handled finish (SHUTDOWN_GRACE_MS), closes what start opened. */
  stop(): Promise<void>;
}

/**
 * Reports a crashed scheduler was holding (active, their locks not yet expired) go back to the
 * front of the queue. The scheduler runs as one replica, so at start-up no other process can own
 * them; left alone, BullMQ's stall check would redeliver them only after their lock expired,
 * behind the reports that came later (a trial completed before its earlier epochs were stored).
 */
async function requeueOrphanedReports(ctx: SchedulerContext, log: Logger): Promise<void> {
  // Oldest last: each goes to the front of the queue, so the oldest is handled first.
  const orphans = (await ctx.eventsQueue.getJobs(['active'])).sort((a, b) => b.timestamp - a.timestamp);
  for (const job of orphans) await job.moveToWait();
  if (orphans.length > 0) log.warn({ reports: orphans.length }, 'reports held by a previous scheduler requeued');
}

export async function startScheduler(options: StartSchedulerOptions): Promise<RunningScheduler> {
  const { config } = options;
  const log = options.log ?? createLogger(config);
  const db = options.db ?? createDb(config.databaseUrl);
  const redis = options.redis ?? connectRedis(config.redisUrl);
  const prefix = bullmqPrefix(config.queuePrefix);
  const shutdown = new AbortController();
  const { ctx, close: closeQueues } = createContext({ config, log, stores: createStores(db), redis, now: options.now, shutdown: shutdown.signal });
  const loop = createStudyLoop(ctx);
  const serial = createSerial();

  const closeConnections = async (): Promise<void> => {
    await closeQueues();
    if (!options.redis) await redis.quit().catch(() => redis.disconnect());
    if (!options.db) await db.close();
  };

  try {
    await requeueOrphanedReports(ctx, log);
    await serial(() => reconcile(ctx, loop, { startup: true }));
    await serial(() => loop.poll());
  } catch (err) {
    await closeConnections();
    throw err;
  }

  const handleEvent = createEventBatches((batchLoop, data) => handleTrialEvent(ctx, batchLoop, data), loop, serial, (err) =>
    log.error({ err }, 'trial event batch failed'),
  );
  const worker = new Worker(QUEUES.trialEvents, (job) => handleEvent(job.data), {
    connection: redis,
    prefix,
    // Reports are still handled one at a time (event-batch.ts); taking several jobs at once lets
    // the next ones be fetched while one is handled, and lets one fill serve several reports.
    concurrency: EVENT_JOBS_AT_ONCE,
    // Reports are idempotent; finished ones are kept a day for inspection, then dropped.
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
  worker.on('failed', (job, err) => log.error({ err, jobId: job?.id }, 'trial event failed; BullMQ retries it if attempts remain'));
  worker.on('error', (err) => log.error({ err }, 'trial event consumer error'));

  let stopping = false;
  const timers = new Set<NodeJS.Timeout>();
  /** Runs `task` every `intervalMs` after the previous run ended (never overlapping). */
  const every = (intervalMs: number, name: string, task: () => Promise<unknown>): void => {
    if (intervalMs <= 0) return;
    const schedule = (): void => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (stopping) return;
        serial(task)
          .catch((err: unknown) => log.error({ err, task: name }, 'scheduler task failed; retried at its next interval'))
          .finally(() => {
            if (!stopping) schedule();
          });
      }, intervalMs);
      timers.add(timer);
    };
    schedule();
  };
  every(config.pollIntervalMs, 'poll', () => loop.poll());
  every(config.reconcileIntervalMs, 'reconcile', () => reconcile(ctx, loop));
  log.info({ prefix, pollIntervalMs: config.pollIntervalMs, reconcileIntervalMs: config.reconcileIntervalMs }, 'scheduler started');

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      shutdown.abort();
      for (const timer of timers) clearTimeout(timer);
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(() => {
          log.warn({ graceMs: config.shutdownGraceMs }, 'event still being handled after the grace period; closing');
          resolve();
        }, config.shutdownGraceMs);
      });
      await Promise.race([worker.close().then(() => serial(async () => undefined)), grace]);
      clearTimeout(graceTimer);
      await worker.close(true).catch(() => undefined);
      await closeConnections();
      log.info('scheduler stopped');
    },
  };
}

/** The app factory every service exports (`start(config, deps)`), for the e2e fleet. */
export function start(config: Config, deps: Omit<StartSchedulerOptions, 'config'> = {}): Promise<RunningScheduler> {
  return startScheduler({ config, ...deps });
}

/** BullMQ blocks on this connection, so commands wait for a reconnect instead of failing. */
function connectRedis(url: string): Redis | Cluster {
  const target = parseRedisUrl(url);
  return target.kind === 'cluster'
    ? new Cluster([...target.nodes], { redisOptions: { ...target.nodeOptions, maxRetriesPerRequest: null } })
    : new Redis(target.url, { maxRetriesPerRequest: null });
}
