/**
 * Function-objective trials end to end through real Redis and BullMQ: the worker in-process, a
 * recorder in the scheduler's place. Real clock throughout (no fake timers against Redis).
 */
import { createHash } from 'node:crypto';
import {
  type TrialEventMessage,
  type TrialRunJob,
  parseWorkerHeartbeatEvent,
  trialCheckpointKey,
  trialStopKey,
  workerHeartbeatKey,
} from '@tunefleet/contracts';
import { evaluateTestFunction } from '@tunefleet/search';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { curveValue, functionCheckpoint } from '../src/function-objective.js';
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

const BRANIN_PARAMS = { x1: 2, x2: 3 };
const BRANIN_VALUE = evaluateTestFunction('branin', [2, 3]);

function functionJob(overrides: Partial<TrialRunJob> = {}): TrialRunJob {
  return {
    v: 1,
    trialId: 'fn-trial-1',
    studyId: 'study-1',
    trialNumber: 0,
    params: BRANIN_PARAMS,
    objective: { kind: 'function', name: 'branin' },
    maxEpochs: 3,
    startEpoch: 0,
    seed: 7,
    attempt: 1,
    ...overrides,
  };
}

const withoutTiming = (messages: TrialEventMessage[]) =>
  messages.map((m) => (m.type === 'epoch' ? { ...m, metrics: { ...m.metrics, elapsedMs: 0 } } : m));

describe('function-objective trials', () => {
  it('reports started, one epoch per epoch with its checkpoint, and finished, with deterministic values', async () => {
    fixture = await startTestWorker(trainers);
    const { events, ns } = fixture;
    await events.enqueue(functionJob());
    await events.waitFor(isFinished('fn-trial-1'));

    const checkpoint = (epoch: number) => {
      const { sha256, size } = functionCheckpoint('branin', [2, 3], epoch);
      return { epoch, sha256, size };
    };
    expect(withoutTiming(events.of('fn-trial-1'))).toEqual([
      { v: 1, type: 'started', trialId: 'fn-trial-1', attempt: 1, workerId: 'test-worker-1', backend: TEST_BACKEND },
      ...[1, 2, 3].map((epoch) => ({
        v: 1,
        type: 'epoch',
        trialId: 'fn-trial-1',
        epoch,
        metrics: { value: curveValue(BRANIN_VALUE, epoch), elapsedMs: 0 },
        checkpoint: checkpoint(epoch),
      })),
      { v: 1, type: 'finished', trialId: 'fn-trial-1', attempt: 1, outcome: 'complete', epoch: 3, metrics: { value: BRANIN_VALUE } },
    ]);
    // Each archive waits in Redis for the scheduler, with the sha256 and size the event names.
    for (const epoch of [1, 2, 3]) {
      const data = await ns.redis.getBuffer(trialCheckpointKey('fn-trial-1', epoch, ns.prefix));
      expect(data).not.toBeNull();
      expect(createHash('sha256').update(data!).digest('hex')).toBe(checkpoint(epoch).sha256);
      expect(await ns.redis.ttl(trialCheckpointKey('fn-trial-1', epoch, ns.prefix))).toBeGreaterThan(0);
    }
  });

  it('ends as stopped, after the epoch in progress, once the stop key is set', async () => {
    fixture = await startTestWorker(trainers, { FUNCTION_EPOCH_MS: '100' });
    const { events, ns } = fixture;
    await events.enqueue(functionJob({ maxEpochs: 100 }));
    await events.waitFor(isEpoch('fn-trial-1', 1));
    await ns.redis.set(trialStopKey('fn-trial-1', ns.prefix), '1');
    const finished = await events.waitFor(isFinished('fn-trial-1'));
    expect(finished.outcome).toBe('stopped');
    expect(finished.epoch).toBeGreaterThanOrEqual(1);
    expect(finished.epoch).toBeLessThan(100);
    expect(finished.failure).toBeUndefined();
    // Nothing is reported after the stop, and every reported epoch was checkpointed.
    const epochs = events.of('fn-trial-1').filter((m) => m.type === 'epoch');
    expect(epochs.map((m) => m.epoch)).toEqual(Array.from({ length: finished.epoch }, (_, i) => i + 1));
  });

  it('does not train a trial whose stop key is set before it starts', async () => {
    fixture = await startTestWorker(trainers);
    const { events, ns } = fixture;
    await ns.redis.set(trialStopKey('fn-trial-1', ns.prefix), '1');
    await events.enqueue(functionJob({ startEpoch: 0 }));
    const finished = await events.waitFor(isFinished('fn-trial-1'));
    expect(finished).toMatchObject({ outcome: 'stopped', epoch: 0 });
    expect(events.of('fn-trial-1').map((m) => m.type)).toEqual(['started', 'finished']);
  });

  it('ends a job at its maxEpochs rung after that epoch is checkpointed, and a promoted job resumes from the archive', async () => {
    fixture = await startTestWorker(trainers);
    const { events } = fixture;
    // Promotion ASHA: the job's maxEpochs is the rung (contracts: the scheduler reads this ending as PAUSED).
    await events.enqueue(functionJob({ maxEpochs: 2 }));
    const atRung = await events.waitFor(isFinished('fn-trial-1'));
    expect(atRung).toMatchObject({ attempt: 1, epoch: 2 });
    expect(events.of('fn-trial-1').filter((m) => m.type === 'epoch').at(-1)).toMatchObject({ epoch: 2, checkpoint: { epoch: 2 } });

    await events.enqueue(functionJob({ attempt: 2, startEpoch: 2, maxEpochs: 4, resumeCheckpoint: { trialId: 'fn-trial-1', epoch: 2 } }));
    const promoted = await events.waitFor((m) => isFinished('fn-trial-1')(m) && m.attempt === 2);
    expect(promoted).toMatchObject({ outcome: 'complete', epoch: 4, metrics: { value: BRANIN_VALUE } });
    const epochs = events.of('fn-trial-1').filter((m) => m.type === 'epoch');
    expect(epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
  });

  it('reports a missing resume archive as checkpoint-corrupt without retrying', async () => {
    fixture = await startTestWorker(trainers);
    const { events } = fixture;
    await events.enqueue(functionJob({ attempt: 2, startEpoch: 2, maxEpochs: 4, resumeCheckpoint: { trialId: 'fn-trial-1', epoch: 2 } }));
    const finished = await events.waitFor(isFinished('fn-trial-1'));
    expect(finished).toMatchObject({ outcome: 'failed', epoch: 2, failure: { type: 'checkpoint-corrupt' } });
    expect(finished.failure!.message).toMatch(/no checkpoint archive of trial fn-trial-1 at epoch 2/);
    const job = await events.trialJob('fn-trial-1', 2);
    expect(job?.attemptsMade).toBe(1);
  });

  it('reports a corrupt resume archive as checkpoint-corrupt', async () => {
    fixture = await startTestWorker(trainers);
    const { events, ns } = fixture;
    await ns.redis.set(trialCheckpointKey('fn-trial-1', 2, ns.prefix), Buffer.from('not a tar archive'));
    await events.enqueue(functionJob({ attempt: 2, startEpoch: 2, maxEpochs: 4, resumeCheckpoint: { trialId: 'fn-trial-1', epoch: 2 } }));
    const finished = await events.waitFor(isFinished('fn-trial-1'));
    expect(finished).toMatchObject({ outcome: 'failed', failure: { type: 'checkpoint-corrupt' } });
  });

  it('fails a trial at once for params its function cannot take', async () => {
    fixture = await startTestWorker(trainers);
    const { events } = fixture;
    await events.enqueue(functionJob({ params: { x1: 1 } }), { attempts: 3 });
    const finished = await events.waitFor(isFinished('fn-trial-1'));
    expect(finished).toMatchObject({ outcome: 'failed', epoch: 0, failure: { type: 'invalid-params' } });
    expect(finished.failure!.message).toMatch(/branin takes exactly 2 inputs, got 1/);
    const job = await events.trialJob('fn-trial-1', 1);
    expect(job?.attemptsMade).toBe(1);
    expect(await job?.getState()).toBe('failed');
  });

  it('sends heartbeats with its backend and the trial it trains, and hands the trial back on stop()', async () => {
    fixture = await startTestWorker(trainers, { FUNCTION_EPOCH_MS: '100' });
    const { events, ns, worker } = fixture;
    const key = workerHeartbeatKey('test-worker-1', ns.prefix);
    expect(parseWorkerHeartbeatEvent(JSON.parse((await ns.redis.get(key))!))).toMatchObject({ workerId: 'test-worker-1', backend: TEST_BACKEND });

    await events.enqueue(functionJob({ maxEpochs: 100 }));
    await events.waitFor((m) => m.type === 'heartbeat' && m.trialId === 'fn-trial-1');
    expect(await ns.redis.pttl(key)).toBeGreaterThan(0);

    await events.waitFor(isEpoch('fn-trial-1', 2));
    await worker.stop();
    const finished = await events.waitFor(isFinished('fn-trial-1'));
    expect(finished.outcome).toBe('paused');
    expect(finished.epoch).toBeGreaterThanOrEqual(2);
    expect(finished.epoch).toBeLessThan(100);
    // A worker that left on purpose removes its liveness key.
    expect(await ns.redis.exists(key)).toBe(0);
  });
});
