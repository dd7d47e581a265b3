/**
 * Issue 6 (chaos suite, worker kills): a worker that was only slow, not dead, reported an epoch
 * after its trial had failed as worker-lost. The value was ignored but its checkpoint was stored,
 * so the retry resumed from that epoch with no value for it, and the completed retry's learning
 * curve had a gap.
 *
 * And the other way round (scheduler kills): reports the killed scheduler held were redelivered
 * only when their lock expired, after the trial's later reports had completed it, and were
 * dropped; the trial's curve kept the gap. A late report that fills a gap below the trial's last
 * stored epoch is now stored.
 */
import { createHash } from 'node:crypto';
import { TRIAL_CHECKPOINT_TTL_S, TRIAL_EVENT_VERSION, type TrialEventMessage, trialCheckpointKey } from '@tunefleet/contracts';
import { serviceTest as test } from '@tunefleet/db/testing';
import { describe, expect } from 'vitest';
import { handleTrialEvent } from '../src/handle-trial-event.js';
import { createRetry } from '../src/retry-trial.js';
import { runtimeOf } from '../src/context.js';
import { fakeArchive } from './helpers/fake-worker.js';
import { functionStudy, makeContext, testConfig } from './helpers/harness.js';

const v = TRIAL_EVENT_VERSION;

describe('an epoch report that arrives after its trial ended', () => {
  test('that failed stores neither its value nor its checkpoint, so the retry resumes where the values end', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 1, parallelism: 1, maxEpochs: 4 }));
    const config = testConfig(testDb, redisNamespace.prefix);
    const { ctx, loop, close } = makeContext(stores, config);
    const send = (m: TrialEventMessage) => handleTrialEvent(ctx, loop, m);
    const epoch = async (trialId: string, n: number) => {
      const archive = fakeArchive(trialId, n);
      await redisNamespace.redis.set(trialCheckpointKey(trialId, n, redisNamespace.prefix), archive, 'EX', TRIAL_CHECKPOINT_TTL_S);
      const checkpoint = { epoch: n, sha256: createHash('sha256').update(archive).digest('hex'), size: archive.byteLength };
      await send({ v, type: 'epoch', trialId, epoch: n, metrics: { value: 10 - n, elapsedMs: 1 }, checkpoint });
    };
    try {
      await loop.fill(study.id);
      const [trial] = await stores.trials.list(study.id);
      await send({ v, type: 'started', trialId: trial.id, attempt: 1, workerId: 'slow-worker', backend: 'cpu' });
      await epoch(trial.id, 1);
      // Reconcile judged the worker silent; then its report of epoch 2 arrives after all.
      await ctx.stores.trials.apply(trial.id, 'failed', { failureType: 'worker-lost', failureMessage: 'silent' });
      await epoch(trial.id, 2);

      expect((await stores.trials.intermediateValues(trial.id)).map((iv) => iv.epoch)).toEqual([1]);
      expect((await stores.checkpoints.list(trial.id)).map((c) => c.epoch)).toEqual([1]);
      expect(await redisNamespace.redis.exists(trialCheckpointKey(trial.id, 2, redisNamespace.prefix))).toBe(0);

      const retry = await createRetry(ctx, await runtimeOf(ctx, study.id), { ...trial, state: 'FAILED' });
      expect(retry?.resumeFromEpoch).toBe(1);
    } finally {
      await close();
      await stores.studies.remove(study.id);
    }
  });

  test('that completed without it stores it when it fills a gap, and nothing past its last epoch', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 1, parallelism: 1, maxEpochs: 3 }));
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    const send = (m: TrialEventMessage) => handleTrialEvent(ctx, loop, m);
    const epoch = (trialId: string, n: number) => send({ v, type: 'epoch', trialId, epoch: n, metrics: { value: 10 - n, elapsedMs: 1 } });
    try {
      await loop.fill(study.id);
      const [trial] = await stores.trials.list(study.id);
      await send({ v, type: 'started', trialId: trial.id, attempt: 1, workerId: 'w', backend: 'cpu' });
      await epoch(trial.id, 2);
      await epoch(trial.id, 3);
      await send({ v, type: 'finished', trialId: trial.id, attempt: 1, outcome: 'complete', epoch: 3, metrics: { value: 7 } });
      expect((await stores.trials.get(trial.id)).state).toBe('COMPLETE');
      // Epoch 1, redelivered last.
      await epoch(trial.id, 1);
      await epoch(trial.id, 4);
      expect((await stores.trials.intermediateValues(trial.id)).map((iv) => [iv.epoch, iv.value])).toEqual([
        [1, 9],
        [2, 8],
        [3, 7],
      ]);
    } finally {
      await close();
      await stores.studies.remove(study.id);
    }
  });
});
