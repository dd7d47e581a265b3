import { describe, expect, it } from 'vitest';
import {
  ContractError,
  type TrialEventMessage,
  parseTrialEpochEvent,
  parseTrialEventMessage,
  parseTrialFinishedEvent,
  parseTrialStartedEvent,
  parseWorkerHeartbeatEvent,
} from '../src/index.js';

const trialId = '6f1c2a9e-3b7d-4c1e-9a55-0d2b8e4f7a10';
const sha = 'a'.repeat(64);

const started = { v: 1, type: 'started', trialId, attempt: 1, workerId: 'gpu-box-4242', backend: 'tensorflow-gpu' } as const;
const epoch = {
  v: 1,
  type: 'epoch',
  trialId,
  epoch: 3,
  metrics: { vloss: 0.91, accuracy: 0.68, f1: 0.67, trainLoss: 0.95, imagesPerSec: 5120.5, elapsedMs: 8800 },
  checkpoint: { epoch: 3, sha256: sha, size: 3_502_368 },
} as const;
const finished = {
  v: 1,
  type: 'finished',
  trialId,
  attempt: 2,
  outcome: 'complete',
  epoch: 8,
  metrics: {
    vloss: 0.54,
    accuracy: 0.82,
    f1: 0.81,
    perClassAccuracy: [0.9, 0.8],
    confusionMatrix: [[9, 1], [2, 8]],
    parameterCount: 875_592,
  },
} as const;
const heartbeat = {
  v: 1,
  type: 'heartbeat',
  workerId: 'gpu-box-4242',
  host: 'gpu-box',
  backend: 'tensorflow-gpu',
  gpu: 'NVIDIA H200',
  trialId,
  sentAtMs: 1_780_000_000_000,
} as const;

function issuesOf(parse: (v: unknown) => unknown, value: unknown): string[] {
  try {
    parse(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    return (err as ContractError).issues.map((i) => `${i.path} ${i.message}`);
  }
  throw new Error('expected a ContractError');
}

describe('parseTrialEventMessage', () => {
  it.each([started, epoch, finished, heartbeat])('accepts a valid $type message after a JSON round trip', (message) => {
    expect(parseTrialEventMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
  });

  it('chooses the schema by type and names an unknown type', () => {
    expect(issuesOf(parseTrialEventMessage, { ...started, type: 'progress' })).toEqual([
      '/type must be one of started, epoch, finished, heartbeat, got "progress"',
    ]);
    expect(issuesOf(parseTrialEventMessage, { ...epoch, attempt: 1 })).toEqual([' has unknown properties attempt']);
  });

  it('names the message in the error', () => {
    expect(() => parseTrialEventMessage({ ...started, backend: 'cuda' })).toThrow(/^invalid trial-events started message: \/backend/);
  });

  it('narrows to the message type', () => {
    const message: TrialEventMessage = parseTrialEventMessage(finished);
    if (message.type !== 'finished') throw new Error('expected finished');
    expect(message.outcome).toBe('complete');
  });
});

describe('the per-message parsers', () => {
  it('started: requires a known backend and an attempt', () => {
    expect(parseTrialStartedEvent(started)).toEqual(started);
    expect(issuesOf(parseTrialStartedEvent, { ...started, attempt: 0 })).toEqual(['/attempt must be >= 1']);
  });

  it('epoch: validates metric ranges and the checkpoint reference', () => {
    expect(issuesOf(parseTrialEpochEvent, { ...epoch, metrics: { ...epoch.metrics, accuracy: 1.2 } })).toEqual([
      '/metrics/accuracy must be <= 1',
    ]);
    expect(issuesOf(parseTrialEpochEvent, { ...epoch, checkpoint: { ...epoch.checkpoint, sha256: 'xyz' } })).toEqual([
      expect.stringMatching(/^\/checkpoint\/sha256 must match pattern/),
    ]);
    expect(issuesOf(parseTrialEpochEvent, { ...epoch, checkpoint: { ...epoch.checkpoint, epoch: 2 } })).toEqual([
      '/checkpoint/epoch must equal epoch (3), got 2',
    ]);
    expect(issuesOf(parseTrialEpochEvent, { ...epoch, epoch: 0 })).toContain('/epoch must be >= 1');
  });

  it('epoch: rejects a NaN loss, which JSON turns into null', () => {
    const wire = JSON.parse(JSON.stringify({ ...epoch, metrics: { ...epoch.metrics, vloss: Number.NaN } }));
    expect(issuesOf(parseTrialEpochEvent, wire)).toEqual([expect.stringMatching(/^\/metrics\/vloss /)]);
  });

  it('epoch: accepts a function objective reporting only its value', () => {
    const fn = { v: 1, type: 'epoch', trialId, epoch: 1, metrics: { value: -0.39, elapsedMs: 1 } };
    expect(parseTrialEpochEvent(fn)).toEqual(fn);
  });

  it('finished: requires failure exactly when the outcome is failed, and metrics when complete', () => {
    const failed = { ...finished, outcome: 'failed', metrics: undefined, failure: { type: 'diverged', message: 'loss became NaN at epoch 2' } };
    const { metrics: _m, ...withoutMetrics } = failed;
    expect(parseTrialFinishedEvent(withoutMetrics)).toEqual(withoutMetrics);
    const { failure: _f, ...noFailure } = withoutMetrics;
    expect(issuesOf(parseTrialFinishedEvent, noFailure)).toEqual(['/failure is required when outcome is failed']);
    expect(issuesOf(parseTrialFinishedEvent, { ...finished, failure: failed.failure })).toEqual([
      '/failure must be absent when outcome is complete',
    ]);
    const { metrics: _n, ...completeWithoutMetrics } = finished;
    expect(issuesOf(parseTrialFinishedEvent, completeWithoutMetrics)).toEqual(['/metrics is required when outcome is complete']);
    expect(issuesOf(parseTrialFinishedEvent, { ...finished, outcome: 'done' })).toEqual([
      expect.stringMatching(/^\/outcome /),
    ]);
    expect(issuesOf(parseTrialFinishedEvent, { ...withoutMetrics, failure: { type: 'Out Of Memory', message: 'x' } })).toEqual([
      expect.stringMatching(/^\/failure\/type must match pattern/),
    ]);
  });

  it('finished: a paused or stopped job needs neither metrics nor failure', () => {
    const { metrics: _m, ...bare } = finished;
    expect(parseTrialFinishedEvent({ ...bare, outcome: 'paused', epoch: 2 })).toMatchObject({ outcome: 'paused' });
    expect(parseTrialFinishedEvent({ ...bare, outcome: 'stopped', epoch: 3 })).toMatchObject({ outcome: 'stopped' });
  });

  it('heartbeat: trialId and gpu are optional, the worker id may not contain a colon', () => {
    const { trialId: _t, gpu: _g, ...idle } = heartbeat;
    expect(parseWorkerHeartbeatEvent({ ...idle, backend: 'wasm' })).toEqual({ ...idle, backend: 'wasm' });
    expect(issuesOf(parseWorkerHeartbeatEvent, { ...heartbeat, workerId: 'host:1' })).toEqual([
      expect.stringMatching(/^\/workerId must match pattern/),
    ]);
  });
});
