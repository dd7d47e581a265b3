import { QUEUES, trialRunJobId, trialStopKey } from '@tunefleet/contracts';
import { serviceTest as test } from '@tunefleet/db/testing';
import { Queue } from 'bullmq';
import { describe, expect } from 'vitest';
import { startScheduler } from '../src/start.js';
import { startFakeWorkers } from './helpers/fake-worker.js';
import { REDIS_URL, functionStudy, gate, resumeStudy, testConfig, waitFor } from './helpers/harness.js';

describe('stopping and resuming a study', () => {
  test('fails open trials as study-stopped, stops their workers, and resumes with retries', async ({
    testDb,
    db,
    stores,
    redisNamespace,
  }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 6, parallelism: 2, maxEpochs: 2 }));
    const held = gate();
    // One worker for two slots: one job runs (held), the other waits in the queue.
    const workers = await startFakeWorkers({
      redisUrl: REDIS_URL,
      namespace: redisNamespace.prefix,
      workers: 1,
      beforeRun: () => held.wait(),
    });
    const scheduler = await startScheduler({ config: testConfig(testDb, redisNamespace.prefix), db: testDb.db });
    const queue = new Queue(QUEUES.trials, { connection: redisNamespace.redis, prefix: redisNamespace.prefix });
    const jobState = async (trialId: string): Promise<string | null> => {
      const job = await queue.getJob(trialRunJobId(trialId, 1));
      return job === undefined ? null : job.getState();
    };
    try {
      await waitFor('two trials in flight', async () => (await stores.trials.countByState(study.id)).RUNNING === 2 && workers.active === 1);
      const [first, second] = await stores.trials.list(study.id);

      await stores.studies.finish(study.id, 'STOPPED');
      await waitFor('open trials failed', async () => (await stores.trials.countByState(study.id)).FAILED === 2);
      for (const trial of [first, second]) {
        const stopped = await stores.trials.get(trial.id);
        expect(stopped.failureType).toBe('study-stopped');
        expect(await redisNamespace.redis.exists(trialStopKey(trial.id, redisNamespace.prefix))).toBe(1);
      }
      // The job no worker had taken is gone from the queue; the held one is still with its worker.
      const states = await Promise.all([first, second].map((t) => jobState(t.id)));
      expect(states).toContain(null);
      expect(states).toContain('active');

      // The held worker starts, sees its stop key before its first epoch, and acknowledges.
      held.open();
      await waitFor('the held job stopped', async () => workers.runs.some((r) => r.outcome === 'stopped'));
      expect(await stores.trials.list(study.id)).toHaveLength(2);

      await resumeStudy(db, study.id);
      await waitFor('study complete', async () => (await stores.studies.get(study.id)).status === 'COMPLETE', 60_000);
      const trials = await stores.trials.list(study.id);
      const retries = trials.filter((t) => t.retryOfId !== null);
      expect(retries.map((t) => t.retryOfId).sort()).toEqual([first.id, second.id].sort());
      for (const retry of retries) {
        expect(retry.params).toEqual(trials.find((t) => t.id === retry.retryOfId)?.params);
        expect(retry.state).toBe('COMPLETE');
      }
      // Retries do not count toward the budget: six trials of their own, two retried.
      expect(trials.filter((t) => t.retryOfId === null)).toHaveLength(6);
      expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(6);
      // The same seed goes on: trial numbers continue without gaps.
      expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      held.open();
      await queue.close();
      await scheduler.stop();
      await workers.close();
    }
  });
});
