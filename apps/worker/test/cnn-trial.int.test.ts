/**
 * CNN trials on a small slice of the real CIFAR-10 (../shared/datasets/cifar10), trained in the
 * trainer child process on the wasm backend, through real Redis and BullMQ.
 */
import { type TrialEventMessage, type TrialRunJob, trialCheckpointKey } from '@tunefleet/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointFiles, sha256Hex } from '../src/checkpoint-archive.js';
import type { TrainerPool } from '../src/trainer-client.js';
import { isEpoch, isFinished } from './helpers/event-log.js';
import { TEST_BACKEND, type WorkerFixture, startTestTrainers, startTestWorker } from './helpers/worker-fixture.js';

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

/** Two 3×3 blocks (sides 16, 8), channels 4 → 8, one dense layer: a few thousand parameters. */
const TINY_MODEL = {
  cnn_layers: 2,
  starting_channels: 4,
  final_channels: 8,
  fcn_layers: 1,
  downsample: 4,
  pooling: 'max',
  batch_size: 64,
  learning_rate: 0.003,
};

function cnnJob(overrides: Partial<TrialRunJob> = {}): TrialRunJob {
  return {
    v: 1,
    trialId: 'cnn-trial-a',
    studyId: 'study-1',
    trialNumber: 0,
    params: TINY_MODEL,
    objective: { kind: 'cnn', dataset: { name: 'cifar10', trainSize: 256, validationSize: 128, testSize: 0 } },
    maxEpochs: 2,
    startEpoch: 0,
    seed: 1234,
    attempt: 1,
    ...overrides,
  };
}

type EpochEvent = Extract<TrialEventMessage, { type: 'epoch' }>;

describe('CNN trials', () => {
  it('trains in the trainer process, reports each epoch with a checkpoint archive, and a retry resumes from epoch 1', async () => {
    fixture = await startTestWorker(trainers);
    const { events, ns } = fixture;

    // The event loop of the worker stays free while the child trains: a 20 ms timer never runs late by much.
    let lateMs = 0;
    let expected = performance.now() + 20;
    const timer = setInterval(() => {
      lateMs = Math.max(lateMs, performance.now() - expected);
      expected = performance.now() + 20;
    }, 20);
    await events.enqueue(cnnJob());
    const finished = await events.waitFor(isFinished('cnn-trial-a'), 120_000);
    clearInterval(timer);
    expect(lateMs).toBeLessThan(500);

    const messages = events.of('cnn-trial-a');
    expect(messages.map((m) => m.type)).toEqual(['started', 'epoch', 'epoch', 'finished']);
    expect(messages[0]).toMatchObject({ type: 'started', backend: TEST_BACKEND, workerId: 'test-worker-1' });
    const epochs = messages.filter((m): m is EpochEvent => m.type === 'epoch');
    for (const [i, event] of epochs.entries()) {
      expect(event.epoch).toBe(i + 1);
      expect(event.metrics.vloss).toBeGreaterThan(0);
      expect(event.metrics.accuracy).toBeGreaterThanOrEqual(0);
      expect(event.metrics.accuracy).toBeLessThanOrEqual(1);
      expect(event.metrics.f1).toBeGreaterThanOrEqual(0);
      expect(event.metrics.trainLoss).toBeGreaterThan(0);
      expect(event.metrics.elapsedMs).toBeGreaterThan(0);
      // The archive in Redis is the one the event names, and holds the whole checkpoint folder.
      const data = await ns.redis.getBuffer(trialCheckpointKey('cnn-trial-a', event.epoch, ns.prefix));
      expect(data).not.toBeNull();
      expect(event.checkpoint).toEqual({ epoch: event.epoch, sha256: sha256Hex(data!), size: data!.byteLength });
      expect([...readCheckpointFiles(data!, event.epoch).keys()].sort()).toEqual(
        ['manifest.json', 'model.json', 'optimizer.bin', 'optimizer.json', 'state.json', 'weights.bin'],
      );
    }
    expect(finished).toMatchObject({ outcome: 'complete', attempt: 1, epoch: 2, metrics: { vloss: epochs[1].metrics.vloss } });
    expect(finished.metrics!.parameterCount).toBeGreaterThan(100);
    expect(finished.metrics!.perClassAccuracy).toHaveLength(10);
    expect(finished.metrics!.confusionMatrix!.flat().reduce((a, b) => a + b, 0)).toBe(128);

    // A retry trial (another id and seed) resumes from trial a's epoch-1 archive: it continues that
    // checkpoint's random streams, so its epoch 2 is trial a's epoch 2.
    await events.enqueue(cnnJob({ trialId: 'cnn-trial-b', seed: 99, startEpoch: 1, resumeCheckpoint: { trialId: 'cnn-trial-a', epoch: 1 } }));
    const resumed = await events.waitFor(isFinished('cnn-trial-b'), 120_000);
    expect(resumed).toMatchObject({ outcome: 'complete', epoch: 2 });
    const resumedEpochs = events.of('cnn-trial-b').filter((m): m is EpochEvent => m.type === 'epoch');
    expect(resumedEpochs.map((m) => m.epoch)).toEqual([2]);
    expect(resumedEpochs[0].metrics.vloss).toBeCloseTo(epochs[1].metrics.vloss!, 5);
    expect(resumedEpochs[0].metrics.accuracy).toBe(epochs[1].metrics.accuracy);
  });

  it('fails a trial with invalid hyperparameters at once, without retrying', async () => {
    fixture = await startTestWorker(trainers);
    const { events } = fixture;
    await events.enqueue(cnnJob({ params: { ...TINY_MODEL, cnn_layers: 40, activation: 'sigmoid' } }), { attempts: 3 });
    const finished = await events.waitFor(isFinished('cnn-trial-a'));
    expect(finished).toMatchObject({ outcome: 'failed', epoch: 0, failure: { type: 'invalid-params' } });
    expect(finished.failure!.message).toMatch(/cnn_layers/);
    expect(finished.failure!.message).toMatch(/activation/);
    const job = await events.trialJob('cnn-trial-a', 1);
    expect(job?.attemptsMade).toBe(1);
  });

  it('stops training when the stop key is set, and hands back a trial whose trainer process died after an epoch', async () => {
    fixture = await startTestWorker(trainers);
    const { events, ns } = fixture;
    const [firstPid] = trainers.pids;

    // Killed mid-training: the attempt fails as transient and BullMQ retries the job; epoch 1 is
    // already reported and checkpointed, so the retry hands the trial back at epoch 1 (paused)
    // for the scheduler to resume from that checkpoint instead of training epoch 1 again.
    await events.enqueue(cnnJob({ maxEpochs: 3 }), { attempts: 2 });
    await events.waitFor(isEpoch('cnn-trial-a', 1), 120_000);
    process.kill(firstPid, 'SIGKILL');
    const finished = await events.waitFor(isFinished('cnn-trial-a'), 120_000);
    expect(finished).toMatchObject({ outcome: 'paused', epoch: 1 });
    // attemptsStarted counts moves to active; the job may still be finishing its second attempt.
    expect((await events.trialJob('cnn-trial-a', 1))?.attemptsStarted).toBe(2);

    // A stop key ends the next trial as stopped, before its last epoch; it trains on a fresh process.
    await events.enqueue(cnnJob({ trialId: 'cnn-trial-c', maxEpochs: 20 }));
    await events.waitFor(isEpoch('cnn-trial-c', 1), 120_000);
    expect(trainers.pids).toHaveLength(1);
    expect(trainers.pids[0]).not.toBe(firstPid);
    await ns.redis.set(`${ns.prefix}:trial:cnn-trial-c:stop`, '1');
    const stopped = await events.waitFor(isFinished('cnn-trial-c'), 120_000);
    expect(stopped.outcome).toBe('stopped');
    expect(stopped.epoch).toBeLessThan(20);
  });
});
