/**
 * The real api in-process over a database and a Redis namespace of its own, listening on a free
 * port of 127.0.0.1, serving the dashboard build beside it.
 */
import { loadConfig } from '@tunefleet/api/config';
import { start } from '@tunefleet/api/start';
import { type RedisNamespace, type TestDatabase, createRedisNamespace, createTestDatabase } from '@tunefleet/db/testing';
import { API_KEY } from './seed-study.js';

export interface DashboardApi {
  readonly url: string;
  readonly testDb: TestDatabase;
  stop(): Promise<void>;
}

export async function startDashboardApi(env: Record<string, string> = {}, existing?: TestDatabase): Promise<DashboardApi> {
  const testDb = existing ?? (await createTestDatabase());
  let redis: RedisNamespace | undefined;
  try {
    redis = await createRedisNamespace();
    const config = loadConfig({ API_KEY, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', REDIS_URL: process.env.TUNEFLEET_TEST_REDIS_URL || 'redis://127.0.0.1:6379', ...env });
    const api = await start(config, { db: testDb.db });
    const ns = redis;
    return {
      url: api.url,
      testDb,
      async stop() {
        await api.stop();
        await ns.cleanup();
        if (!existing) await testDb.drop();
      },
    };
  } catch (err) {
    await redis?.cleanup();
    if (!existing) await testDb.drop();
    throw err;
  }
}
