import { trialRunJobId } from '@tunefleet/contracts';
import { serviceTest as test } from '@tunefleet/db/testing';
import type { Sampler, SuggestRequest } from '@tunefleet/search';
import type { Queue } from 'bullmq';
import { describe, expect } from 'vitest';
import { runtimeOf } from '../src/context.js';
import { startScheduler } from '../src/start.js';
import { type FakeWorkers, startFakeWorkers } from './helpers/fake-worker.js';
import { REDIS_URL, functionStudy, makeContext, testConfig, waitFor } from './helpers/harness.js';

describe('dispatch', () => {
  test('writes the trial, RUNNING with its full params, before its job exists', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 3, parallelism: 3 }));
    const seen: { state: string; stored: unknown; sent: unknown; jobExisted: boolean }[] = [];
    const observe = (queue: Queue): Queue => {
      const see = async (data: { trialId: string; params: unknown }, jobId: unknown): Promise<void> => {
        const trial = await stores.trials.get(data.trialId);
        const existing = await queue.getJob(jobId as string);
        seen.push({ state: trial.state, stored: trial.params, sent: data.params, jobExisted: existing !== undefined });
      };
      const add = queue.add.bind(queue);
      queue.add = (async (name, data, opts) => {
        await see(data, opts?.jobId);
        return add(name, data, opts);
      }) as Queue['add'];
      const addBulk = queue.addBulk.bind(queue);
      queue.addBulk = (async (jobs) => {
        for (const job of jobs) await see(job.data, job.opts?.jobId);
        return addBulk(jobs);
      }) as Queue['addBulk'];
      return queue;
    };
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix), observe);
    try {
      await loop.fill(study.id);
      expect(seen).toHaveLength(3);
      for (const s of seen) {
        expect(s.state).toBe('RUNNING');
        expect(s.stored).toEqual(s.sent);
        expect(s.jobExisted).toBe(false);
      }
      for (const trial of await stores.trials.list(study.id)) {
        expect(await ctx.trialsQueue.getJob(trialRunJobId(trial.id, 1))).toBeDefined();
      }
    } finally {
      await close();
      // The file's database is shared: a scheduler started by a later test must not adopt it.
      await stores.studies.remove(study.id);
    }
  });

  test('keeps at most parallelism trials in flight, with more workers than that', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 8, parallelism: 2 }));
    // Each job waits (up to a second) for a second one to be in flight, so overlap does not depend
    // on timing; a third is never dispatched while two are in flight.
    const workers: FakeWorkers = await startFakeWorkers({
      redisUrl: REDIS_URL,
      namespace: redisNamespace.prefix,
      workers: 4,
      beforeRun: async () => {
        await waitFor('a second job in flight', async () => workers.active >= 2, 1_000).catch(() => undefined);
      },
    });
    const scheduler = await startScheduler({ config: testConfig(testDb, redisNamespace.prefix), db: testDb.db });
    try {
      await waitFor('study complete', async () => (await stores.studies.get(study.id)).status === 'COMPLETE');
      expect(workers.errors).toEqual([]);
      expect(workers.runs.map((r) => `${r.job.trialNumber}:${r.job.attempt}`)).toHaveLength(8);
      expect(workers.maxActive).toBe(2);
    } finally {
      await scheduler.stop();
      await workers.close();
    }
  });

  test('shows the sampler the trials in flight with their params (constant liar)', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 6, parallelism: 3, sampler: { type: 'tpe', nStartupTrials: 2 } }));
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    const requests: SuggestRequest[] = [];
    try {
      const runtime = await runtimeOf(ctx, study.id);
      const recording: Sampler = {
        name: runtime.sampler.name,
        toJSON: () => runtime.sampler.toJSON(),
        suggest: (request) => {
          requests.push(request);
          return runtime.sampler.suggest(request);
        },
      };
      ctx.runtimes.set(study.id, { ...runtime, sampler: recording });
      await loop.fill(study.id);
      expect(requests.map((r) => r.trialNumber)).toEqual([0, 1, 2]);
      const trials = await stores.trials.list(study.id);
      for (const request of requests) {
        expect(request.history).toHaveLength(request.trialNumber);
        for (const seen of request.history) {
          expect(seen.state).toBe('RUNNING');
          expect(seen.params).toEqual(trials[seen.number].params);
        }
      }
      const keys = trials.map((t) => JSON.stringify(t.params));
      expect(new Set(keys).size).toBe(3);
    } finally {
      await close();
      // The file's database is shared: a scheduler started by a later test must not adopt it.
      await stores.studies.remove(study.id);
    }
  });
});

describe('the architecture check', () => {
  const cnnStudy = (maxParams: number) => ({
    name: 'cnn',
    spec: {
      v: 1,
      kind: 'cnn',
      searchSpace: { starting_channels: { type: 'int', low: 8, high: 32 } },
      objective: 'vloss',
      direction: 'minimize',
      constraints: { maxParams, minAccuracy: null },
      sampler: { type: 'random', seed: 3 },
      prunerJSON: { type: 'nop' },
      promotion: null,
      maxEpochs: 2,
      fixed: {},
    },
    objective: { kind: 'cnn', dataset: { name: 'cifar10', trainSize: 1000, validationSize: 100, testSize: 0 } },
    metric: 'vloss',
    direction: 'minimize' as const,
    seed: 3,
    maxTrials: 3,
    parallelism: 3,
  });

  test('records configurations over maxParams as FAILED rejected and never enqueues them', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(cnnStudy(1));
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    try {
      await loop.fill(study.id);
      const trials = await stores.trials.list(study.id);
      expect(trials).toHaveLength(3);
      for (const trial of trials) {
        expect(trial.state).toBe('FAILED');
        expect(trial.failureType).toBe('rejected');
        expect(trial.parameterCount).toBeGreaterThan(1);
        expect(await ctx.trialsQueue.getJob(trialRunJobId(trial.id, 1))).toBeUndefined();
      }
      // They count toward the budget: with nothing in flight the study is done.
      expect((await stores.studies.get(study.id)).status).toBe('COMPLETE');
    } finally {
      await close();
      // The file's database is shared: a scheduler started by a later test must not adopt it.
      await stores.studies.remove(study.id);
    }
  });

  test('dispatches configurations within maxParams with their parameter count', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(cnnStudy(100_000_000));
    const { ctx, loop, close } = makeContext(stores, testConfig(testDb, redisNamespace.prefix));
    try {
      await loop.fill(study.id);
      for (const trial of await stores.trials.list(study.id)) {
        expect(trial.state).toBe('RUNNING');
        expect(trial.parameterCount).toBeGreaterThan(1000);
        const job = await ctx.trialsQueue.getJob(trialRunJobId(trial.id, 1));
        expect(job?.data.objective.kind).toBe('cnn');
        expect(job?.data.params.starting_channels).toBe(trial.params.starting_channels);
      }
    } finally {
      await close();
      // The file's database is shared: a scheduler started by a later test must not adopt it.
      await stores.studies.remove(study.id);
    }
  });
});
