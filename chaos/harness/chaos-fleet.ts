/**
 * A fleet whose processes a chaos scenario may kill, hang and restart: its own database (cloned
 * from the migrated template), its own Redis namespace, the api on a fixed port (so the client
 * survives an api restart), the scheduler and numbered workers, all real child processes started
 * by e2e/helpers/fleet.ts with the settings `startFleet` gives them.
 *
 * Postgres and Redis are the shared local servers unless `postgresServerUrl` / `redisUrl` name
 * others (a private instance that a scenario may itself kill; see services.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRedisNamespace, createTestDatabase, type RedisNamespace, type TestDatabase } from '@tunefleet/db/testing';
import { type ApiClient, createApiClient } from '../../e2e/helpers/api-client.js';
import type { AppProcess, LogLine } from '../../e2e/helpers/app-process.js';
import { type FleetApp, type FleetOptions, fleetWorkerId, startFleetApp } from '../../e2e/helpers/fleet.js';
import { freePort } from '../../e2e/helpers/free-port.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ChaosFleetOptions {
  /** Workers started with the fleet (numbered 1..workers; replacements get the next numbers). */
  readonly workers: number;
  readonly apiEnv?: Env;
  readonly schedulerEnv?: Env;
  readonly workerEnv?: Env;
  /** Any database URL on the Postgres server to clone the test database on; default: the test server. */
  readonly postgresServerUrl?: string;
  /** The Redis every app uses; default: TUNEFLEET_TEST_REDIS_URL or the local server. */
  readonly redisUrl?: string;
  /** Every JSON log line of every app, with the app's name (`api`, `scheduler`, `worker-3`). */
  readonly onLog?: (app: string, line: LogLine) => void;
}

/** A process of the fleet: `'api'`, `'scheduler'`, or a worker's handle. */
export type ChaosTarget = 'api' | 'scheduler' | AppProcess;

export interface ChaosFleet {
  readonly api: ApiClient;
  readonly apiUrl: string;
  readonly testDb: TestDatabase;
  readonly namespace: RedisNamespace;
  readonly redisUrl: string;
  /** Redis and namespace of the fleet's queues, for `checkStudyInvariants(db, id, { queue })`. */
  readonly queue: { readonly redisUrl: string; readonly namespace: string };
  /** Folder of the apps' log files (one per process name; a restarted app appends to its file). */
  readonly workDir: string;
  /** The current api and scheduler processes (possibly killed: see `hasExited()`). */
  readonly apiProcess: AppProcess;
  readonly scheduler: AppProcess;
  /** Workers that have not exited, in start order. */
  readonly workers: readonly AppProcess[];
  /** The worker id of a worker handle (`<prefix>-worker-<n>`). */
  workerId(worker: AppProcess): string;
  /** Sends `signal` (default SIGKILL) to the process and, for SIGKILL/SIGTERM, waits until it has exited. */
  kill(target: ChaosTarget, signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP to the process's whole group: it hangs, keeping its pid, its sockets and its jobs' locks. */
  pause(target: ChaosTarget): void;
  /** SIGCONT to a paused process's group. */
  resume(target: ChaosTarget): void;
  /** Starts the api or the scheduler again with its original settings, once the old one has exited. */
  restart(app: 'api' | 'scheduler'): Promise<AppProcess>;
  /** Starts one more worker (the next number); used to replace a killed one. */
  startWorker(): Promise<AppProcess>;
  /** Stops every process, drops the database and the namespace; keeps the logs when asked. */
  cleanup(options?: { keepLogs?: boolean }): Promise<void>;
}


function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

export async function startChaosFleet(options: ChaosFleetOptions): Promise<ChaosFleet> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'tunefleet-chaos-'));
  const redisUrl = options.redisUrl ?? (process.env.TUNEFLEET_TEST_REDIS_URL || 'redis://127.0.0.1:6379');
  const testDb = await createTestDatabase(options.postgresServerUrl);
  const namespace = await createRedisNamespace(redisUrl).catch(async (err: unknown) => {
    await testDb.drop();
    throw err;
  });
  const apiKey = randomBytes(24).toString('base64url');
  const fleetOptions: FleetOptions = {
    databaseUrl: testDb.url,
    redisUrl,
    queuePrefix: namespace.prefix,
    apiKey,
    workers: options.workers,
    workDir,
    // PATH and HOME only: the apps see nothing of the test runner's environment.
    baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
    apiPort: await freePort(),
    ...(options.apiEnv && { apiEnv: options.apiEnv }),
    ...(options.schedulerEnv && { schedulerEnv: options.schedulerEnv }),
    ...(options.workerEnv && { workerEnv: options.workerEnv }),
    ...(options.onLog && { onLog: options.onLog }),
  };

  const all: AppProcess[] = [];
  const workerNumbers = new Map<AppProcess, number>();
  const paused = new Set<AppProcess>();
  let lastWorkerNumber = 0;
  const start = async (which: FleetApp): Promise<AppProcess> => {
    const app = await startFleetApp(fleetOptions, which);
    all.push(app);
    if (which.app === 'worker') workerNumbers.set(app, which.n);
    return app;
  };
  const startWorker = () => start({ app: 'worker', n: ++lastWorkerNumber });

  let apiProcess: AppProcess;
  let scheduler: AppProcess;
  try {
    [apiProcess, scheduler] = await Promise.all([
      start({ app: 'api' }),
      start({ app: 'scheduler' }),
      ...Array.from({ length: options.workers }, () => startWorker()),
    ]);
  } catch (err) {
    await Promise.all(all.map((app) => app.stop(5_000)));
    await testDb.drop();
    await namespace.cleanup();
    throw new Error(`${(err as Error).message}\n(the apps' logs are in ${workDir})`, { cause: err });
  }
  const apiUrl = `http://127.0.0.1:${fleetOptions.apiPort}`;

  const resolve = (target: ChaosTarget): AppProcess => (target === 'api' ? apiProcess : target === 'scheduler' ? scheduler : target);

  return {
    api: createApiClient(apiUrl, apiKey),
    apiUrl,
    testDb,
    namespace,
    redisUrl,
    queue: { redisUrl, namespace: namespace.prefix },
    workDir,
    get apiProcess() {
      return apiProcess;
    },
    get scheduler() {
      return scheduler;
    },
    get workers() {
      return [...workerNumbers.keys()].filter((w) => !w.hasExited());
    },
    workerId(worker) {
      const n = workerNumbers.get(worker);
      if (n === undefined) throw new Error(`${worker.name} is not a worker of this fleet`);
      return fleetWorkerId(fleetOptions, n);
    },
    async kill(target, signal = 'SIGKILL') {
      const app = resolve(target);
      app.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') {
        if (paused.delete(app)) signalGroup(app.pid, 'SIGCONT');
        await app.exited;
      }
    },
    pause(target) {
      const app = resolve(target);
      paused.add(app);
      signalGroup(app.pid, 'SIGSTOP');
    },
    resume(target) {
      const app = resolve(target);
      paused.delete(app);
      signalGroup(app.pid, 'SIGCONT');
    },
    async restart(app) {
      const old = app === 'api' ? apiProcess : scheduler;
      if (!old.hasExited()) throw new Error(`${app} is still running (pid ${old.pid}); kill it first`);
      await old.stop();
      if (app === 'api') {
        // Same port: 'api listening' is logged once it is bound, so the client can go on at once.
        apiProcess = await start({ app: 'api' });
        return apiProcess;
      }
      scheduler = await start({ app: 'scheduler' });
      return scheduler;
    },
    startWorker,
    async cleanup({ keepLogs = false } = {}) {
      try {
        for (const app of paused) signalGroup(app.pid, 'SIGCONT');
        paused.clear();
        const workers = [...workerNumbers.keys()];
        // The order that loses nothing: workers hand back, the scheduler records it, then the api.
        await Promise.all(workers.map((w) => w.stop(10_000)));
        await Promise.all(all.filter((a) => !workerNumbers.has(a)).map((a) => a.stop(10_000)));
      } finally {
        await testDb.drop();
        await namespace.cleanup();
        if (!keepLogs) await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}
