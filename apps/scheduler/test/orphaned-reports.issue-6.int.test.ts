/**
 * Issue 6 (chaos suite, scheduler kills): a scheduler killed while holding reports (active jobs of
 * `trial-events`, up to the consumer's concurrency) left them locked; BullMQ redelivered them only
 * once their locks expired, 30 s or more later and behind the trial's later reports. The next
 * scheduler now puts them back at the front of the queue when it starts.
 */
import { QUEUES, TRIAL_EVENT_VERSION, type TrialEventMessage, bullmqPrefix, trialEventJobId } from '@tunefleet/contracts';
import { serviceTest as test } from '@tunefleet/db/testing';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { startScheduler } from '../src/start.js';
import { REDIS_URL, functionStudy, gate, testConfig, waitFor } from './helpers/harness.js';

const v = TRIAL_EVENT_VERSION;

describe('reports a killed scheduler was holding', () => {
  test('are handled by the next scheduler at once, before the reports that came after them', async ({ testDb, stores, redisNamespace }) => {
    const study = await stores.studies.create(functionStudy({ maxTrials: 1, parallelism: 1, maxEpochs: 2 }));
    const config = testConfig(testDb, redisNamespace.prefix);
    const first = await startScheduler({ config, db: testDb.db });
    await waitFor('the trial dispatched', async () => (await stores.trials.countByState(study.id)).RUNNING === 1);
    await first.stop();
    const [trial] = await stores.trials.list(study.id);

    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const prefix = bullmqPrefix(redisNamespace.prefix);
    const events = new Queue(QUEUES.trialEvents, { connection, prefix });
    const send = (m: TrialEventMessage) => events.add(m.type, m, { jobId: trialEventJobId(m) });
    // A consumer that takes the first reports and never finishes them: the killed scheduler.
    const held = gate();
    const dead = new Worker(QUEUES.trialEvents, () => new Promise<void>(() => held.open()), { connection, prefix, concurrency: 2, lockDuration: 60_000 });
    let second: Awaited<ReturnType<typeof startScheduler>> | undefined;
    try {
      await send({ v, type: 'started', trialId: trial.id, attempt: 1, workerId: 'w', backend: 'cpu' });
      await send({ v, type: 'epoch', trialId: trial.id, epoch: 1, metrics: { value: 9, elapsedMs: 1 } });
      await held.wait();
      await waitFor('both reports held', async () => (await events.getJobCounts('active')).active === 2);
      // The dead consumer stops fetching, as a killed process would, but keeps its locks.
      await dead.pause(true);
      await send({ v, type: 'epoch', trialId: trial.id, epoch: 2, metrics: { value: 8, elapsedMs: 1 } });
      await send({ v, type: 'finished', trialId: trial.id, attempt: 1, outcome: 'complete', epoch: 2, metrics: { value: 8 } });

      const startedAt = Date.now();
      second = await startScheduler({ config, db: testDb.db });
      // The finished report is handled after the epoch reports: wait for both, not for the epochs alone.
      await waitFor(
        'the trial complete with both epochs',
        async () => (await stores.trials.get(trial.id)).state === 'COMPLETE' && (await stores.trials.intermediateValues(trial.id)).length === 2,
        20_000,
      );
      // Long before the held locks (60 s) expire.
      expect(Date.now() - startedAt).toBeLessThan(20_000);
    } finally {
      await second?.stop();
      await dead.close(true);
      await events.close();
      connection.disconnect();
      await stores.studies.remove(study.id);
    }
  });
});
