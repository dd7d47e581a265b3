import type { FrozenTrial, TrialState } from '@tunefleet/search';
import { describe, expect, it } from 'vitest';
import { historyAsOf } from '../src/history-view.js';

const trial = (number: number, state: TrialState, value: number | null = null): FrozenTrial => ({
  number,
  state,
  params: { x: number },
  value,
  intermediate: value === null ? {} : { 1: value },
});

describe('historyAsOf', () => {
  it('shows trials older than the window as they finished and the window as pending', () => {
    const history = [trial(0, 'COMPLETE', 3), trial(1, 'PRUNED', 5), trial(2, 'COMPLETE', 1), trial(3, 'RUNNING')];
    expect(historyAsOf(history, 4, 2)).toEqual([
      trial(0, 'COMPLETE', 3),
      trial(1, 'PRUNED', 5),
      { number: 2, state: 'RUNNING', params: { x: 2 }, value: null, intermediate: {} },
      { number: 3, state: 'RUNNING', params: { x: 3 }, value: null, intermediate: {} },
    ]);
  });

  it('is the same whichever trials in the window have finished', () => {
    const early = [trial(0, 'COMPLETE', 3), trial(1, 'RUNNING'), trial(2, 'RUNNING')];
    const late = [trial(0, 'COMPLETE', 3), trial(1, 'COMPLETE', 9), trial(2, 'FAILED')];
    expect(historyAsOf(early, 3, 2)).toEqual(historyAsOf(late, 3, 2));
  });

  it('waits while a trial older than the window is open', () => {
    const history = [trial(0, 'RUNNING'), trial(1, 'COMPLETE', 2), trial(2, 'COMPLETE', 4)];
    expect(historyAsOf(history, 3, 2)).toBeNull();
    expect(historyAsOf(history, 2, 2)).not.toBeNull();
    expect(historyAsOf([trial(0, 'PAUSED')], 2, 1)).toBeNull();
  });

  it('leaves out trials numbered at or after the one being suggested', () => {
    const history = [trial(0, 'COMPLETE', 1), trial(1, 'COMPLETE', 2), trial(2, 'WAITING')];
    expect(historyAsOf(history, 2, 1)?.map((t) => t.number)).toEqual([0, 1]);
    expect(historyAsOf([], 0, 4)).toEqual([]);
  });

  it('names the argument it rejects', () => {
    expect(() => historyAsOf([], -1, 1)).toThrow(/^number/);
    expect(() => historyAsOf([], 0, 0)).toThrow(/^parallelism/);
  });
});
