/**
 * A fleet spanning two hosts: the api, the scheduler and one worker on this host, and a second
 * worker on a test host of its own (a network namespace behind a veth link) that knows nothing but
 * the Redis address it is given. The remote worker joins, takes trials, is cut off from the network
 * for longer than two heartbeats while it trains, and takes trials again once reconnected; the study
 * finishes with every trial recorded once.
 *
 * Redis here is a private server listening on loopback and on the link's address, since the shared
 * one listens on loopback only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '@tunefleet/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StudyDetail, type TrialSummary, createApiClient } from './helpers/api-client.js';
import { type AppProcess, startApp } from './helpers/app-process.js';
import { type Fleet, startFleet } from './helpers/fleet.js';
import { type PrivateRedis, startPrivateRedis } from './helpers/private-redis.js';
import { type TestHost, createTestHost, testHostsUnavailable } from './helpers/test-host.js';
import { waitFor } from './helpers/wait-for.js';

const QUEUE_PREFIX = 'tfnet';
const REMOTE_WORKER_ID = 'remote-host-worker';
const MAX_TRIALS = 40;
const EPOCHS = 3;
const FUNCTION_EPOCH_MS = 400;
const HEARTBEAT_INTERVAL_MS = 1_000;
const CUT_OFF_MS = 12_000;

const unavailable = await testHostsUnavailable();
if (unavailable !== undefined) process.stderr.write(`netns e2e skipped: ${unavailable}\n`);

interface WorkerView {
  readonly id: string;
  readonly host: string;
  readonly lastHeartbeatAt: string;
}

let host: TestHost | undefined;
let redis: PrivateRedis | undefined;
let testDb: TestDatabase | undefined;
let fleet: Fleet | undefined;
let remote: AppProcess | undefined;
let workDir: string | undefined;
let finished = false;

const apiKey = randomBytes(24).toString('base64url');

async function listWorkers(): Promise<WorkerView[]> {
  const response = await fetch(new URL('/workers', fleet!.apiUrl));
  return ((await response.json()) as { items: WorkerView[] }).items;
}

/** Trials the remote worker has finished (COMPLETE), by the time of their end. */
async function remoteFinishedSince(since: Date): Promise<number> {
  const client = new pg.Client({ connectionString: testDb!.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM trial WHERE worker_id = $1 AND state = 'COMPLETE' AND finished_at > $2`,
      [REMOTE_WORKER_ID, since],
    );
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe.skipIf(unavailable !== undefined)('a worker on another host', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'tunefleet-netns-'));
    host = await createTestHost();
    redis = await startPrivateRedis(['127.0.0.1', host.gatewayAddress]);
    testDb = await createTestDatabase();
    const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    fleet = await startFleet({
      databaseUrl: testDb.url,
      redisUrl: redis.url(),
      queuePrefix: QUEUE_PREFIX,
      apiKey,
      workers: 1,
      workDir,
      baseEnv,
      schedulerEnv: { POLL_INTERVAL_MS: '250', RECONCILE_INTERVAL_MS: '1000' },
      workerEnv: { FUNCTION_EPOCH_MS: String(FUNCTION_EPOCH_MS), HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS) },
    });
    remote = await startApp({
      app: 'worker',
      name: 'remote-worker',
      commandPrefix: host.commandPrefix,
      env: {
        ...baseEnv,
        LOG_LEVEL: 'info',
        // Everything the remote host is told: where Redis is, and the queue prefix.
        REDIS_URL: redis.url(host.gatewayAddress),
        QUEUE_PREFIX,
        WORKER_ID: REMOTE_WORKER_ID,
        CHECKPOINT_TMP_DIR: path.join(workDir, 'remote-scratch'),
        FUNCTION_EPOCH_MS: String(FUNCTION_EPOCH_MS),
        HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
      },
      readyMessage: 'worker started',
      logFile: path.join(workDir, 'remote-worker.log'),
    });
  });

  afterAll(async () => {
    await remote?.stop(10_000);
    await fleet?.stop();
    await redis?.stop();
    await host?.destroy();
    await testDb?.drop();
    if (finished && workDir !== undefined) await rm(workDir, { recursive: true, force: true });
    else if (workDir !== undefined) process.stderr.write(`netns fleet logs kept in ${workDir}\n`);
  });

  it('joins, survives being cut off while training, and works on after reconnecting', async () => {
    const api = createApiClient(fleet!.apiUrl, apiKey);
    const created = await api.createStudy({
      name: 'two hosts',
      space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
      function: { name: 'branin' },
      maxTrials: MAX_TRIALS,
      parallelism: 2,
      seed: 5,
      sampler: { type: 'tpe', nStartupTrials: 4 },
      pruner: { type: 'none', maxEpochs: EPOCHS },
    });
    const start = new Date(0);

    // It joins: its heartbeats reach the scheduler through Redis, and it finishes trials.
    const joined = await waitFor('the remote worker to finish two trials', async () => ((await remoteFinishedSince(start)) >= 2 ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    expect(joined).toBe(true);
    const seen = (await listWorkers()).find((w) => w.id === REMOTE_WORKER_ID);
    expect(seen).toBeDefined();

    // Cut off mid-trial: nothing it sends arrives, so its heartbeat goes stale.
    await sleep(FUNCTION_EPOCH_MS);
    const cutAt = Date.now();
    await host!.cutOff();
    await sleep(CUT_OFF_MS);
    const during = (await listWorkers()).find((w) => w.id === REMOTE_WORKER_ID)!;
    expect(Date.parse(during.lastHeartbeatAt)).toBeLessThan(cutAt + HEARTBEAT_INTERVAL_MS);
    const midStudy = await api.getStudy(created.id);
    expect(midStudy.status, 'the study should still be running when the link comes back').toBe('RUNNING');
    await host!.reconnect();
    const reconnectedAt = new Date();

    // The same process, reconnected on its own, heart-beats and trains again.
    expect(remote!.hasExited()).toBe(false);
    await waitFor(
      'a fresh heartbeat from the remote worker',
      async () => {
        const w = (await listWorkers()).find((x) => x.id === REMOTE_WORKER_ID);
        return w !== undefined && Date.parse(w.lastHeartbeatAt) > reconnectedAt.getTime() ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await waitFor('the remote worker to finish a trial after reconnecting', async () => ((await remoteFinishedSince(reconnectedAt)) >= 1 ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 250,
    });

    const study: StudyDetail = await waitFor(
      'the study to finish',
      async () => {
        const s = await api.getStudy(created.id);
        return s.status === 'RUNNING' ? undefined : s;
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    expect(study.status).toBe('COMPLETE');
    const trials: TrialSummary[] = await api.listTrials(created.id);
    const completed = trials.filter((t) => t.state === 'COMPLETE');
    // A trial whose worker was silent too long may be failed and retried; the budget counts both.
    expect(trials.every((t) => t.state === 'COMPLETE' || t.state === 'FAILED')).toBe(true);
    expect(new Set(trials.map((t) => t.number)).size).toBe(trials.length);
    expect(completed.length).toBeGreaterThanOrEqual(MAX_TRIALS - trials.filter((t) => t.state === 'FAILED').length);
    expect(new Set(completed.map((t) => t.workerId))).toEqual(new Set([REMOTE_WORKER_ID, fleet!.workerIds[0]]));
    for (const t of completed) {
      const detail = await api.getTrial(t.id);
      // Every epoch once, in order, up to the last; a retried trial starts after its checkpoint.
      const first = (detail.resumeFromEpoch ?? 0) + 1;
      const expected = Array.from({ length: EPOCHS - first + 1 }, (_, i) => first + i);
      expect(detail.epochs.map((e) => e.epoch), `trial #${t.number}`).toEqual(expected);
    }
    finished = true;
  });
});
