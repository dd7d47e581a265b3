import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SuccessiveHalvingPruner, estimateMinResource } from '../../src/pruners/successive-halving.js';
import { rungRecordsOf } from '../../src/pruners/optuna-sha-rule.js';
import type { FrozenTrial } from '../../src/trial/frozen-trial.js';
import type { Direction } from '../../src/study/direction.js';

type GoldenEvent =
  | { op: 'ask'; trial: number }
  | { op: 'report'; trial: number; step: number; value: number | null; prune: boolean }
  | { op: 'tell'; trial: number; state: 'complete' | 'pruned' | 'failed'; value?: number };

interface GoldenCase {
  name: string;
  direction: Direction;
  config: { minResource: number | 'auto'; reductionFactor: number; minEarlyStoppingRate: number; bootstrapCount: number };
  events: GoldenEvent[];
  rungs: Record<string, Record<string, number | null>>;
}

interface Golden {
  optuna: string;
  scenarios: number;
  decisions: number;
  prunes: number;
  cases: GoldenCase[];
}

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/sha-golden.json', import.meta.url), 'utf8'),
) as Golden;

interface MutableTrial {
  number: number;
  state: FrozenTrial['state'];
  params: Record<string, never>;
  value: number | null;
  intermediate: Record<number, number>;
  prunedAtRung?: number | null;
}

/**
 * Replays one scenario the way the scheduler and Study do: a report is stored first-wins, a stored
 * report is judged by the pruner, a repeated one is answered `continue` without consulting it,
 * and a pruned trial keeps the rung that pruned it. Returns the answers that differ from Optuna's.
 */
function replay(c: GoldenCase): { mismatches: string[]; decisions: number; repeats: number; trials: MutableTrial[] } {
  const pruner = new SuccessiveHalvingPruner({ ...c.config, rule: 'optuna' });
  const trials: MutableTrial[] = [];
  const mismatches: string[] = [];
  const pendingRung = new Map<number, number | null>();
  let decisions = 0;
  let repeats = 0;
  for (const e of c.events) {
    if (e.op === 'ask') {
      trials[e.trial] = { number: e.trial, state: 'RUNNING', params: {}, value: null, intermediate: {} };
    } else if (e.op === 'report') {
      const t = trials[e.trial];
      let got = false;
      if (e.step in t.intermediate) {
        repeats++;
      } else {
        t.intermediate[e.step] = e.value === null ? NaN : e.value;
        const decision = pruner.decide({ trial: t, history: trials, direction: c.direction, studySeed: 0 });
        got = decision.prune;
        pendingRung.set(t.number, decision.rung);
      }
      decisions++;
      if (got !== e.prune) mismatches.push(`trial ${e.trial} step ${e.step}: optuna ${e.prune}, ours ${got}`);
    } else {
      const t = trials[e.trial];
      t.state = e.state === 'complete' ? 'COMPLETE' : e.state === 'pruned' ? 'PRUNED' : 'FAILED';
      t.value = e.value ?? null;
      if (t.state === 'PRUNED') t.prunedAtRung = pendingRung.get(t.number) ?? null;
    }
  }
  return { mismatches, decisions, repeats, trials };
}

describe('SuccessiveHalvingPruner rule optuna against Optuna golden vectors', () => {
  it('covers the scripted families with enough decisions and prunes', () => {
    expect(golden.optuna).toBe('3.1.0');
    expect(golden.cases).toHaveLength(golden.scenarios);
    const families = new Set(golden.cases.map((c) => c.name.split('-')[1]));
    expect([...families].sort()).toEqual(
      ['auto', 'bootstrap', 'dense', 'fail', 'mixed', 'nan', 'repeat', 'sparse', 'ties'].sort(),
    );
    expect(golden.decisions).toBeGreaterThan(5000);
    expect(golden.prunes).toBeGreaterThan(300);
  });

  it('agrees with every recorded decision (100%)', () => {
    let decisions = 0;
    let repeats = 0;
    const mismatches: string[] = [];
    for (const c of golden.cases) {
      const r = replay(c);
      decisions += r.decisions;
      repeats += r.repeats;
      mismatches.push(...r.mismatches.map((m) => `${c.name}: ${m}`));
    }
    expect(decisions).toBe(golden.decisions);
    expect(repeats).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
  });

  it('rebuilds the rung records Optuna kept in system attrs', () => {
    const mismatches: string[] = [];
    for (const c of golden.cases) {
      const { trials } = replay(c);
      let config = { ...c.config, minResource: c.config.minResource as number };
      let silent = (_: FrozenTrial): boolean => false;
      if (c.config.minResource === 'auto') {
        const estimate = estimateMinResource(trials);
        if (estimate === null) continue;
        config = { ...c.config, minResource: estimate.minResource };
        silent = (t) => t.number <= estimate.fromTrial;
      }
      for (const t of trials) {
        const expected = Object.values(c.rungs[String(t.number)]);
        const got = silent(t) ? [] : rungRecordsOf(t, config);
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          mismatches.push(`${c.name} trial ${t.number}: optuna ${JSON.stringify(expected)}, ours ${JSON.stringify(got)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
