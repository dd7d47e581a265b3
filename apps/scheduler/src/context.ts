/** What every handler of the scheduler works with; built once by `startScheduler`. */
import { QUEUES, bullmqPrefix } from '@tunefleet/contracts';
import type { Stores } from '@tunefleet/db';
import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { cacheTrialHistory } from './history-cache.js';
import { type StudyRuntime, buildStudyRuntime } from './study-runtime.js';

export interface SchedulerContext {
  readonly config: Config;
  readonly log: Logger;
  /** The db stores; `trials.history()` is served from memory (history-cache.ts). */
  readonly stores: Stores;
  /** Plain commands: stop keys and checkpoint archives. */
  readonly redis: Redis | Cluster;
  /** `trials`: where trial.run jobs go. */
  readonly trialsQueue: Queue;
  /** `trial-events`: read by reconcile to know whether reports are still pending. */
  readonly eventsQueue: Queue;
  /** Runtimes of the studies seen so far, by study id (a study's spec never changes). */
  readonly runtimes: Map<string, StudyRuntime>;
  /** Drops what is cached about a study that left RUNNING. */
  forget(studyId: string): void;
  readonly now: () => Date;
  /** Aborted when the scheduler stops: handlers waiting for the database give up (database-wait.ts). */
  readonly shutdown: AbortSignal;
}

export interface ContextOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly stores: Stores;
  /** Shared by the queues; BullMQ needs `maxRetriesPerRequest: null`. */
  readonly redis: Redis | Cluster;
  readonly now?: () => Date;
  /** Aborted when the scheduler stops; default: never. */
  readonly shutdown?: AbortSignal;
  /** Replaces the trials queue (tests observe or fail `add`). */
  readonly wrapTrialsQueue?: (queue: Queue) => Queue;
}

/** The context and a `close()` for the queues it opened (the connection stays the caller's). */
export function createContext(options: ContextOptions): { ctx: SchedulerContext; close(): Promise<void> } {
  const prefix = bullmqPrefix(options.config.queuePrefix);
  const trialsQueue = new Queue(QUEUES.trials, { connection: options.redis, prefix });
  const eventsQueue = new Queue(QUEUES.trialEvents, { connection: options.redis, prefix });
  const cached = cacheTrialHistory(options.stores.trials);
  const runtimes = new Map<string, StudyRuntime>();
  const ctx: SchedulerContext = {
    config: options.config,
    log: options.log,
    stores: { ...options.stores, trials: cached.store },
    redis: options.redis,
    trialsQueue: options.wrapTrialsQueue ? options.wrapTrialsQueue(trialsQueue) : trialsQueue,
    eventsQueue,
    runtimes,
    forget(studyId) {
      cached.forget(studyId);
      runtimes.delete(studyId);
    },
    now: options.now ?? (() => new Date()),
    shutdown: options.shutdown ?? new AbortController().signal,
  };
  return {
    ctx,
    async close() {
      await trialsQueue.close();
      await eventsQueue.close();
    },
  };
}

/** The study's runtime, rebuilt from its row the first time (throws StudySpecError). */
export async function runtimeOf(ctx: SchedulerContext, studyId: string): Promise<StudyRuntime> {
  let runtime = ctx.runtimes.get(studyId);
  if (runtime === undefined) {
    runtime = buildStudyRuntime(await ctx.stores.studies.get(studyId));
    ctx.runtimes.set(studyId, runtime);
  }
  return runtime;
}
