import { type TrialRunJob, parseTrialFinishedEvent } from '@tunefleet/contracts';
import { describe, expect, it } from 'vitest';
import { epochMetrics, finalMetrics, finishedEvent } from '../src/process-trial.js';

const job = { trialId: 't1', attempt: 2 } as TrialRunJob;
const metrics = { value: 1.5 };

describe('finishedEvent', () => {
  it.each([
    ['complete', null, { outcome: 'complete', metrics }],
    ['complete', 'handed-back', { outcome: 'complete', metrics }],
    ['complete', 'stop-requested', { outcome: 'stopped' }],
    ['interrupted', 'stop-requested', { outcome: 'stopped' }],
    ['interrupted', 'handed-back', { outcome: 'paused', metrics }],
  ] as const)('turns %s with interrupt %s into %j', (result, reason, expected) => {
    const event = finishedEvent(job, { result, epoch: 3, metrics }, reason);
    expect(event).toEqual({ v: 1, type: 'finished', trialId: 't1', attempt: 2, epoch: 3, ...expected });
    expect(parseTrialFinishedEvent(event)).toBe(event);
  });

  it('reports divergence as a failure, even when a stop was requested', () => {
    const event = finishedEvent(job, { result: 'diverged', epoch: 1, divergence: 'the train loss became NaN in epoch 2 (batch 3)' }, 'stop-requested');
    expect(event).toMatchObject({ outcome: 'failed', failure: { type: 'diverged', message: 'the train loss became NaN in epoch 2 (batch 3)' } });
    expect(parseTrialFinishedEvent(event)).toBe(event);
  });
});

describe('epoch and final metrics', () => {
  const report = {
    epoch: 2,
    trainLoss: 2.1,
    valLoss: 2.2,
    valAccuracy: 0.25,
    meanClassAccuracy: 0.24,
    perClassAccuracy: Array(10).fill(0.25),
    macroF1: 0.2,
    confusionMatrix: [[1]],
    imagesPerSecond: 812.4,
    elapsedMs: 1234.6,
  };

  it('maps a report onto the contract fields', () => {
    expect(epochMetrics(report)).toEqual({ vloss: 2.2, accuracy: 0.25, f1: 0.2, trainLoss: 2.1, imagesPerSec: 812.4, elapsedMs: 1235 });
    expect(finalMetrics(report, 1234)).toEqual({
      vloss: 2.2,
      accuracy: 0.25,
      f1: 0.2,
      perClassAccuracy: report.perClassAccuracy,
      confusionMatrix: [[1]],
      parameterCount: 1234,
    });
  });

  it('leaves out a throughput that is not finite (an epoch too short to time)', () => {
    expect(epochMetrics({ ...report, imagesPerSecond: Number.POSITIVE_INFINITY })).not.toHaveProperty('imagesPerSec');
  });
});
