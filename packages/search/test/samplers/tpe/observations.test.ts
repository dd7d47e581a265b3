import { describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../../src/index.js';
import { decomposeGroups } from '../../../src/samplers/tpe/group-decomposition.js';
import { rankOrder, scoreTrials, splitByRank } from '../../../src/samplers/tpe/observations.js';
import { defaultGamma, defaultWeights } from '../../../src/samplers/tpe/tpe-options.js';

const t = (number: number, state: FrozenTrial['state'], value: number | null, intermediate: Record<number, number> = {}): FrozenTrial => ({ number, state, params: { x: number }, value, intermediate });

describe('scoreTrials and rankOrder', () => {
  const history = [
    t(0, 'COMPLETE', 5),
    t(1, 'PRUNED', 0.1, { 1: 0.3, 2: 0.1 }),
    t(2, 'PRUNED', 9, { 1: 0.2, 4: 9 }),
    t(3, 'COMPLETE', 2),
    t(4, 'FAILED', null),
    t(5, 'RUNNING', null),
    t(6, 'PRUNED', null),
    t(7, 'PRUNED', NaN, { 4: NaN }),
    t(8, 'WAITING', null),
    t(9, 'PAUSED', 1, { 2: 1 }),
    t(10, 'COMPLETE', NaN),
  ];

  it('ranks COMPLETE by value, then PRUNED by furthest step and value there, then unfinished', () => {
    const scored = scoreTrials(history, 99, 'minimize', true);
    const order = [...rankOrder(scored)].map((i) => scored[i].trial.number);
    expect(order).toEqual([3, 0, 2, 7, 1, 6, 5, 8, 9]);
    expect(scored.filter((s) => s.finished).map((s) => s.trial.number)).toEqual([0, 1, 2, 3, 6, 7]);
  });

  it('flips values for maximize and leaves unfinished trials out without the constant liar', () => {
    const scored = scoreTrials(history, 99, 'maximize', false);
    expect([...rankOrder(scored)].map((i) => scored[i].trial.number)).toEqual([0, 3, 2, 7, 1, 6]);
  });

  it('splits the best n of the trials that have the group, each side in trial order', () => {
    const scored = scoreTrials(history, 99, 'minimize', true);
    const having = Uint8Array.from(scored, (s) => (s.trial.number === 3 ? 0 : 1));
    const { below, above } = splitByRank(rankOrder(scored), having, 2);
    expect(below.map((i) => scored[i].trial.number)).toEqual([0, 2]);
    expect(above.map((i) => scored[i].trial.number)).toEqual([1, 5, 6, 7, 8, 9]);
  });
});

describe('decomposeGroups', () => {
  it('separates parameters that do not always occur together', () => {
    const groups = decomposeGroups([
      ['model', 'depth', 'leaves'],
      ['model', 'lr', 'momentum'],
      ['model', 'lr'],
    ]).map((g) => g.sort());
    expect(groups.sort()).toEqual([['depth', 'leaves'], ['lr'], ['model'], ['momentum']]);
  });
});

describe('defaults', () => {
  it('gamma is min(ceil(0.1 n), 25)', () => {
    const g = defaultGamma();
    expect([0, 1, 10, 11, 100, 249, 251, 1000].map(g)).toEqual([0, 1, 1, 2, 10, 25, 25, 25]);
  });

  it('weights are Optuna default_weights: a ramp from 1/n for old trials, flat for the newest 25', () => {
    const w = Array.from(defaultWeights()(30));
    expect(w.slice(0, 5).map((v) => +v.toFixed(12))).toEqual([0.033333333333, 0.275, 0.516666666667, 0.758333333333, 1]);
    expect(w.slice(5)).toEqual(new Array(25).fill(1));
    expect(Array.from(defaultWeights()(10))).toEqual(new Array(10).fill(1));
  });
});
