/** Shared setup of the scheduler's integration tests. */
import type { Db, NewStudy, Stores } from '@tunefleet/db';
import type { TestDatabase } from '@tunefleet/db/testing';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type Config, loadConfig } from '../../src/config.js';
import { type SchedulerContext, createContext } from '../../src/context.js';
import { type StudyLoop, createStudyLoop } from '../../src/study-loop.js';

export const REDIS_URL = process.env.TUNEFLEET_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

export function testConfig(testDb: Pick<TestDatabase, 'url'>, namespace: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: testDb.url,
    REDIS_URL,
    QUEUE_PREFIX: namespace,
    LOG_LEVEL: process.env.TUNEFLEET_TEST_LOG_LEVEL ?? 'silent',
    POLL_INTERVAL_MS: '50',
    RECONCILE_INTERVAL_MS: '0',
    JOB_BACKOFF_MS: '10',
    SHUTDOWN_GRACE_MS: '5000',
    ...env,
  });
}

export const BRANIN_SPACE = { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } };

export interface FunctionStudyOptions {
  readonly maxTrials?: number;
  readonly parallelism?: number;
  readonly seed?: number;
  readonly sampler?: Record<string, unknown>;
  readonly maxEpochs?: number;
  /** `prunerFromJSON` input; default none. */
  readonly prunerJSON?: Record<string, unknown> | null;
  readonly promotion?: { minResource: number; maxResource: number; reductionFactor: number } | null;
}

/** A Branin study stored as the api stores one (its normalised spec, version 1). */
export function functionStudy(options: FunctionStudyOptions = {}): NewStudy {
  const seed = options.seed ?? 7;
  const maxEpochs = options.maxEpochs ?? options.promotion?.maxResource ?? 1;
  return {
    name: 'branin',
    spec: {
      v: 1,
      kind: 'function',
      searchSpace: BRANIN_SPACE,
      objective: 'value',
      direction: 'minimize',
      constraints: { maxParams: null, minAccuracy: null },
      sampler: { type: 'random', ...options.sampler, seed },
      prunerJSON: (options.prunerJSON ?? { type: 'nop' }) as never,
      promotion: options.promotion ?? null,
      maxEpochs,
      function: { name: 'branin' },
      fixed: {},
    },
    objective: { kind: 'function', name: 'branin' },
    metric: 'value',
    direction: 'minimize',
    seed,
    maxTrials: options.maxTrials ?? 6,
    parallelism: options.parallelism ?? 2,
  };
}

export interface TestContext {
  readonly ctx: SchedulerContext;
  readonly loop: StudyLoop;
  close(): Promise<void>;
}

/**
 * The scheduler's handler context without its consumer and timers, for tests that drive handlers
 * directly. `wrap` may replace the queue (e.g. to observe or fail `add`).
 */
export function makeContext(
  stores: Stores,
  config: Config,
  wrapTrialsQueue?: (queue: Queue) => Queue,
): TestContext {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const { ctx, close } = createContext({ config, log: pino({ level: config.logLevel }), stores, redis, wrapTrialsQueue });
  return {
    ctx,
    loop: createStudyLoop(ctx),
    async close() {
      await close();
      redis.disconnect();
    },
  };
}

/** Polls `probe` until it returns a truthy value (real clock: it observes Postgres and Redis). */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the api's resume route does: STOPPED → RUNNING in one conditional update. */
export async function resumeStudy(db: Db, studyId: string): Promise<void> {
  const { count } = await db.study.updateMany({ where: { id: studyId, status: 'STOPPED' }, data: { status: 'RUNNING', finishedAt: null } });
  if (count !== 1) throw new Error(`study ${studyId} was not STOPPED`);
}

/** A gate that holds callers until opened. */
export function gate(): { wait(): Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait: () => opened, open };
}
