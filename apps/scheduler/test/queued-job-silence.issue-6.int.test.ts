/**
 * Issue 6 (chaos suite, worker kills): with every worker busy or dead, a trial's job waited in
 * the queue longer than HEARTBEAT_TIMEOUT_MS. The moment a worker took it, and before the
 * worker's first heartbeat named the trial, reconcile saw a RUNNING trial with an active job, no
 * live worker and no event since its dispatch, and failed it as worker-lost.
 */
import { QUEUES, bullmqPrefix } from '@tunefleet/contracts';
import { serviceTest as test } from '@tunefleet/db/testing';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { reconcile } from '../src/reconcile.js';
import { REDIS_URL, functionStudy, gate, makeContext, testConfig, waitFor } from './helpers/harness.js';

const HEARTBEAT_TIMEOUT_MS = 300;

describe('a job taken by a worker after waiting in the queue', () => {
  test('is not judged silent from its dispatch time', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 1, parallelism: 1 }));
    const config = testConfig(testDb, redisNamespace.prefix, { HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS) });
    const { ctx, loop, close } = makeContext(stores, config);
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const release = gate();
    const taken = gate();
    let worker: Worker | undefined;
    try {
      await loop.fill(study.id);
      const [trial] = await stores.trials.list(study.id);
      // No worker for longer than the timeout: the job waits, and reconcile leaves it alone.
      await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_TIMEOUT_MS));
      expect((await reconcile(ctx, loop)).failed).toBe(0);

      // A worker takes the job and has not reported or sent a heartbeat yet.
      worker = new Worker(
        QUEUES.trials,
        async () => {
          taken.open();
          await release.wait();
        },
        { connection, prefix: bullmqPrefix(redisNamespace.prefix) },
      );
      await taken.wait();
      expect((await reconcile(ctx, loop)).failed).toBe(0);
      expect((await stores.trials.get(trial.id)).state).toBe('RUNNING');

      // Silence that lasts past the timeout from the take is still noticed.
      await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_TIMEOUT_MS));
      await waitFor('the trial failed as worker-lost', async () => (await reconcile(ctx, loop)).failed === 1, 5_000);
      expect((await stores.trials.get(trial.id)).failureType).toBe('worker-lost');
    } finally {
      release.open();
      await worker?.close();
      connection.disconnect();
      await close();
      await stores.studies.remove(study.id);
    }
  });
});
