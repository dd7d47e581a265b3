/**
 * Infrastructure faults: Redis and Postgres misbehave under a running study. Each group runs one
 * fleet against a private server (services.ts) that its scenarios kill, stop, freeze, restart or
 * fill mid-study; every scenario runs its own study, then checks the harness's invariants on
 * Postgres and that every process rode the fault out on its own (none exited: nothing here relies
 * on a supervisor restarting it).
 *
 * - Redis killed and restarted empty: queues, stop keys and checkpoints in transit are gone; the
 *   scheduler's reconcile re-enqueues every RUNNING trial from Postgres.
 * - Redis unreachable for 30 s, twice: once stopped (connections refused) and once frozen with
 *   SIGSTOP (connections hang, and for as long as a BullMQ lock lives); it comes back with its
 *   data.
 * - Postgres stopped with `-m immediate`, down for a few seconds (the api answers 503, not 500),
 *   started again, and later restarted with `pg_ctl restart -m immediate`.
 * - Postgres connections exhausted for 20 s by idle clients, after the fleet's own connections were
 *   ended, so the services must reconnect to a full server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUES, bullmqPrefix } from '@tunefleet/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '../e2e/helpers/app-process.js';
import {
  type ChaosFleet,
  type InvariantReport,
  type LogWatch,
  checkStudyInvariants,
  createLogWatch,
  functionStudy,
  isEpochReport,
  recordScenario,
  scenarioRow,
  startChaosFleet,
  waitForStudyEnd,
} from './harness/index.js';
import { type PrivatePostgres, type PrivateRedis, startPrivatePostgres, startPrivateRedis } from './harness/services.js';

const WORKERS = 2;
const OUTAGE_MS = 30_000;

// Faults are noticed quickly: a RUNNING trial whose job is gone is re-enqueued within half a
// second, and attempts are never exhausted, so a lineage that ends FAILED is a loss.
const schedulerEnv = { POLL_INTERVAL_MS: '200', RECONCILE_INTERVAL_MS: '500', HEARTBEAT_TIMEOUT_MS: '5000', MAX_TRIAL_ATTEMPTS: '100' };
const workerEnv = { FUNCTION_EPOCH_MS: '150', HEARTBEAT_INTERVAL_MS: '500', LOG_LEVEL: 'debug', TF_BACKEND: 'cpu' };

const isReenqueue = (app: string, line: LogLine) => app === 'scheduler' && line.msg === 'trial re-enqueued: its job was lost';

/** Trial jobs waiting in the fleet's queue right now (BullMQ's wait list). */
async function waitingTrialJobs(fleet: ChaosFleet): Promise<number> {
  const client = new Redis(fleet.queue.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    return await client.llen(`${bullmqPrefix(fleet.queue.namespace)}:${QUEUES.trials}:wait`);
  } finally {
    client.disconnect();
  }
}

/** What a client saw from the api while a server misbehaved. */
interface Probe {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

async function probe(fleet: ChaosFleet, path: string): Promise<Probe> {
  const res = await fetch(`${fleet.apiUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { url: path, status: res.status, body: await res.text() };
}

/** Processes of the fleet that exited (none should: every fault here is survivable in place). */
function exitedProcesses(fleet: ChaosFleet): string[] {
  const exited = [fleet.apiProcess, fleet.scheduler].filter((p) => p.hasExited()).map((p) => `${p.name} exited`);
  const missing = WORKERS - fleet.workers.length;
  return missing > 0 ? [...exited, `${missing} worker(s) exited`] : exited;
}

function record(name: string, report: InvariantReport, faults: string, started: number, violations: string[]): void {
  recordScenario(scenarioRow(name, [report], { faults, seconds: (Date.now() - started) / 1000, violations }));
}

/**
 * One fleet for a group of scenarios, on the private server the group breaks; stopped after the
 * group, with its logs kept when a scenario failed.
 */
function groupFleet(start: (watch: LogWatch) => Promise<ChaosFleet>, stopServer: () => Promise<void>) {
  const watch = createLogWatch({ keep: isReenqueue });
  const state: { fleet?: ChaosFleet; failed: boolean } = { failed: false };
  beforeAll(async () => {
    state.fleet = await start(watch);
  });
  afterAll(async () => {
    if (state.fleet !== undefined) {
      await state.fleet.cleanup({ keepLogs: state.failed });
      if (state.failed) process.stderr.write(`chaos fleet logs kept in ${state.fleet.workDir}\n`);
    }
    await stopServer();
  });
  return {
    watch,
    /** Runs a scenario on the group's fleet, noting a failure so the logs are kept. */
    async run(scenario: (fleet: ChaosFleet) => Promise<void>) {
      try {
        await scenario(state.fleet!);
      } catch (err) {
        state.failed = true;
        throw err;
      }
    },
  };
}

describe('Redis faults', () => {
  let redis: PrivateRedis;
  const group = groupFleet(
    async (watch) => {
      redis = await startPrivateRedis();
      return startChaosFleet({ workers: WORKERS, schedulerEnv, workerEnv, onLog: watch.onLog, redisUrl: redis.url });
    },
    async () => redis?.close(),
  );

  it('Redis killed with SIGKILL and restarted empty: reconcile re-enqueues from Postgres and the study finishes', () =>
    group.run(async (fleet) => {
      const started = Date.now();
      // One trial more in flight than workers, so a job is usually waiting in Redis when it dies.
      const study = await fleet.api.createStudy(
        functionStudy({ name: 'chaos redis kill', maxTrials: 12, parallelism: WORKERS + 1, seed: 31, maxEpochs: 3 }),
      );
      await group.watch.next('an epoch report', isEpochReport(), 60_000);
      const waitingJobs = await waitingTrialJobs(fleet);
      await redis.kill();
      await redis.start();

      const finished = await waitForStudyEnd(fleet.api, study.id, 120_000);
      const report = await checkStudyInvariants(fleet.testDb.db, study.id);
      const exited = exitedProcesses(fleet);
      record('Redis kill -9, restarted empty', report, '1 Redis SIGKILL + restart', started, exited);

      expect(finished.status).toBe('COMPLETE');
      expect(report.violations).toEqual([]);
      expect(exited).toEqual([]);
      // A job that was waiting is gone with Redis and only reconcile brings its trial back. (Jobs
      // already taken may finish first, their workers holding the trial in memory.)
      if (waitingJobs > 0) expect(group.watch.seen(isReenqueue)).not.toEqual([]);
    }));

  it('Redis unreachable for 30 s, stopped and then frozen: every process reconnects on its own', () =>
    group.run(async (fleet) => {
      const started = Date.now();
      const study = await fleet.api.createStudy(functionStudy({ name: 'chaos redis outage', maxTrials: 12, parallelism: 2, seed: 32, maxEpochs: 3 }));

      await group.watch.next('an epoch report', isEpochReport(), 60_000);
      await redis.shutdownSaving();
      await sleep(OUTAGE_MS / 2);
      const health = await probe(fleet, '/healthz');
      await sleep(OUTAGE_MS / 2);
      await redis.start();

      await group.watch.next('an epoch report after the first outage', isEpochReport(), 60_000);
      redis.freeze();
      await sleep(OUTAGE_MS);
      redis.thaw();

      const finished = await waitForStudyEnd(fleet.api, study.id, 120_000);
      const report = await checkStudyInvariants(fleet.testDb.db, study.id);
      const exited = exitedProcesses(fleet);
      const unhealthy = health.status === 503 && JSON.parse(health.body).checks.redis.ok === false;
      const violations = [...exited, ...(unhealthy ? [] : [`GET /healthz answered ${health.status} while Redis was down: ${health.body.slice(0, 200)}`])];
      record('Redis unreachable 30 s (stopped, then frozen)', report, '2 Redis outages of 30 s', started, violations);

      expect(finished.status).toBe('COMPLETE');
      expect(report.violations).toEqual([]);
      expect(violations).toEqual([]);
    }));
});

describe('Postgres faults', () => {
  let postgres: PrivatePostgres;
  const group = groupFleet(
    async (watch) => {
      postgres = await startPrivatePostgres({ maxConnections: 40 });
      return startChaosFleet({ workers: WORKERS, schedulerEnv, workerEnv, onLog: watch.onLog, postgresServerUrl: postgres.serverUrl });
    },
    async () => postgres?.close(),
  );

  it('Postgres stopped with -m immediate, then restarted: the api answers 503 meanwhile and the study finishes', () =>
    group.run(async (fleet) => {
      const started = Date.now();
      const study = await fleet.api.createStudy(functionStudy({ name: 'chaos postgres restart', maxTrials: 12, parallelism: 2, seed: 33, maxEpochs: 3 }));

      await group.watch.next('an epoch report', isEpochReport(), 60_000);
      await postgres.stopImmediate();
      await sleep(2_000);
      const probes = [await probe(fleet, '/healthz'), await probe(fleet, `/studies/${study.id}`), await probe(fleet, `/studies/${study.id}/trials`)];
      await sleep(2_000);
      await postgres.start();

      await group.watch.next('an epoch report after the restart', isEpochReport(), 60_000);
      await postgres.restartImmediate();

      const finished = await waitForStudyEnd(fleet.api, study.id, 120_000);
      const report = await checkStudyInvariants(fleet.testDb.db, study.id);
      const not503 = probes
        .filter((p) => p.status !== 503)
        .map((p) => `GET ${p.url} answered ${p.status} while Postgres was down: ${p.body.slice(0, 200)}`);
      const violations = [...exitedProcesses(fleet), ...not503];
      record('Postgres stop -m immediate, restart', report, '1 stop of ~4 s + 1 pg_ctl restart -m immediate', started, violations);

      expect(finished.status).toBe('COMPLETE');
      expect(report.violations).toEqual([]);
      expect(violations).toEqual([]);
    }));

  it('Postgres connections exhausted for 20 s: services degrade to errors and 503s, then recover, losing nothing', () =>
    group.run(async (fleet) => {
      const started = Date.now();
      // Long enough that the study is still running when the connections come back.
      const study = await fleet.api.createStudy(functionStudy({ name: 'chaos postgres full', maxTrials: 40, parallelism: 2, seed: 34, maxEpochs: 3 }));

      await group.watch.next('an epoch report', isEpochReport(), 60_000);
      const holding = postgres.exhaustConnections(20_000);
      const probes: Probe[] = [];
      const probing = (async () => {
        await sleep(1_000);
        for (let i = 0; i < 8; i++) {
          probes.push(await probe(fleet, `/studies/${study.id}`), await probe(fleet, '/healthz'));
          await sleep(2_000);
        }
      })();
      const held = await holding;
      await probing;
      const statusAtRelease = (await fleet.api.getStudy(study.id)).status;

      const finished = await waitForStudyEnd(fleet.api, study.id, 120_000);
      const report = await checkStudyInvariants(fleet.testDb.db, study.id);
      const counts = new Map<number, number>();
      for (const p of probes) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
      const statuses = [...counts].map(([status, n]) => `${n}×${status}`).join(' ');
      const unexpected = probes
        .filter((p) => p.status !== 200 && p.status !== 503)
        .map((p) => `GET ${p.url} answered ${p.status} while connections were exhausted: ${p.body.slice(0, 200)}`);
      const violations = [...exitedProcesses(fleet), ...unexpected];
      record('Postgres connections exhausted 20 s', report, `fleet's connections ended, ${held} idle ones held 20 s; api answered ${statuses}`, started, violations);

      expect(held).toBeGreaterThan(0);
      // The fault hit the middle of the study, not its aftermath, and the api felt it.
      expect(statusAtRelease).toBe('RUNNING');
      expect(counts.get(503) ?? 0).toBeGreaterThan(0);
      expect(finished.status).toBe('COMPLETE');
      expect(report.violations).toEqual([]);
      expect(violations).toEqual([]);
    }));
});
