import { describe, expect, it } from 'vitest';
import { promotionAsha } from '../../src/pruners/promotion-asha.js';
import type { FrozenTrial } from '../../src/trial/frozen-trial.js';
import { trial } from './helpers.js';

const config = { minResource: 1, maxResource: 9, reductionFactor: 3 };
const getJob = (history: FrozenTrial[], direction: 'minimize' | 'maximize' = 'minimize') =>
  promotionAsha.getJob({ history, direction, config });

/** A trial paused at epoch `epoch` after reporting `value` at every epoch up to it. */
const paused = (n: number, epoch: number, value: number): FrozenTrial =>
  trial(n, 'PAUSED', Object.fromEntries(Array.from({ length: epoch }, (_, i) => [i + 1, value])));

describe('promotion ASHA', () => {
  it('places rungs at r·η^k and stretches the top rung to maxResource', () => {
    expect(promotionAsha.rungResources(config)).toEqual([1, 3, 9]);
    expect(promotionAsha.rungResources({ ...config, maxResource: 10 })).toEqual([1, 3, 10]);
    expect(promotionAsha.rungResources({ ...config, maxResource: 1 })).toEqual([1]);
    expect([0, 1, 2, 3, 8, 9, 20].map((e) => promotionAsha.rungOf(e, config))).toEqual([-1, 0, 0, 1, 1, 2, 2]);
  });

  it('starts new trials until a rung has η trials', () => {
    expect(getJob([])).toEqual({ kind: 'new', trainUntilEpoch: 1 });
    expect(getJob([paused(0, 1, 0.5), paused(1, 1, 0.2)])).toEqual({ kind: 'new', trainUntilEpoch: 1 });
  });

  it('promotes the best paused trial of the top 1/η of a rung', () => {
    const history = [paused(0, 1, 0.5), paused(1, 1, 0.2), paused(2, 1, 0.9)];
    expect(getJob(history)).toEqual({ kind: 'promote', trialNumber: 1, rung: 1, resumeFromEpoch: 1, trainUntilEpoch: 3 });
    expect(getJob(history, 'maximize')).toMatchObject({ kind: 'promote', trialNumber: 2 });
  });

  it('does not promote a trial twice: RUNNING at or past the rung, or a later value, means promoted', () => {
    const resumed = trial(1, 'RUNNING', { 1: 0.2 });
    const base = [paused(0, 1, 0.5), paused(2, 1, 0.9)];
    expect(promotionAsha.isPromotedPast(resumed, 1)).toBe(true);
    expect(getJob([...base, resumed])).toEqual({ kind: 'new', trainUntilEpoch: 1 });
    const further = trial(1, 'RUNNING', { 1: 0.2, 2: 0.2 });
    expect(promotionAsha.isPromotedPast(further, 1)).toBe(true);
    expect(promotionAsha.isPromotedPast(paused(1, 1, 0.2), 1)).toBe(false);
    expect(getJob([...base, further])).toEqual({ kind: 'new', trainUntilEpoch: 1 });
  });

  it('scans rungs from the top down', () => {
    const history = [
      paused(0, 3, 0.1),
      paused(1, 3, 0.4),
      paused(2, 3, 0.6),
      // Rung 0 also has a promotable trial, but rung 1 comes first.
      paused(3, 1, 0.05),
      paused(4, 1, 0.7),
      paused(5, 1, 0.8),
    ];
    expect(getJob(history)).toEqual({ kind: 'promote', trialNumber: 0, rung: 2, resumeFromEpoch: 3, trainUntilEpoch: 9 });
  });

  it('promotes the next candidate when the best of the top is already gone, and never a failed or NaN trial', () => {
    const six = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((v, n) => paused(n, 1, v));
    six[0] = trial(0, 'PAUSED', { 1: 0.1, 2: 0.1 }); // promoted earlier
    expect(getJob(six)).toMatchObject({ kind: 'promote', trialNumber: 1 });
    six[1] = trial(1, 'FAILED', { 1: 0.2 });
    expect(getJob(six)).toEqual({ kind: 'new', trainUntilEpoch: 1 });
    const nan = [paused(0, 1, NaN), paused(1, 1, NaN), paused(2, 1, NaN)];
    expect(getJob(nan)).toEqual({ kind: 'new', trainUntilEpoch: 1 });
  });

  it('breaks ties by trial number', () => {
    expect(getJob([paused(2, 1, 0.3), paused(1, 1, 0.3), paused(0, 1, 0.3)])).toMatchObject({ trialNumber: 0 });
  });

  it('rejects bad configs naming the field', () => {
    expect(() => getJobWith({ ...config, reductionFactor: 1 })).toThrow(/reductionFactor must be an integer >= 2/);
    expect(() => getJobWith({ ...config, maxResource: 0 })).toThrow(/maxResource must be an integer >= 1/);
    expect(() => getJobWith({ minResource: 4, maxResource: 2, reductionFactor: 2 })).toThrow(/maxResource must be >= minResource/);
  });
});

function getJobWith(c: typeof config) {
  return promotionAsha.getJob({ history: [], direction: 'minimize', config: c });
}
