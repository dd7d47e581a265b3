/**
 * The whole fleet as real processes: the api, the scheduler and `workers` workers, sharing one
 * database, one Redis and one queue prefix. Used by the e2e tests and by `pnpm demo`.
 *
 * The apps start in parallel (each compiles its sources and the workers load tfjs, which is most
 * of the start-up time), and stop in the order that loses nothing: workers first (each hands its
 * running trial back at its last checkpoint), then the scheduler (which records those hand-backs),
 * then the api.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type AppName, type AppProcess, type LogLine, startApp } from './app-process.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface FleetOptions {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** BullMQ prefix and Redis key namespace of the scheduler and the workers; undefined: the apps' default. */
  readonly queuePrefix?: string;
  /** Bearer key of the api's mutating routes (16+ characters). */
  readonly apiKey: string;
  readonly workers: number;
  /** Folder receiving one log file per app and the workers' checkpoint scratch folders. */
  readonly workDir: string;
  /** Environment every app inherits before its own settings (e.g. `process.env` for the demo). */
  readonly baseEnv?: Env;
  /** Port of the api; 0 (the default) picks a free one. */
  readonly apiPort?: number;
  /** Extra settings per app, applied last. */
  readonly apiEnv?: Env;
  readonly schedulerEnv?: Env;
  readonly workerEnv?: Env;
  readonly logLevel?: string;
  readonly onLog?: (app: string, line: LogLine) => void;
}

export interface Fleet {
  /** `http://host:port` of the api. */
  readonly apiUrl: string;
  readonly api: AppProcess;
  readonly scheduler: AppProcess;
  readonly workers: readonly AppProcess[];
  /** Worker ids in the order of `workers` (`<queuePrefix or 'fleet'>-worker-<n>`). */
  readonly workerIds: readonly string[];
  /** Stops every app that is still running (workers, scheduler, api), killing what does not stop in time. */
  stop(): Promise<void>;
}

const READY: Record<AppName, string> = { api: 'api listening', scheduler: 'scheduler started', worker: 'worker started' };

/** Which app to start: the api, the scheduler, or worker number `n` (1-based; its id and log name follow from n). */
export type FleetApp = { readonly app: 'api' } | { readonly app: 'scheduler' } | { readonly app: 'worker'; readonly n: number };

/** The id a fleet worker number `n` runs under: `<queuePrefix or 'fleet'>-worker-<n>`. */
export function fleetWorkerId(options: Pick<FleetOptions, 'queuePrefix'>, n: number): string {
  // A hash-tag prefix (`{name}`, for Redis Cluster) lends its name without the braces.
  return `${options.queuePrefix?.replace(/^\{(.*)\}$/, '$1') ?? 'fleet'}-worker-${n}`;
}

/**
 * Starts one app of the fleet with the settings `startFleet` gives it, and resolves once it is
 * ready. Also how a test restarts an app it killed: the same call gives the same configuration.
 */
export async function startFleetApp(options: FleetOptions, which: FleetApp): Promise<AppProcess> {
  await mkdir(options.workDir, { recursive: true });
  const common: Env = { ...options.baseEnv, LOG_LEVEL: options.logLevel ?? 'info' };
  const name = which.app === 'worker' ? `worker-${which.n}` : which.app;
  const env: Env =
    which.app === 'api'
      ? {
          DATABASE_URL: options.databaseUrl,
          REDIS_URL: options.redisUrl,
          API_KEY: options.apiKey,
          HOST: '127.0.0.1',
          PORT: String(options.apiPort ?? 0),
          SHUTDOWN_GRACE_MS: '2000',
          ...options.apiEnv,
        }
      : which.app === 'scheduler'
        ? {
            DATABASE_URL: options.databaseUrl,
            REDIS_URL: options.redisUrl,
            QUEUE_PREFIX: options.queuePrefix,
            SHUTDOWN_GRACE_MS: '5000',
            ...options.schedulerEnv,
          }
        : {
            REDIS_URL: options.redisUrl,
            QUEUE_PREFIX: options.queuePrefix,
            WORKER_ID: fleetWorkerId(options, which.n),
            CHECKPOINT_TMP_DIR: path.join(options.workDir, `${name}-scratch`),
            SHUTDOWN_GRACE_MS: '10000',
            ...options.workerEnv,
          };
  return startApp({
    app: which.app,
    name,
    env: { ...common, ...env },
    readyMessage: READY[which.app],
    logFile: path.join(options.workDir, `${name}.log`),
    ...(options.onLog !== undefined && { onLog: (line: LogLine) => options.onLog!(name, line) }),
  });
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const workerNumbers = Array.from({ length: options.workers }, (_, i) => i + 1);
  const workerIds = workerNumbers.map((n) => fleetWorkerId(options, n));
  const launches = [
    startFleetApp(options, { app: 'api' }),
    startFleetApp(options, { app: 'scheduler' }),
    ...workerNumbers.map((n) => startFleetApp(options, { app: 'worker', n })),
  ];
  const results = await Promise.allSettled(launches);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) {
    await Promise.all(started.map((app) => app.stop(5_000)));
    throw new Error(`the fleet did not start:\n${failures.map((e) => e.message).join('\n\n')}`);
  }
  const [api, scheduler, ...workers] = started as [AppProcess, AppProcess, ...AppProcess[]];
  const apiUrl = api.ready.url;
  if (typeof apiUrl !== 'string') throw new Error(`the api's ready line has no url: ${JSON.stringify(api.ready)}`);

  let stopping: Promise<void> | undefined;
  return {
    apiUrl,
    api,
    scheduler,
    workers,
    workerIds,
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all(workers.map((w) => w.stop(20_000)));
        await scheduler.stop(15_000);
        await api.stop(10_000);
      })()),
  };
}
