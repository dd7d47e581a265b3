/**
 * A fleet for one e2e test file: its own database (cloned from the migrated template by
 * @tunefleet/db/testing), its own Redis namespace (the BullMQ prefix of the scheduler and the
 * workers), real api, scheduler and worker processes, and an api client. `cleanup()` stops the
 * processes, then drops the database and deletes every key under the namespace.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { type ApiClient, createApiClient } from './api-client.js';
import { type Fleet, type FleetOptions, startFleet } from './fleet.js';
import { createRedisNamespace, createTestDatabase, type RedisNamespace, type TestDatabase } from '@tunefleet/db/testing';

export interface TestFleet {
  readonly fleet: Fleet;
  readonly api: ApiClient;
  readonly testDb: TestDatabase;
  readonly namespace: RedisNamespace;
  /** Folder of the apps' log files (kept when a test fails, for diagnosis). */
  readonly workDir: string;
  cleanup(options?: { keepLogs?: boolean }): Promise<void>;
}

export type TestFleetOptions = Pick<FleetOptions, 'workers' | 'schedulerEnv' | 'workerEnv' | 'apiEnv' | 'onLog'>;

export async function startTestFleet(options: TestFleetOptions): Promise<TestFleet> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'tunefleet-e2e-'));
  const testDb = await createTestDatabase();
  const namespace = await createRedisNamespace().catch(async (err: unknown) => {
    await testDb.drop();
    throw err;
  });
  const apiKey = randomBytes(24).toString('base64url');
  let fleet: Fleet;
  try {
    fleet = await startFleet({
      databaseUrl: testDb.url,
      redisUrl: process.env.TUNEFLEET_TEST_REDIS_URL || 'redis://127.0.0.1:6379',
      queuePrefix: namespace.prefix,
      apiKey,
      workDir,
      // PATH and HOME only: the apps see nothing of the test runner's environment.
      baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
      ...options,
    });
  } catch (err) {
    await testDb.drop();
    await namespace.cleanup();
    throw new Error(`${(err as Error).message}\n(the apps' logs are in ${workDir})`, { cause: err });
  }
  return {
    fleet,
    api: createApiClient(fleet.apiUrl, apiKey),
    testDb,
    namespace,
    workDir,
    async cleanup({ keepLogs = false } = {}) {
      try {
        await fleet.stop();
      } finally {
        await testDb.drop();
        await namespace.cleanup();
        if (!keepLogs) await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Registers the hooks a fleet test file ends with: after all tests, stop the fleet, and keep its
 * logs (saying where) when a test failed or the file never got as far as `completed()` says.
 */
export function stopFleetAfterAll(fleet: () => TestFleet | undefined, completed: () => boolean): void {
  let failed = false;
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    const env = fleet();
    const keepLogs = failed || !completed();
    await env?.cleanup({ keepLogs });
    if (keepLogs && env !== undefined) process.stderr.write(`fleet logs kept in ${env.workDir}\n`);
  });
}
