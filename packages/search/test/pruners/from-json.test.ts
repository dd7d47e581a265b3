import { describe, expect, it } from 'vitest';
import { prunerFromJSON } from '../../src/pruners/from-json.js';
import { HyperbandPruner } from '../../src/pruners/hyperband.js';
import { NopPruner } from '../../src/pruners/nop-pruner.js';
import type { Pruner } from '../../src/pruners/pruner.js';
import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';

describe('prunerFromJSON', () => {
  it.each<[string, Pruner]>([
    ['nop', new NopPruner()],
    ['sha optuna', new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1, bootstrapCount: 2 })],
    ['sha auto', new SuccessiveHalvingPruner()],
    ['sha ray', new SuccessiveHalvingPruner({ rule: 'ray', minResource: 1, maxResource: 16, reductionFactor: 2 })],
    ['hyperband', new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 })],
  ])('rebuilds %s', (_, pruner) => {
    const json = JSON.parse(JSON.stringify(pruner.toJSON()));
    const rebuilt = prunerFromJSON(json);
    expect(rebuilt.constructor).toBe(pruner.constructor);
    expect(rebuilt.toJSON()).toEqual(pruner.toJSON());
  });

  it('rejects unknown types and bad options', () => {
    expect(() => prunerFromJSON({ type: 'median' } as never)).toThrow(/pruner.type must be .* got "median"/);
    expect(() => prunerFromJSON(null as never)).toThrow(/pruner must be an object/);
    expect(() => prunerFromJSON({ type: 'hyperband', minResource: 1, maxResource: 0, reductionFactor: 3, bootstrapCount: 0 })).toThrow(
      /maxResource/,
    );
  });

  it('NopPruner never prunes', () => {
    const t = { number: 0, state: 'RUNNING' as const, params: {}, value: null, intermediate: { 1: NaN } };
    expect(new NopPruner().decide()).toEqual({ prune: false, rung: null });
    expect(new NopPruner().shouldPrune()).toBe(false);
    expect(prunerFromJSON({ type: 'nop' }).shouldPrune({ trial: t, history: [t], direction: 'minimize', studySeed: 0 })).toBe(false);
  });
});
