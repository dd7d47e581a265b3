import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/rng.js';
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

  it('keeps infinite coordinates like any other value and drops NaN parameters', () => {
    const points = [
      { id: 'a', vloss: 0.2, params: Infinity },
      { id: 'b', vloss: Infinity, params: 5 },
      { id: 'c', vloss: Infinity, params: 5 },
      { id: 'd', vloss: Infinity, params: 6 }, // dominated by b
      { id: 'e', vloss: 0.1, params: NaN },
    ];
    expect(paretoFront(points).map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(paretoFront([{ id: 'x', vloss: 1, params: Infinity }]).map((p) => p.id)).toEqual(['x']);
  });

  it('agrees with the pairwise definition on random points with many ties', () => {
    // The definition itself, O(n²): a point is on the front when no other point dominates it.
    const reference = <T extends { vloss: number; params: number }>(pts: readonly T[]): T[] => {
      const valid = pts.filter((p) => !Number.isNaN(p.vloss) && !Number.isNaN(p.params));
      return valid.filter(
        (p) => !valid.some((q) => q.vloss <= p.vloss && q.params <= p.params && (q.vloss < p.vloss || q.params < p.params)),
      );
    };
    const rng = createRng(20261130);
    for (let round = 0; round < 200; round++) {
      const n = rng.int(0, 60);
      // Few distinct coordinates, so equal points and equal single coordinates are frequent.
      const points = Array.from({ length: n }, (_, id) => ({
        id,
        vloss: rng.next() < 0.05 ? NaN : rng.int(0, 8) / 8,
        params: rng.int(1, 10) * 100,
      }));
      expect(paretoFront(points).map((p) => p.id)).toEqual(reference(points).map((p) => p.id));
    }
  });

  it('returns the front in input order for a large shuffled staircase', () => {
    // 5,000 points on the staircase vloss = i, params = n - i (all on the front) mixed with one
    // dominated twin of each (params one higher), listed in an order unrelated to either axis.
    const n = 5_000;
    const rng = createRng(7);
    const points = Array.from({ length: 2 * n }, (_, k) => {
      const i = k >> 1;
      return { id: k, vloss: i, params: n - i + (k & 1) };
    });
    for (let k = points.length - 1; k > 0; k--) {
      const j = rng.int(0, k);
      [points[k], points[j]] = [points[j] as (typeof points)[number], points[k] as (typeof points)[number]];
    }
    const front = paretoFront(points);
    expect(front).toHaveLength(n);
    expect(front.every((p) => p.id % 2 === 0)).toBe(true);
    expect(front.map((p) => p.id)).toEqual(points.filter((p) => p.id % 2 === 0).map((p) => p.id));
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
