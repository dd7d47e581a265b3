import { serviceTest as test } from '@tunefleet/db/testing';
import { describe, expect } from 'vitest';
import { startScheduler } from '../src/start.js';
import { startFakeWorkers } from './helpers/fake-worker.js';
import { REDIS_URL, functionStudy, testConfig, waitFor } from './helpers/harness.js';

describe('a function-objective study end to end', () => {
  test('runs its budget of trials and completes', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 8, parallelism: 3, maxEpochs: 2 }));
    const workers = await startFakeWorkers({ redisUrl: REDIS_URL, namespace: redisNamespace.prefix, workers: 3 });
    const scheduler = await startScheduler({ config: testConfig(testDb, redisNamespace.prefix), db: testDb.db });
    try {
      await waitFor('study complete', async () => (await stores.studies.get(study.id)).status === 'COMPLETE');
      const trials = await stores.trials.list(study.id);
      expect(trials).toHaveLength(8);
      expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
      expect(trials.every((t) => typeof t.objectiveValue === 'number')).toBe(true);
      // Each epoch's checkpoint moved from Redis into Postgres.
      expect((await stores.checkpoints.list(trials[0].id)).map((c) => c.epoch)).toEqual([1, 2]);
    } finally {
      await scheduler.stop();
      await workers.close();
    }
  });
});
