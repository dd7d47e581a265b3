import { TRIAL_EVENT_VERSION, type TrialRunJob, trialCheckpointKey, trialRunJobId } from '@tunefleet/contracts';
import type { Stores, Trial } from '@tunefleet/db';
import { serviceTest as test } from '@tunefleet/db/testing';
import { describe, expect } from 'vitest';
import { runtimeOf } from '../src/context.js';
import { enqueueTrial, resumePlan } from '../src/dispatch.js';
import { handleTrialEvent } from '../src/handle-trial-event.js';
import { fakeArchive } from './helpers/fake-worker.js';
import { type TestContext, functionStudy, makeContext, testConfig } from './helpers/harness.js';

const params = { x1: 1, x2: 2 };

/** A RUNNING trial of a 4-epoch study with checkpoints saved at `epochs`. */
async function trialWithCheckpoints(stores: Stores, epochs: readonly number[]): Promise<{ studyId: string; trial: Trial }> {
  const study = await stores.studies.create(functionStudy({ maxTrials: 1, parallelism: 1, maxEpochs: 4 }));
  const trial = await stores.trials.create(study.id, { params, running: { parameterCount: null } });
  for (const epoch of epochs) await stores.checkpoints.save({ trialId: trial.id, epoch, data: fakeArchive(trial.id, epoch) });
  return { studyId: study.id, trial };
}

/** Overwrites the stored bytes of a checkpoint, leaving its recorded sha256 as it was. */
async function corrupt(stores: Stores, testDb: { db: { $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> } }, trialId: string, epoch: number) {
  const meta = await stores.checkpoints.get(trialId, epoch);
  await testDb.db.$executeRawUnsafe(`UPDATE checkpoint_blob SET data = '\\xdeadbeef'::bytea WHERE checkpoint_id = $1::uuid`, meta.id);
}

async function jobOf(t: TestContext, trialId: string, attempt: number): Promise<TrialRunJob> {
  const job = await t.ctx.trialsQueue.getJob(trialRunJobId(trialId, attempt));
  expect(job, `job of attempt ${attempt}`).toBeDefined();
  return job!.data as TrialRunJob;
}

describe('resuming from a checkpoint that is gone or corrupt', () => {
  test('a corrupt checkpoint is detected by its sha256, deleted, and the job resumes from the previous good one', async ({ testDb, stores, redisNamespace }) => {
    const { studyId, trial } = await trialWithCheckpoints(stores, [1, 2]);
    await corrupt(stores, testDb, trial.id, 2);
    const t = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    try {
      const runtime = await runtimeOf(t.ctx, studyId);
      await enqueueTrial(t.ctx, runtime, trial, { attempt: 2, startEpoch: 2, maxEpochs: 4, resumeTrialId: trial.id });

      const job = await jobOf(t, trial.id, 2);
      expect(job.startEpoch).toBe(1);
      expect(job.maxEpochs).toBe(4);
      expect(job.resumeCheckpoint).toEqual({ trialId: trial.id, epoch: 1 });
      const staged = await t.ctx.redis.getBuffer(trialCheckpointKey(trial.id, 1, redisNamespace.prefix));
      expect(staged?.equals(fakeArchive(trial.id, 1))).toBe(true);

      expect(await stores.resumeFallbacks.list(trial.id)).toMatchObject([
        { attempt: 2, problem: 'corrupt', checkpointTrialId: trial.id, checkpointEpoch: 2, resumedFromEpoch: 1 },
      ]);
      // The corrupt epoch is gone, so retraining it can save its checkpoint again.
      expect((await stores.checkpoints.list(trial.id)).map((c) => c.epoch)).toEqual([1]);
      await stores.checkpoints.save({ trialId: trial.id, epoch: 2, data: fakeArchive(trial.id, 2) });
    } finally {
      await t.close();
      await stores.studies.remove(studyId);
    }
  });

  test('a deleted checkpoint with nothing earlier means training from scratch, recorded as missing', async ({ testDb, stores, redisNamespace }) => {
    const { studyId, trial } = await trialWithCheckpoints(stores, [1]);
    await stores.checkpoints.remove(trial.id, 1);
    const t = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    try {
      const runtime = await runtimeOf(t.ctx, studyId);
      await enqueueTrial(t.ctx, runtime, trial, { attempt: 2, startEpoch: 1, maxEpochs: 4, resumeTrialId: trial.id });

      const job = await jobOf(t, trial.id, 2);
      expect(job.startEpoch).toBe(0);
      expect(job.resumeCheckpoint).toBeUndefined();
      expect(await stores.resumeFallbacks.list(trial.id)).toMatchObject([
        { attempt: 2, problem: 'missing', checkpointTrialId: trial.id, checkpointEpoch: 1, resumedFromEpoch: 0 },
      ]);
    } finally {
      await t.close();
      await stores.studies.remove(studyId);
    }
  });

  test('a checkpoint row deleted before the resume is passed over by the plan, and the fallback is still recorded', async ({ testDb, stores, redisNamespace }) => {
    const { studyId, trial } = await trialWithCheckpoints(stores, [1, 2]);
    for (const epoch of [1, 2]) await stores.trials.recordEpoch(trial.id, { epoch, value: 10 - epoch });
    await stores.checkpoints.remove(trial.id, 2);
    const t = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    try {
      const runtime = await runtimeOf(t.ctx, studyId);
      const plan = await resumePlan(t.ctx, runtime, await stores.trials.get(trial.id));
      expect(plan).toMatchObject({ startEpoch: 1, wantedEpoch: 2, resumeTrialId: trial.id });
      await enqueueTrial(t.ctx, runtime, trial, plan);

      const job = await jobOf(t, trial.id, plan.attempt);
      expect(job.startEpoch).toBe(1);
      expect(job.resumeCheckpoint).toEqual({ trialId: trial.id, epoch: 1 });
      expect(await stores.resumeFallbacks.list(trial.id)).toMatchObject([
        { attempt: plan.attempt, problem: 'missing', checkpointTrialId: trial.id, checkpointEpoch: 2, resumedFromEpoch: 1 },
      ]);
    } finally {
      await t.close();
      await stores.studies.remove(studyId);
    }
  });

  test('a retry whose predecessor checkpoint is corrupt falls back to an earlier checkpoint of the lineage', async ({ testDb, stores, redisNamespace }) => {
    const { studyId, trial: first } = await trialWithCheckpoints(stores, [1, 2, 3]);
    await stores.trials.apply(first.id, 'failed', { failureType: 'worker-lost' });
    await corrupt(stores, testDb, first.id, 3);
    await corrupt(stores, testDb, first.id, 2);
    const retry = await stores.trials.create(studyId, { params, retryOfId: first.id, resumeFromEpoch: 3, running: { parameterCount: null } });
    const t = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    try {
      const runtime = await runtimeOf(t.ctx, studyId);
      await enqueueTrial(t.ctx, runtime, retry, { attempt: 1, startEpoch: 3, maxEpochs: 4, resumeTrialId: first.id });

      const job = await jobOf(t, retry.id, 1);
      expect(job.startEpoch).toBe(1);
      expect(job.resumeCheckpoint).toEqual({ trialId: first.id, epoch: 1 });
      expect(await stores.resumeFallbacks.list(retry.id)).toMatchObject([
        { problem: 'corrupt', checkpointTrialId: first.id, checkpointEpoch: 3, resumedFromEpoch: 1 },
        { problem: 'corrupt', checkpointTrialId: first.id, checkpointEpoch: 2, resumedFromEpoch: 1 },
      ]);
    } finally {
      await t.close();
      await stores.studies.remove(studyId);
    }
  });

  test('an archive the worker rejects sends the trial back to an earlier checkpoint instead of failing it', async ({ testDb, stores, redisNamespace }) => {
    const { studyId, trial } = await trialWithCheckpoints(stores, [1, 2]);
    const t = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    const v = TRIAL_EVENT_VERSION;
    try {
      await handleTrialEvent(t.ctx, t.loop, { v, type: 'started', trialId: trial.id, attempt: 2, workerId: 'w-1', backend: 'cpu' });
      await handleTrialEvent(t.ctx, t.loop, {
        v,
        type: 'finished',
        trialId: trial.id,
        attempt: 2,
        outcome: 'failed',
        epoch: 2,
        failure: { type: 'checkpoint-corrupt', message: 'checkpoint archive of epoch 2: bad header' },
      });

      expect((await stores.trials.get(trial.id)).state).toBe('RUNNING');
      const job = await jobOf(t, trial.id, 3);
      expect(job.startEpoch).toBe(1);
      expect(job.maxEpochs).toBe(4);
      expect(job.resumeCheckpoint).toEqual({ trialId: trial.id, epoch: 1 });
      expect(await stores.resumeFallbacks.list(trial.id)).toMatchObject([
        { attempt: 3, problem: 'corrupt', checkpointTrialId: trial.id, checkpointEpoch: 2, resumedFromEpoch: 1 },
      ]);
      // The scheduler had verified those bytes: they stay for an operator to inspect.
      expect((await stores.checkpoints.list(trial.id)).map((c) => c.epoch)).toEqual([1, 2]);
    } finally {
      await t.close();
      await stores.studies.remove(studyId);
    }
  });

  test('a checkpoint-corrupt failure of a job that resumed nothing still fails the trial', async ({ testDb, stores, redisNamespace }) => {
    const { studyId, trial } = await trialWithCheckpoints(stores, []);
    const t = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    const v = TRIAL_EVENT_VERSION;
    try {
      await handleTrialEvent(t.ctx, t.loop, { v, type: 'started', trialId: trial.id, attempt: 1, workerId: 'w-1', backend: 'cpu' });
      await handleTrialEvent(t.ctx, t.loop, {
        v,
        type: 'finished',
        trialId: trial.id,
        attempt: 1,
        outcome: 'failed',
        epoch: 0,
        failure: { type: 'checkpoint-corrupt', message: 'no checkpoint archive' },
      });
      const failed = await stores.trials.get(trial.id);
      expect(failed.state).toBe('FAILED');
      expect(failed.failureType).toBe('checkpoint-corrupt');
      expect(await stores.resumeFallbacks.list(trial.id)).toEqual([]);
    } finally {
      await t.close();
      await stores.studies.remove(studyId);
    }
  });
});
