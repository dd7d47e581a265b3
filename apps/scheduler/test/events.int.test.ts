import { TRIAL_EVENT_VERSION, type TrialEventMessage, trialStopKey } from '@tunefleet/contracts';
import { serviceTest as test } from '@tunefleet/db/testing';
import { describe, expect } from 'vitest';
import { handleTrialEvent } from '../src/handle-trial-event.js';
import { functionStudy, makeContext, testConfig } from './helpers/harness.js';

const v = TRIAL_EVENT_VERSION;

describe('consuming trial events', () => {
  test('is idempotent under duplicate and out-of-order reports', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 5, parallelism: 1, maxEpochs: 2 }));
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    const send = (m: TrialEventMessage) => handleTrialEvent(ctx, loop, m);
    try {
      await loop.fill(study.id);
      const [trial] = await stores.trials.list(study.id);
      const trialId = trial.id;
      const started = { v, type: 'started', trialId, attempt: 1, workerId: 'w-1', backend: 'cpu' } as const;
      await send(started);
      await send({ ...started, workerId: 'w-2' });
      expect((await stores.trials.get(trialId)).workerId).toBe('w-1');

      await send({ v, type: 'epoch', trialId, epoch: 1, metrics: { value: 5, elapsedMs: 3 } });
      await send({ v, type: 'epoch', trialId, epoch: 1, metrics: { value: 99, elapsedMs: 3 } });
      expect((await stores.trials.intermediateValues(trialId)).map((iv) => [iv.epoch, iv.value])).toEqual([[1, 5]]);

      // The end arrives before the last epoch's report; the late report then changes nothing.
      const finished = { v, type: 'finished', trialId, attempt: 1, outcome: 'complete', epoch: 2, metrics: { value: 3 } } as const;
      await send(finished);
      await send({ v, type: 'epoch', trialId, epoch: 2, metrics: { value: 4, elapsedMs: 3 } });
      const done = await stores.trials.get(trialId);
      expect(done.state).toBe('COMPLETE');
      expect(done.objectiveValue).toBe(3);
      expect((await stores.trials.intermediateValues(trialId)).map((iv) => iv.epoch)).toEqual([1]);

      // The finished report freed the slot once; its duplicate frees nothing more.
      expect(await stores.trials.list(study.id)).toHaveLength(2);
      await send(finished);
      await send(started);
      expect(await stores.trials.list(study.id)).toHaveLength(2);
      expect((await stores.trials.get(trialId)).state).toBe('COMPLETE');
    } finally {
      await close();
      // The file's database is shared: a scheduler started by a later test must not adopt it.
      await stores.studies.remove(study.id);
    }
  });

  test('drops messages that break their contract or name unknown trials', async ({ testDb, stores, redisNamespace }) => {
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    try {
      await expect(handleTrialEvent(ctx, loop, { v, type: 'epoch', trialId: 'x' })).resolves.toBeUndefined();
      await expect(
        handleTrialEvent(ctx, loop, { v, type: 'started', trialId: '00000000-0000-4000-8000-000000000000', attempt: 1, workerId: 'w', backend: 'cpu' }),
      ).resolves.toBeUndefined();
    } finally {
      await close();
    }
  });

  test('records heartbeats on the scheduler clock, and drops one naming no storable trial', async ({ testDb, stores, redisNamespace }) => {
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    const beat = { v, type: 'heartbeat', workerId: 'gpu-box-7', host: 'gpu-box', backend: 'tensorflow-gpu', gpu: 'H200', sentAtMs: 1 } as const;
    try {
      const before = Date.now();
      await handleTrialEvent(ctx, loop, beat);
      const worker = await stores.workers.get('gpu-box-7');
      expect(worker).toMatchObject({ host: 'gpu-box', backend: 'tensorflow-gpu', gpu: 'H200', currentTrialId: null });
      expect(worker.lastHeartbeatAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      await expect(handleTrialEvent(ctx, loop, { ...beat, trialId: 'not-a-uuid', sentAtMs: 2 })).resolves.toBeUndefined();
      expect((await stores.workers.get('gpu-box-7')).currentTrialId).toBeNull();
    } finally {
      await close();
    }
  });

  test('prunes a trial below the top 1/η of its rung, then sets its stop key and refills the slot', async ({
    testDb,
    stores,
    redisNamespace,
  }) => {
    const study = await stores.studies.create(
      functionStudy({
        maxTrials: 6,
        parallelism: 2,
        maxEpochs: 4,
        prunerJSON: {
          type: 'successive-halving',
          minResource: 1,
          reductionFactor: 2,
          minEarlyStoppingRate: 0,
          bootstrapCount: 0,
          rule: 'optuna',
          maxResource: null,
        },
      }),
    );
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    const epoch = (trialId: string, n: number, value: number) =>
      handleTrialEvent(ctx, loop, { v, type: 'epoch', trialId, epoch: n, metrics: { value, elapsedMs: 1 } });
    try {
      await loop.fill(study.id);
      const [good, bad] = await stores.trials.list(study.id);
      await epoch(good.id, 1, 1);
      expect((await stores.trials.get(good.id)).state).toBe('RUNNING');
      expect(await redisNamespace.redis.exists(trialStopKey(good.id, redisNamespace.prefix))).toBe(0);

      // Rung 0 now has two trials; only the better half (one) survives.
      await epoch(bad.id, 1, 2);
      const pruned = await stores.trials.get(bad.id);
      expect(pruned.state).toBe('PRUNED');
      expect(pruned.objectiveValue).toBe(2);
      expect(pruned.prunedAtRung).toBe(0);
      expect(await redisNamespace.redis.exists(trialStopKey(bad.id, redisNamespace.prefix))).toBe(1);
      expect(await stores.trials.rungValues(study.id, 0)).toEqual([
        { trialId: good.id, value: 1 },
        { trialId: bad.id, value: 2 },
      ]);
      const trials = await stores.trials.list(study.id);
      expect(trials.map((t) => t.state)).toEqual(['RUNNING', 'PRUNED', 'RUNNING']);

      // The worker's acknowledgement of the stop key is an expected `ignore`.
      await handleTrialEvent(ctx, loop, { v, type: 'finished', trialId: bad.id, attempt: 1, outcome: 'stopped', epoch: 1 });
      expect((await stores.trials.get(bad.id)).state).toBe('PRUNED');
    } finally {
      await close();
      // The file's database is shared: a scheduler started by a later test must not adopt it.
      await stores.studies.remove(study.id);
    }
  });
});
