import { deleteKeys, serviceTest as test } from '@tunefleet/db/testing';
import type { TrialRunJob } from '@tunefleet/contracts';
import { describe, expect } from 'vitest';
import { startScheduler } from '../src/start.js';
import { fakeArchive, startFakeWorkers } from './helpers/fake-worker.js';
import { REDIS_URL, functionStudy, testConfig, waitFor } from './helpers/harness.js';

describe('reconcile', () => {
  test('re-enqueues RUNNING trials whose jobs Redis lost', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 4, parallelism: 2 }));
    const config = testConfig(testDb, redisNamespace.prefix);
    const first = await startScheduler({ config, db: testDb.db });
    await waitFor('two trials dispatched', async () => (await stores.trials.countByState(study.id)).RUNNING === 2);
    await first.stop();
    // Redis loses the trials queue (a flush, a failover without persistence).
    expect(await deleteKeys(redisNamespace.redis, `${redisNamespace.prefix}:trials:*`)).toBeGreaterThan(0);

    const workers = await startFakeWorkers({ redisUrl: REDIS_URL, namespace: redisNamespace.prefix, workers: 2 });
    const second = await startScheduler({ config, db: testDb.db });
    try {
      await waitFor('study complete', async () => (await stores.studies.get(study.id)).status === 'COMPLETE');
      const trials = await stores.trials.list(study.id);
      expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
      // Trials 0 and 1 never started, so their lost job is dispatched again under the same attempt.
      const runsOf = (n: number) => workers.runs.filter((r) => r.job.trialNumber === n).map((r) => r.job.attempt);
      expect(runsOf(0)).toEqual([1]);
      expect(runsOf(1)).toEqual([1]);
    } finally {
      await second.stop();
      await workers.close();
    }
  });

  test('fails a trial whose worker went silent and retries it from its last checkpoint', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 2, parallelism: 1, maxEpochs: 3 }));
    const silentOnce = (job: TrialRunJob) => (job.trialNumber === 0 ? 1 : null);
    const workers = await startFakeWorkers({ redisUrl: REDIS_URL, namespace: redisNamespace.prefix, silentAfter: silentOnce });
    const config = testConfig(testDb, redisNamespace.prefix, { HEARTBEAT_TIMEOUT_MS: '400', RECONCILE_INTERVAL_MS: '100' });
    const scheduler = await startScheduler({ config, db: testDb.db });
    try {
      await waitFor('study complete', async () => (await stores.studies.get(study.id)).status === 'COMPLETE');
      const [lost, retry, next] = await stores.trials.list(study.id);
      expect(lost.state).toBe('FAILED');
      expect(lost.failureType).toBe('worker-lost');
      expect(retry.retryOfId).toBe(lost.id);
      expect(retry.params).toEqual(lost.params);
      expect(retry.state).toBe('COMPLETE');
      expect(retry.resumeFromEpoch).toBe(1);
      expect(next.state).toBe('COMPLETE');

      const retryRun = workers.runs.find((r) => r.job.trialId === retry.id);
      expect(retryRun?.job.startEpoch).toBe(1);
      expect(retryRun?.job.resumeCheckpoint).toEqual({ trialId: lost.id, epoch: 1 });
      expect(retryRun?.resumedArchive).toBe(fakeArchive(lost.id, 1).toString());
      // The retry carries the learning curve it resumed from.
      expect((await stores.trials.intermediateValues(retry.id)).map((iv) => iv.epoch)).toEqual([1, 2, 3]);
    } finally {
      await scheduler.stop();
      await workers.close();
    }
  });

  test('bounds the attempts of a trial whose workers keep going silent', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 2, parallelism: 1, maxEpochs: 2 }));
    const cursed = new Set<string>();
    const silentAlways = (job: TrialRunJob) => {
      if (job.trialNumber === 0) cursed.add(JSON.stringify(job.params));
      return cursed.has(JSON.stringify(job.params)) ? 0 : null;
    };
    const workers = await startFakeWorkers({ redisUrl: REDIS_URL, namespace: redisNamespace.prefix, silentAfter: silentAlways });
    const config = testConfig(testDb, redisNamespace.prefix, {
      HEARTBEAT_TIMEOUT_MS: '300',
      RECONCILE_INTERVAL_MS: '100',
      MAX_TRIAL_ATTEMPTS: '2',
    });
    const scheduler = await startScheduler({ config, db: testDb.db });
    try {
      await waitFor('study complete', async () => (await stores.studies.get(study.id)).status === 'COMPLETE');
      const trials = await stores.trials.list(study.id);
      const lineage = trials.filter((t) => JSON.stringify(t.params) === JSON.stringify(trials[0].params));
      expect(lineage.map((t) => [t.state, t.failureType])).toEqual([
        ['FAILED', 'worker-lost'],
        ['FAILED', 'worker-lost'],
      ]);
      expect(lineage[1].retryOfId).toBe(lineage[0].id);
      expect(trials.filter((t) => t.retryOfId === null)).toHaveLength(2);
    } finally {
      await scheduler.stop();
      await workers.close();
    }
  });
});
