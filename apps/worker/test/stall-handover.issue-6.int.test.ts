/**
 * Issue 6 (chaos suite): a worker killed mid-trial leaves its job locked; when the lock expires,
 * BullMQ's stall check gives the same job to another worker. That delivery trained the trial
 * again from the job's startEpoch, repeating every epoch the dead worker had reported and
 * checkpointed. It now hands the trial back at the epoch reached (the job's progress), and the
 * scheduler dispatches it again from its newest checkpoint.
 */
import { QUEUES, TRIAL_RUN_JOB_NAME, type TrialRunJob, bullmqPrefix, trialRunJobId } from '@tunefleet/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TrainerPool } from '../src/trainer-client.js';
import { isFinished } from './helpers/event-log.js';
import { TEST_REDIS_URL } from './helpers/redis-namespace.js';
import { type WorkerFixture, startTestTrainers, startTestWorker } from './helpers/worker-fixture.js';

let trainers: TrainerPool;
let fixture: WorkerFixture | undefined;

beforeAll(async () => {
  trainers = await startTestTrainers();
});
afterAll(async () => {
  await trainers.close();
});
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const job = (trialId: string): TrialRunJob => ({
  v: 1,
  trialId,
  studyId: 'study-1',
  trialNumber: 0,
  params: { x1: 2, x2: 3 },
  objective: { kind: 'function', name: 'branin' },
  maxEpochs: 4,
  startEpoch: 0,
  seed: 7,
  attempt: 1,
});

/** Adds the job as a dead delivery leaves it: progress at `reachedEpoch`, back in the queue. */
async function enqueueHandedOver(prefix: string, trial: TrialRunJob, reachedEpoch: number): Promise<void> {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const trials = new Queue(QUEUES.trials, { connection, prefix: bullmqPrefix(prefix) });
  try {
    // Delayed, so that its progress is set before the worker can take it.
    const added = await trials.add(TRIAL_RUN_JOB_NAME, trial, { jobId: trialRunJobId(trial.trialId, trial.attempt), delay: 300 });
    await added.updateProgress({ epoch: reachedEpoch });
  } finally {
    await trials.close();
    connection.disconnect();
  }
}

describe('a trial.run job handed over by the stall check', () => {
  it('hands the trial back at the epoch its dead delivery reached instead of training those epochs again', async () => {
    fixture = await startTestWorker(trainers);
    await enqueueHandedOver(fixture.ns.prefix, job('stalled-1'), 2);
    await fixture.events.waitFor(isFinished('stalled-1'));
    expect(fixture.events.of('stalled-1').map((m) => [m.type, m.type === 'finished' ? [m.outcome, m.epoch] : null])).toEqual([
      ['started', null],
      ['finished', ['paused', 2]],
    ]);
  });

  it('runs a job whose last epoch was already reported, so that its missing finished report is sent', async () => {
    fixture = await startTestWorker(trainers);
    await enqueueHandedOver(fixture.ns.prefix, job('stalled-2'), 4);
    const finished = await fixture.events.waitFor(isFinished('stalled-2'));
    expect([finished.outcome, finished.epoch]).toEqual(['complete', 4]);
  });
});
