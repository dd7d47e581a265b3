import { describe, expect, it } from 'vitest';
import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';
import { rungRecordsOf, rungResource, isPromotable } from '../../src/pruners/optuna-sha-rule.js';
import type { PruneRequest } from '../../src/pruners/pruner.js';
import type { Direction } from '../../src/study/direction.js';
import { trial } from './helpers.js';

const CONFIG = { minResource: 1, reductionFactor: 2, minEarlyStoppingRate: 0, bootstrapCount: 0 };
const sha = new SuccessiveHalvingPruner(CONFIG);
const ask = (req: Omit<PruneRequest, 'studySeed' | 'direction'> & { direction?: Direction }) =>
  sha.decide({ direction: 'minimize', studySeed: 0, ...req });

describe('SuccessiveHalvingPruner (rule optuna)', () => {
  // Adapted from Optuna tests/pruners_tests/test_successive_halving.py.
  it.each([
    ['minimize', 1, 2, false, true],
    ['maximize', 2, 1, false, true],
    ['minimize', 2, 1, false, false],
    ['minimize', 1, 1, false, false],
  ] as const)('%s: first trial at %d, second at %d -> prune %s/%s', (direction, v1, v2, p1, p2) => {
    const t1 = trial(0, 'RUNNING', { 1: v1 });
    expect(ask({ trial: t1, history: [t1], direction }).prune).toBe(p1);
    const t2 = trial(1, 'RUNNING', { 1: v2 });
    expect(ask({ trial: t2, history: [t1, t2], direction }).prune).toBe(p2);
  });

  it('does not judge before the first rung and ignores steps between rungs', () => {
    const other = trial(0, 'COMPLETE', { 1: 0.1, 2: 0.1 });
    expect(ask({ trial: trial(1, 'RUNNING', { 0: 9 }), history: [other] })).toEqual({ prune: false, rung: null });
    // Step 3 reaches no new rung after rungs 0 (step 1) and 1 (step 2) were passed earlier.
    const t = trial(1, 'RUNNING', { 1: 0.05, 2: 0.05, 3: 99 });
    expect(ask({ trial: t, history: [other, t] })).toEqual({ prune: false, rung: null });
  });

  it('prunes a trial below the top 1/η of its rung, counting every state that recorded it', () => {
    const history = [
      trial(0, 'FAILED', { 1: 0.1 }),
      trial(1, 'PRUNED', { 1: 0.2 }),
      trial(2, 'COMPLETE', { 1: 0.3 }),
    ];
    // Four values at rung 0: keep the best 2.
    expect(ask({ trial: trial(3, 'RUNNING', { 1: 0.2 }), history }).prune).toBe(false);
    expect(ask({ trial: trial(3, 'RUNNING', { 1: 0.25 }), history }).prune).toBe(true);
  });

  it('judges several rungs in one sparse report, with the latest value', () => {
    const history = [trial(0, 'RUNNING', { 1: 0.5, 2: 0.5, 4: 0.1 })];
    const t = trial(1, 'RUNNING', { 4: 0.3 });
    // Rung 0 (step 1): 0.3 vs 0.5 passes; rung 1 (step 2): passes; rung 2 (step 4): 0.3 vs 0.1 fails.
    expect(ask({ trial: t, history })).toEqual({ prune: true, rung: 2 });
  });

  it('prunes NaN at a rung without recording it, and ignores NaN between rungs', () => {
    expect(ask({ trial: trial(0, 'RUNNING', { 1: NaN }), history: [] })).toEqual({ prune: true, rung: 0 });
    expect(ask({ trial: trial(0, 'RUNNING', { 1: 0.4, 2: 0.4, 3: NaN }), history: [] }).prune).toBe(false);
    expect(rungRecordsOf(trial(0, 'RUNNING', { 1: NaN, 2: 0.3 }), CONFIG)).toEqual([0.3, 0.3]);
  });

  it('prunes every trial at a rung until more than bootstrapCount trials recorded it', () => {
    const boot = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, bootstrapCount: 2 });
    const req = (n: number, history: ReturnType<typeof trial>[]) =>
      boot.shouldPrune({ trial: trial(n, 'RUNNING', { 1: 0 }), history, direction: 'minimize', studySeed: 0 });
    expect(req(0, [])).toBe(true);
    expect(req(1, [trial(0, 'PRUNED', { 1: 0 }, { prunedAtRung: 0 })])).toBe(true);
    expect(req(2, [trial(0, 'PRUNED', { 1: 0 }), trial(1, 'PRUNED', { 1: 0 })])).toBe(false);
  });

  it('keeps ties at the promotion boundary', () => {
    expect(isPromotable(0.3, [0.1, 0.3, 0.3, 0.5], 2, 'minimize')).toBe(true);
    expect(isPromotable(0.3, [0.1, 0.3, 0.3, 0.5], 2, 'maximize')).toBe(true);
    expect(isPromotable(0.31, [0.1, 0.3, 0.31, 0.5], 2, 'minimize')).toBe(false);
  });

  it('places rungs at minResource · η^(s + k)', () => {
    const cfg = { minResource: 3, reductionFactor: 4, minEarlyStoppingRate: 1, bootstrapCount: 0 };
    expect([0, 1, 2].map((k) => rungResource(cfg, k))).toEqual([12, 48, 192]);
  });

  it('rebuilds a pruned trial\'s records up to the rung that pruned it', () => {
    const t = { ...trial(0, 'PRUNED', { 0: 1, 8: 0.7 }) };
    expect(rungRecordsOf(t, CONFIG)).toEqual([0.7]);
    expect(rungRecordsOf({ ...t, prunedAtRung: 2 }, CONFIG)).toEqual([0.7, 0.7, 0.7]);
    expect(rungRecordsOf({ ...t, state: 'FAILED' }, CONFIG)).toEqual([0.7, 0.7, 0.7, 0.7]);
  });

  it('decides the same whatever the order of the history and wherever the trial sits in it', () => {
    const history = [0.4, 0.1, 0.9, 0.3, 0.6].map((v, i) => trial(i, 'COMPLETE', { 1: v, 2: v / 2 }));
    const t = trial(9, 'RUNNING', { 1: 0.35, 2: 0.2 });
    const a = ask({ trial: t, history: [...history, t] });
    const b = ask({ trial: t, history: [...history].reverse() });
    expect(a).toEqual(b);
  });

  it("estimates minResource 'auto' from the first COMPLETE trial and never prunes before one", () => {
    const auto = new SuccessiveHalvingPruner({ reductionFactor: 2 });
    const steps = (n: number, v: number) => Object.fromEntries(Array.from({ length: n + 1 }, (_, s) => [s, v]));
    const req = (history: ReturnType<typeof trial>[], t: ReturnType<typeof trial>) =>
      auto.decide({ trial: t, history, direction: 'minimize', studySeed: 0 });
    expect(req([], trial(0, 'RUNNING', { 500: 1 }))).toEqual({ prune: false, rung: null });
    // Trial 0 ran 300 steps before the estimate existed (3 = 300 // 100): it recorded nothing, so
    // trial 1 is alone at rung 0 (step 3) and continues although trial 0 was better there.
    const done = trial(0, 'COMPLETE', steps(300, 0.1));
    expect(req([done], trial(1, 'RUNNING', { 3: 0.9 }))).toEqual({ prune: false, rung: 0 });
    expect(req([done], trial(1, 'RUNNING', { 2: 0.9 }))).toEqual({ prune: false, rung: null });
  });

  it.each([
    [{ minResource: 0 }, /minResource must be an integer >= 1, got 0/],
    [{ minResource: 'soon' as never }, /minResource must be an integer >= 1, got "soon"/],
    [{ reductionFactor: 1 }, /reductionFactor must be an integer >= 2/],
    [{ minEarlyStoppingRate: -1 }, /minEarlyStoppingRate must be an integer >= 0/],
    [{ bootstrapCount: 1.5, minResource: 1 }, /bootstrapCount must be an integer >= 0/],
    [{ bootstrapCount: 1 }, /bootstrapCount > 0 needs an explicit minResource/],
    [{ rule: 'hyper' as never }, /rule must be 'optuna' or 'ray', got "hyper"/],
    [{ rule: 'ray' as const }, /minResource must be an integer >= 1 with rule 'ray'/],
    [{ maxResource: 10, minResource: 1 }, /maxResource applies to rule 'ray' only/],
    [{ rule: 'ray' as const, minResource: 4, maxResource: 2 }, /maxResource must be >= minResource/],
  ])('rejects bad options %j', (options, message) => {
    expect(() => new SuccessiveHalvingPruner(options)).toThrow(message);
  });
});
