/**
 * The fleet on a Redis Cluster: three masters, the api, the scheduler and two workers given a
 * `redis-cluster://` REDIS_URL and a hash-tag queue prefix, so that BullMQ's multi-key scripts and
 * the stop, heartbeat and checkpoint keys all live in one slot. A function study runs to the end.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tunefleet/db/testing';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from './helpers/api-client.js';
import { type Fleet, startFleet } from './helpers/fleet.js';
import { type PrivateRedisCluster, startPrivateRedisCluster } from './helpers/private-redis.js';
import { waitFor } from './helpers/wait-for.js';

const QUEUE_PREFIX = '{tfcluster}';
const MAX_TRIALS = 12;

let workDir: string;
let cluster: PrivateRedisCluster | undefined;
let testDb: TestDatabase | undefined;
let fleet: Fleet | undefined;
let finished = false;
const apiKey = randomBytes(24).toString('base64url');

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tunefleet-cluster-'));
  cluster = await startPrivateRedisCluster(workDir);
  testDb = await createTestDatabase();
  fleet = await startFleet({
    databaseUrl: testDb.url,
    redisUrl: cluster.url,
    queuePrefix: QUEUE_PREFIX,
    apiKey,
    workers: 2,
    workDir,
    baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
    schedulerEnv: { POLL_INTERVAL_MS: '250' },
    workerEnv: { FUNCTION_EPOCH_MS: '50' },
  });
});

afterAll(async () => {
  await fleet?.stop();
  await cluster?.stop();
  await testDb?.drop();
  if (finished) await rm(workDir, { recursive: true, force: true });
  else process.stderr.write(`redis cluster fleet logs kept in ${workDir}\n`);
});

describe('a fleet on a Redis Cluster', () => {
  it('runs a study to the end, with every key of the deployment in one hash slot', async () => {
    const api = createApiClient(fleet!.apiUrl, apiKey);
    // Healthy once its cluster client has read the slot map.
    await waitFor('the api to report Redis healthy', async () => ((await fetch(new URL('/healthz', fleet!.apiUrl))).ok ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const created = await api.createStudy({
      name: 'cluster',
      space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
      function: { name: 'branin' },
      maxTrials: MAX_TRIALS,
      parallelism: 2,
      seed: 3,
      pruner: { type: 'none', maxEpochs: 2 },
    });
    const study = await waitFor(
      'the study to finish',
      async () => {
        const s = await api.getStudy(created.id);
        return s.status === 'RUNNING' ? undefined : s;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    expect(study.status).toBe('COMPLETE');
    const trials = await api.listTrials(created.id);
    expect(trials.map((t) => t.state)).toEqual(Array(MAX_TRIALS).fill('COMPLETE'));
    expect(new Set(trials.map((t) => t.workerId))).toEqual(new Set(fleet!.workerIds));

    // Every key the fleet wrote sits under the hash tag, so in a single slot of one master.
    const client = new Cluster(cluster!.ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      await once(client, 'ready');
      const keys = (await Promise.all(client.nodes('master').map((node) => node.keys('*')))).flat();
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !k.startsWith(`${QUEUE_PREFIX}:`))).toEqual([]);
      const slots = new Set(await Promise.all(keys.slice(0, 50).map((k) => client.cluster('KEYSLOT', k) as Promise<number>)));
      expect(slots.size).toBe(1);
    } finally {
      client.disconnect();
    }
    finished = true;
  });
});
