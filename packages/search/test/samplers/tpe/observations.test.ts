import { describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../../src/index.js';
import { decomposeGroups } from '../../../src/samplers/tpe/group-decomposition.js';
import { ranksBefore, scoreTrials, selectBelow, type ScoredTrials } from '../../../src/samplers/tpe/observations.js';
import { defaultGamma, defaultWeights } from '../../../src/samplers/tpe/tpe-options.js';

const t = (number: number, state: FrozenTrial['state'], value: number | null, intermediate: Record<number, number> = {}): FrozenTrial => ({ number, state, params: { x: number }, value, intermediate });

/** Trial numbers from best to worst, by sorting with ranksBefore. */
const ranked = (s: ScoredTrials): number[] =>
  s.trials
    .map((_, i) => i)
    .sort((i, j) => (ranksBefore(s, i, j) ? -1 : ranksBefore(s, j, i) ? 1 : 0))
    .map((i) => s.trials[i].number);

describe('scoreTrials and ranksBefore', () => {
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
    expect(ranked(scored)).toEqual([3, 0, 2, 7, 1, 6, 5, 8, 9]);
    expect(scored.trials.filter((_, i) => scored.finished[i]).map((t) => t.number)).toEqual([0, 1, 2, 3, 6, 7]);
    expect(scored.nFinished).toBe(6);
  });

  it('flips values for maximize and leaves unfinished trials out without the constant liar', () => {
    const scored = scoreTrials(history, 99, 'maximize', false);
    expect(ranked(scored)).toEqual([0, 3, 2, 7, 1, 6]);
  });

  it('reads a history out of trial order as if it were sorted', () => {
    const shuffled = [history[4], history[9], history[0], history[7], history[1], history[10], history[3], history[8], history[2], history[6], history[5]];
    const scored = scoreTrials(shuffled, 99, 'minimize', true);
    expect(scored.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(ranked(scored)).toEqual([3, 0, 2, 7, 1, 6, 5, 8, 9]);
  });

  it('leaves out the trial being suggested', () => {
    expect(scoreTrials(history, 3, 'minimize', true).trials.map((t) => t.number)).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
  });

  it('selects the best n of the trials that have the group', () => {
    const scored = scoreTrials(history, 99, 'minimize', true);
    const numbers = (mask: Uint8Array): number[] => scored.trials.filter((_, i) => mask[i]).map((t) => t.number);
    const having = Uint8Array.from(scored.trials, (t) => (t.number === 3 ? 0 : 1));
    expect(numbers(selectBelow(scored, having, 2))).toEqual([0, 2]);
    expect(numbers(selectBelow(scored, having, 2.7))).toEqual([0, 2]);
    expect(numbers(selectBelow(scored, having, 0))).toEqual([]);
    expect(numbers(selectBelow(scored, having, 100))).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
  });

  it('selects the same good group as a stable sort, whatever the order of arrival', () => {
    // Many ties and values that keep improving (every trial enters the buffer) or worsening.
    const rising: FrozenTrial[] = Array.from({ length: 200 }, (_, i) => t(i, 'COMPLETE', Math.floor(i / 3)));
    const falling: FrozenTrial[] = Array.from({ length: 200 }, (_, i) => t(i, 'COMPLETE', 100 - Math.floor(i / 3)));
    for (const h of [rising, falling]) {
      const scored = scoreTrials(h, 999, 'minimize', false);
      const all = new Uint8Array(h.length).fill(1);
      for (const k of [1, 5, 25]) {
        const want = ranked(scored).slice(0, k).sort((a, b) => a - b);
        expect(scored.trials.filter((_, i) => selectBelow(scored, all, k)[i]).map((x) => x.number)).toEqual(want);
      }
    }
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
