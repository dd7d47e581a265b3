import type { Stores } from '@tunefleet/db';
import { serviceTest as test } from '@tunefleet/db/testing';
import type { Queue } from 'bullmq';
import { describe, expect } from 'vitest';
import type { Config } from '../src/config.js';
import { startScheduler } from '../src/start.js';
import { startFakeWorkers } from './helpers/fake-worker.js';
import { REDIS_URL, functionStudy, makeContext, testConfig, waitFor } from './helpers/harness.js';

// TPE past its random start-up, three trials in flight: the suggestions depend on the history.
const spec = () => functionStudy({ maxTrials: 15, parallelism: 3, seed: 11, sampler: { type: 'tpe', nStartupTrials: 4 } });

/**
 * Workers take a random 0–300 ms per trial, so trials finish in a different order in every run;
 * deterministic dispatch must give the same trials anyway.
 */
const jitter = () => new Promise<void>((resolve) => setTimeout(resolve, Math.floor(Math.random() * 300)));

async function paramsByNumber(stores: Stores, studyId: string): Promise<unknown[]> {
  return (await stores.trials.list(studyId)).map((t) => t.params);
}

async function runToCompletion(config: Config, db: Parameters<typeof startScheduler>[0]['db'], stores: Stores, studyId: string) {
  const scheduler = await startScheduler({ config, db });
  try {
    await waitFor('study complete', async () => (await stores.studies.get(studyId)).status === 'COMPLETE', 90_000);
  } finally {
    await scheduler.stop();
  }
}

describe('crash-restart determinism', () => {
  test('a scheduler stopped mid-way and restarted proposes exactly the trials of an undisturbed run', async ({
    testDb,
    stores,
    redisNamespace,
  }) => {
    const config = testConfig(testDb, redisNamespace.prefix);
    const workers = await startFakeWorkers({ redisUrl: REDIS_URL, namespace: redisNamespace.prefix, workers: 3, beforeRun: jitter });
    try {
      const undisturbed = await stores.studies.create(spec());
      await runToCompletion(config, testDb.db, stores, undisturbed.id);

      const interrupted = await stores.studies.create(spec());
      const first = await startScheduler({ config, db: testDb.db });
      await waitFor('six trials finished', async () => (await stores.trials.countByState(interrupted.id)).COMPLETE >= 6, 60_000);
      await first.stop();
      const before = (await stores.trials.list(interrupted.id)).length;
      expect(before).toBeLessThan(15);
      await runToCompletion(config, testDb.db, stores, interrupted.id);

      const expected = await paramsByNumber(stores, undisturbed.id);
      expect(expected).toHaveLength(15);
      expect(await paramsByNumber(stores, interrupted.id)).toEqual(expected);
    } finally {
      await workers.close();
    }
  });

  test('a crash between writing a trial and enqueueing it, or a trial left WAITING, changes no decision', async ({
    testDb,
    stores,
    redisNamespace,
  }) => {
    const config = testConfig(testDb, redisNamespace.prefix);
    const workers = await startFakeWorkers({ redisUrl: REDIS_URL, namespace: redisNamespace.prefix, workers: 3, beforeRun: jitter });
    try {
      const undisturbed = await stores.studies.create(spec());
      await runToCompletion(config, testDb.db, stores, undisturbed.id);
      const expected = await paramsByNumber(stores, undisturbed.id);

      // Redis refuses the first jobs: the first fill's trials (one per slot, written in one
      // statement) are RUNNING in Postgres with no job anywhere.
      const lostJob = await stores.studies.create(spec());
      const failingQueue = (queue: Queue): Queue => {
        queue.add = (async () => {
          throw new Error('connection lost');
        }) as Queue['add'];
        queue.addBulk = (async () => {
          throw new Error('connection lost');
        }) as Queue['addBulk'];
        return queue;
      };
      const crashed = makeContext(stores, config, failingQueue);
      await expect(crashed.loop.fill(lostJob.id)).rejects.toThrow('connection lost');
      await crashed.close();
      expect((await stores.trials.list(lostJob.id)).map((t) => t.state)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
      await runToCompletion(config, testDb.db, stores, lostJob.id);
      expect(await paramsByNumber(stores, lostJob.id)).toEqual(expected);

      // A trial left WAITING (created by a process that died before starting it; retries are
      // created WAITING too) is started first, with the params it was created with. New trials
      // are created RUNNING in one statement, so the process dies after a WAITING create here.
      const waiting = await stores.studies.create(spec());
      const dying: Stores = {
        ...stores,
        trials: {
          ...stores.trials,
          create: async (studyId, input) => {
            await stores.trials.create(studyId, { params: input.params });
            throw new Error('process killed');
          },
          createMany: async (studyId, inputs) => {
            await stores.trials.create(studyId, { params: inputs[0].params });
            throw new Error('process killed');
          },
        },
      };
      const killed = makeContext(dying, config);
      await expect(killed.loop.fill(waiting.id)).rejects.toThrow('process killed');
      await killed.close();
      expect((await stores.trials.list(waiting.id)).map((t) => t.state)).toEqual(['WAITING']);
      await runToCompletion(config, testDb.db, stores, waiting.id);
      expect(await paramsByNumber(stores, waiting.id)).toEqual(expected);
    } finally {
      await workers.close();
    }
  });
});
