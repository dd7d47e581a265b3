/** Shared setup of the api's tests: config, an app over the test database, and study bodies. */
import { type Db } from '@tunefleet/db';
import { dbTest } from '@tunefleet/db/testing';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import type { App } from '../src/route-deps.js';
import { createRedis } from '../src/start.js';

export const API_KEY = 'test-api-key-0123456789';
export const AUTH = { authorization: `Bearer ${API_KEY}` } as const;
export const REDIS_URL = process.env.TUNEFLEET_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

export function testConfig(env: Record<string, string> = {}): Config {
  // Rate limiting is off unless a test turns it on (RATE_LIMIT_MAX).
  return loadConfig({ API_KEY, LOG_LEVEL: 'silent', REDIS_URL, RATE_LIMIT_MAX: '0', ...env });
}

export interface TestApi {
  readonly app: App;
  close(): Promise<void>;
}

export async function buildTestApi(db: Db, options: { env?: Record<string, string>; now?: () => Date } = {}): Promise<TestApi> {
  const config = testConfig(options.env);
  const log = pino({ level: 'silent' });
  const redis = createRedis(config.redisUrl, log);
  const app = await buildApp({ config, log, db, redis, now: options.now });
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      redis.disconnect();
    },
  };
}

/** dbTest plus an app over the file's database, built once per file. */
export const apiTest = dbTest.extend<{ api: TestApi }>({
  api: [
    async ({ db }, use) => {
      const api = await buildTestApi(db);
      try {
        await use(api);
      } finally {
        await api.close();
      }
    },
    { scope: 'file' },
  ],
});

export function cnnStudyBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'cifar10 small',
    space: {
      learning_rate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
      cnn_layers: { type: 'int', low: 4, high: 8 },
      activation: { type: 'categorical', choices: ['relu', 'gelu'] },
    },
    objective: 'vloss',
    maxTrials: 20,
    parallelism: 2,
    pruner: { type: 'asha', mode: 'stop', minEpochs: 1, maxEpochs: 9, reductionFactor: 3 },
    dataset: { name: 'cifar10', trainSize: 2000, validationSize: 500, testSize: 0 },
    fixed: { batch_size: 100 },
    ...overrides,
  };
}

export function functionStudyBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'branin',
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    function: { name: 'branin' },
    maxTrials: 50,
    parallelism: 4,
    sampler: { type: 'random' },
    pruner: { type: 'none', maxEpochs: 1 },
    ...overrides,
  };
}
