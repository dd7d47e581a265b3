import { describe, expect, it } from 'vitest';
import { bestTrial, compareTrials, paretoFront } from '../../src/study/ranking.js';
import type { FrozenTrial } from '../../src/trial/frozen-trial.js';
import type { TrialState } from '../../src/trial/lifecycle.js';

const t = (number: number, state: TrialState, value: number | null, intermediate: Record<number, number> = {}): FrozenTrial => ({
  number,
  state,
  params: {},
  value,
  intermediate,
});

describe('paretoFront', () => {
  it('keeps the non-dominated points in input order, equal points included', () => {
    const points = [
      { id: 'a', vloss: 0.5, params: 100 },
      { id: 'b', vloss: 0.4, params: 200 },
      { id: 'c', vloss: 0.6, params: 150 }, // dominated by a
      { id: 'd', vloss: 0.3, params: 1000 },
      { id: 'e', vloss: 0.5, params: 100 }, // equal to a
      { id: 'f', vloss: 0.4, params: 250 }, // dominated by b (same vloss, more params)
      { id: 'g', vloss: NaN, params: 10 },
    ];
    expect(paretoFront(points).map((p) => p.id)).toEqual(['a', 'b', 'd', 'e']);
    expect(paretoFront([])).toEqual([]);
  });
});

describe('compareTrials', () => {
  it('orders COMPLETE by value, then PRUNED by furthest epoch then value, then open, then FAILED and NaN', () => {
    const trials = [
      t(0, 'FAILED', null, { 1: 0.1 }),
      t(1, 'PRUNED', 0.3, { 1: 0.5, 2: 0.3 }),
      t(2, 'COMPLETE', 0.4),
      t(3, 'PRUNED', 0.2, { 1: 0.2 }),
      t(4, 'COMPLETE', NaN),
      t(5, 'COMPLETE', 0.2),
      t(6, 'RUNNING', null, { 1: 0.1 }),
      t(7, 'PRUNED', 0.25, { 1: 0.6, 2: 0.25 }),
      t(8, 'PRUNED', null, { 1: NaN }),
      t(9, 'WAITING', null),
      t(10, 'COMPLETE', 0.2),
    ];
    const order = [...trials].sort(compareTrials('minimize')).map((x) => x.number);
    expect(order).toEqual([5, 10, 2, 7, 1, 3, 6, 9, 0, 4, 8]);
    const max = [...trials].sort(compareTrials('maximize')).map((x) => x.number);
    expect(max).toEqual([2, 5, 10, 1, 7, 3, 6, 9, 0, 4, 8]);
  });
});

describe('bestTrial', () => {
  it('is the best COMPLETE trial with a value, or null', () => {
    expect(bestTrial([t(0, 'PRUNED', 0.01, { 1: 0.01 }), t(1, 'COMPLETE', NaN)], 'minimize')).toBeNull();
    const trials = [t(0, 'COMPLETE', 0.3), t(1, 'COMPLETE', 0.2), t(2, 'COMPLETE', 0.2), t(3, 'PRUNED', 0.1, { 1: 0.1 })];
    expect(bestTrial(trials, 'minimize')?.number).toBe(1);
    expect(bestTrial(trials, 'maximize')?.number).toBe(0);
  });
});
