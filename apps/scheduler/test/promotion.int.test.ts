import { serviceTest as test } from '@tunefleet/db/testing';
import { describe, expect } from 'vitest';
import { startScheduler } from '../src/start.js';
import { fakeArchive, startFakeWorkers } from './helpers/fake-worker.js';
import { REDIS_URL, functionStudy, testConfig, waitFor } from './helpers/harness.js';

describe('promotion-based ASHA', () => {
  test('pauses trials at rungs and resumes the promoted ones from their checkpoints', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(
      functionStudy({ maxTrials: 8, parallelism: 2, promotion: { minResource: 1, maxResource: 4, reductionFactor: 2 } }),
    );
    const workers = await startFakeWorkers({ redisUrl: REDIS_URL, namespace: redisNamespace.prefix, workers: 2 });
    const scheduler = await startScheduler({ config: testConfig(testDb, redisNamespace.prefix), db: testDb.db });
    try {
      await waitFor('study complete', async () => (await stores.studies.get(study.id)).status === 'COMPLETE', 60_000);
      expect(workers.errors).toEqual([]);
      const trials = await stores.trials.list(study.id);
      expect(trials).toHaveLength(8);

      // New trials train to the first rung only.
      const firstJobs = workers.runs.filter((r) => r.job.attempt === 1);
      expect(firstJobs).toHaveLength(8);
      expect(firstJobs.every((r) => r.job.startEpoch === 0 && r.job.maxEpochs === 1)).toBe(true);

      // Promoted jobs resume from the rung's checkpoint, which the scheduler put back into Redis.
      const promoted = workers.runs.filter((r) => r.job.attempt > 1);
      expect(promoted.length).toBeGreaterThan(0);
      for (const run of promoted) {
        expect(run.job.resumeCheckpoint).toEqual({ trialId: run.job.trialId, epoch: run.job.startEpoch });
        expect(run.resumedArchive).toBe(fakeArchive(run.job.trialId, run.job.startEpoch).toString());
        expect([1, 2]).toContain(run.job.startEpoch);
        expect(run.job.maxEpochs).toBe(run.job.startEpoch * 2);
      }

      // At least one trial reached the top rung and completed; every other one ended PRUNED at a
      // rung it did not leave. Nothing is left open.
      const complete = trials.filter((t) => t.state === 'COMPLETE');
      expect(complete.length).toBeGreaterThan(0);
      for (const t of complete) expect((await stores.trials.intermediateValues(t.id)).map((iv) => iv.epoch)).toEqual([1, 2, 3, 4]);
      expect(trials.every((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toBe(true);
      // By the end, the top 1/η of the first rung (the best 4 of 8 at epoch 1) were all promoted;
      // asynchronous promotion may have promoted a few more while the rung was filling up.
      const promotedOnce = new Set(promoted.filter((r) => r.job.startEpoch === 1).map((r) => r.job.trialId));
      const atFirstRung = await Promise.all(
        trials.map(async (t) => ({ id: t.id, value: (await stores.trials.intermediateValues(t.id))[0].value })),
      );
      const top = atFirstRung.sort((a, b) => a.value - b.value).slice(0, 4);
      for (const t of top) expect(promotedOnce.has(t.id)).toBe(true);
      expect(promotedOnce.size).toBeGreaterThanOrEqual(4);
    } finally {
      await scheduler.stop();
      await workers.close();
    }
  });
});
