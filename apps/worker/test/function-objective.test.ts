import type { TrialRunJob } from '@tunefleet/contracts';
import { describe, expect, it } from 'vitest';
import { CheckpointArchiveError } from '../src/checkpoint-archive.js';
import {
  CURVE_GAP,
  FunctionParamsError,
  curveValue,
  evaluateFunctionObjective,
  functionCheckpoint,
  functionInputs,
  runFunctionObjective,
  verifyFunctionCheckpoint,
} from '../src/function-objective.js';

const job = (overrides: Partial<TrialRunJob> = {}) =>
  ({
    v: 1,
    trialId: 'trial-1',
    studyId: 'study-1',
    trialNumber: 0,
    params: { x1: Math.PI, x2: 2.275 },
    objective: { kind: 'function', name: 'branin' },
    maxEpochs: 3,
    startEpoch: 0,
    seed: 1,
    attempt: 1,
    ...overrides,
  }) as TrialRunJob & { objective: { kind: 'function' } };

describe('function objectives', () => {
  it('orders params naturally, so x10 comes after x9', () => {
    expect(functionInputs({ x10: 10, x2: 2, x1: 1, x9: 9 })).toEqual([1, 2, 9, 10]);
  });

  it('names a param that is not a finite number', () => {
    expect(() => functionInputs({ x1: 1, x2: 'adam' })).toThrow(new FunctionParamsError('params.x2', 'must be a finite number for a function objective, got "adam"'));
  });

  it('evaluates the named test function', () => {
    expect(evaluateFunctionObjective('branin', { x1: Math.PI, x2: 2.275 })).toBeCloseTo(0.397887, 5);
    expect(evaluateFunctionObjective('sphere', { a: 3, b: 4 })).toBe(25);
    expect(evaluateFunctionObjective('rosenbrock', { x0: 1, x1: 1, x2: 1 })).toBe(0);
  });

  it('reports a wrong number of inputs as a params error', () => {
    expect(() => evaluateFunctionObjective('branin', { x: 1 })).toThrow(FunctionParamsError);
    expect(() => evaluateFunctionObjective('branin', { x: 1 })).toThrow(/exactly 2 inputs, got 1/);
  });

  it('has a learning curve that falls towards the value and keeps the order of values at every epoch', () => {
    expect(curveValue(1, 1)).toBe(1 + CURVE_GAP);
    expect(curveValue(1, 4)).toBe(1 + CURVE_GAP / 4);
    for (const epoch of [1, 2, 7]) expect(curveValue(-3, epoch)).toBeLessThan(curveValue(0.5, epoch));
    expect(curveValue(2, 3)).toBeLessThan(curveValue(2, 2));
  });

  it('runs epochs startEpoch + 1 … maxEpochs with a checkpoint each', async () => {
    const seen: [number, number | undefined][] = [];
    const result = await runFunctionObjective(job({ startEpoch: 1, maxEpochs: 4 }), {
      epochMs: 0,
      signal: new AbortController().signal,
      onEpochEnd: async (epoch, metrics, checkpoint) => {
        seen.push([epoch, metrics.value]);
        verifyFunctionCheckpoint(checkpoint.data, 'branin', [Math.PI, 2.275], epoch);
      },
    });
    const value = evaluateFunctionObjective('branin', { x1: Math.PI, x2: 2.275 });
    expect(seen).toEqual([2, 3, 4].map((e) => [e, curveValue(value, e)]));
    expect(result).toEqual({ outcome: 'complete', epochsCompleted: 4, metrics: { value } });
  });

  it('ends before the next epoch once interrupted', async () => {
    const controller = new AbortController();
    const result = await runFunctionObjective(job({ maxEpochs: 5 }), {
      epochMs: 0,
      signal: controller.signal,
      onEpochEnd: async (epoch) => {
        if (epoch === 2) controller.abort();
      },
    });
    expect(result.outcome).toBe('interrupted');
    expect(result.epochsCompleted).toBe(2);
  });

  it('interrupts a simulated epoch while it lasts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const result = await runFunctionObjective(job({ maxEpochs: 2 }), { epochMs: 60_000, signal: controller.signal, onEpochEnd: async () => {} });
    expect(result).toMatchObject({ outcome: 'interrupted', epochsCompleted: 0 });
  });

  it('refuses to resume from a checkpoint of other params or another epoch', () => {
    const { data } = functionCheckpoint('branin', [1, 2], 2);
    expect(() => verifyFunctionCheckpoint(data, 'branin', [1, 2], 2)).not.toThrow();
    expect(() => verifyFunctionCheckpoint(data, 'branin', [1, 3], 2)).toThrow(CheckpointArchiveError);
    expect(() => verifyFunctionCheckpoint(data, 'sphere', [1, 2], 2)).toThrow(/not a sphere checkpoint/);
    expect(() => verifyFunctionCheckpoint(data, 'branin', [1, 2], 3)).toThrow(/outside epoch-3/);
  });
});
