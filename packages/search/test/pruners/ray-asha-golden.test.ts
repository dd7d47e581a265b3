import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';
import { nanPercentile, rayMilestones } from '../../src/pruners/ray-asha-rule.js';
import type { FrozenTrial } from '../../src/trial/frozen-trial.js';
import type { Direction } from '../../src/study/direction.js';

type GoldenEvent =
  | { op: 'ask'; trial: number }
  | { op: 'report'; trial: number; step: number; value: number | null; prune: boolean; final?: true }
  | { op: 'tell'; trial: number; state: 'complete' | 'pruned' | 'failed'; value?: number };

interface GoldenCase {
  name: string;
  direction: Direction;
  config: { minResource: number; reductionFactor: number; minEarlyStoppingRate: number; maxResource: number };
  events: GoldenEvent[];
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/ray-asha-golden.json', import.meta.url), 'utf8')) as {
  scenarios: number;
  decisions: number;
  prunes: number;
  cases: GoldenCase[];
};

type MutableTrial = { -readonly [K in keyof FrozenTrial]: FrozenTrial[K] } & { intermediate: Record<number, number> };

describe("SuccessiveHalvingPruner rule 'ray' against Ray's ASHA bracket", () => {
  it('agrees with every decision of the reference bracket (100%)', () => {
    expect(golden.cases).toHaveLength(golden.scenarios);
    expect(golden.prunes).toBeGreaterThan(100);
    const mismatches: string[] = [];
    let decisions = 0;
    for (const c of golden.cases) {
      const pruner = new SuccessiveHalvingPruner({ ...c.config, rule: 'ray' });
      const trials: MutableTrial[] = [];
      for (const e of c.events) {
        if (e.op === 'ask') {
          trials[e.trial] = { number: e.trial, state: 'RUNNING', params: {}, value: null, intermediate: {} };
        } else if (e.op === 'report') {
          const t = trials[e.trial];
          t.intermediate[e.step] = e.value === null ? NaN : e.value;
          const got = pruner.shouldPrune({ trial: t, history: trials, direction: c.direction, studySeed: 0 });
          decisions++;
          if (got !== e.prune) mismatches.push(`${c.name}: trial ${e.trial} step ${e.step}: ray ${e.prune}, ours ${got}`);
        } else {
          trials[e.trial].state = e.state === 'complete' ? 'COMPLETE' : e.state === 'pruned' ? 'PRUNED' : 'FAILED';
        }
      }
    }
    expect(decisions).toBe(golden.decisions);
    expect(mismatches).toEqual([]);
  });

  it('computes milestones as Ray does, float rung count included', () => {
    const cfg = { minResource: 1, reductionFactor: 2, minEarlyStoppingRate: 0, maxResource: 16 };
    expect(rayMilestones(cfg, 100)).toEqual([1, 2, 4, 8, 16]);
    expect(rayMilestones({ ...cfg, minEarlyStoppingRate: 1 }, 100)).toEqual([2, 4, 8, 16]);
    // log(1000)/log(10) = 2.9999999999999996 in floating point: Ray keeps 3 rungs, not 4.
    expect(rayMilestones({ ...cfg, reductionFactor: 10, maxResource: 1000 }, 5000)).toEqual([1, 10, 100]);
    expect(rayMilestones({ ...cfg, maxResource: null }, 40)).toEqual([1, 2, 4, 8, 16, 32]);
  });

  it('interpolates percentiles like numpy.nanpercentile', () => {
    expect(nanPercentile([], 50)).toBeNull();
    expect(nanPercentile([NaN, NaN], 50)).toBeNaN();
    expect(nanPercentile([2, 4], 50)).toBe(3);
    expect(nanPercentile([1, NaN, 3, 2], 50)).toBe(2);
    expect(nanPercentile([0, 10, 20, 30], 75)).toBe(22.5);
    // Ray's own doc example: cutoff of {2, 4} at (1 - 1/2) is 3.
    expect(nanPercentile([4, 2], (1 - 1 / 2) * 100)).toBe(3);
  });
});
