import { describe, expect, it } from 'vitest';
import {
  HyperbandPruner,
  hyperbandBracketCount,
  hyperbandBracketOf,
  hyperbandBudgets,
} from '../../src/pruners/hyperband.js';
import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';
import { createRng } from '../../src/rng.js';
import type { FrozenTrial } from '../../src/trial/frozen-trial.js';
import { trial } from './helpers.js';

const config = { minResource: 1, maxResource: 27, reductionFactor: 3 };

describe('HyperbandPruner', () => {
  it('has ⌊log_η(max/min)⌋ + 1 brackets with Optuna budgets', () => {
    expect(hyperbandBracketCount(config)).toBe(4);
    // ⌈4·3^s/(s+1)⌉ for s = 3, 2, 1, 0.
    expect(hyperbandBudgets(config)).toEqual([27, 12, 6, 4]);
    // Exact powers count fully (Optuna's float log would give 3 brackets here).
    expect(hyperbandBracketCount({ minResource: 1, maxResource: 1000, reductionFactor: 10 })).toBe(4);
    expect(hyperbandBracketCount({ minResource: 5, maxResource: 5, reductionFactor: 2 })).toBe(1);
  });

  it('assigns brackets deterministically, in proportion to their budgets', () => {
    const counts = [0, 0, 0, 0];
    for (let n = 0; n < 4900; n++) counts[hyperbandBracketOf({ studySeed: 11, trialNumber: n, config })]++;
    // Budgets 27:12:6:4 of 49 -> expected 2700, 1200, 600, 400.
    expect(counts[0]).toBeGreaterThan(2550);
    expect(counts[0]).toBeLessThan(2850);
    expect(counts[3]).toBeGreaterThan(320);
    expect(counts[3]).toBeLessThan(480);
    expect(hyperbandBracketOf({ studySeed: 11, trialNumber: 7, config })).toBe(
      hyperbandBracketOf({ studySeed: 11, trialNumber: 7, config }),
    );
    const other = Array.from({ length: 50 }, (_, n) => hyperbandBracketOf({ studySeed: 12, trialNumber: n, config }));
    const same = Array.from({ length: 50 }, (_, n) => hyperbandBracketOf({ studySeed: 11, trialNumber: n, config }));
    expect(other).not.toEqual(same);
  });

  it('compares a trial only with its bracket, as successive halving with s = bracket', () => {
    const pruner = new HyperbandPruner(config);
    const rng = createRng(5);
    const history: FrozenTrial[] = [];
    let pruned = 0;
    for (let n = 0; n < 60; n++) {
      const intermediate: Record<number, number> = {};
      for (let step = 1; step <= 27; step++) intermediate[step] = Math.round(rng.next() * 100) / 100;
      const t = trial(n, 'COMPLETE', intermediate);
      const studySeed = 3;
      const bracket = hyperbandBracketOf({ studySeed, trialNumber: n, config });
      const inBracket = history.filter((h) => hyperbandBracketOf({ studySeed, trialNumber: h.number, config }) === bracket);
      const sha = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, minEarlyStoppingRate: bracket });
      const running = trial(n, 'RUNNING', intermediate);
      const got = pruner.decide({ trial: running, history, direction: 'minimize', studySeed });
      expect(got).toEqual(sha.decide({ trial: running, history: inBracket, direction: 'minimize', studySeed }));
      if (got.prune) pruned++;
      history.push(t);
    }
    expect(pruned).toBeGreaterThan(0);
  });

  it('round-trips through toJSON and rejects bad options', () => {
    expect(new HyperbandPruner(config).toJSON()).toEqual({ type: 'hyperband', ...config, bootstrapCount: 0 });
    expect(() => new HyperbandPruner({ ...config, maxResource: 0 })).toThrow(/maxResource must be an integer >= 1/);
    expect(() => new HyperbandPruner({ minResource: 9, maxResource: 3 })).toThrow(/maxResource must be >= minResource/);
    expect(() => new HyperbandPruner({ ...config, reductionFactor: 1 })).toThrow(/reductionFactor/);
  });
});
