import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Params, createRng, fanovaImportances, parseSearchSpace } from '../../src/index.js';

interface ReferenceCase {
  name: string;
  space: Record<string, unknown>;
  trials: { params: Record<string, number | string>; value: number }[];
  optuna: { name: string; importance: number }[];
}

// Written by gen_fanova_reference.py from Optuna 3.1's FanovaImportanceEvaluator(seed=0).
const reference = JSON.parse(readFileSync(new URL('./fanova-optuna.json', import.meta.url), 'utf8')) as { cases: ReferenceCase[] };

const cube = parseSearchSpace({
  x: { type: 'float', low: 0, high: 1 },
  y: { type: 'float', low: 0, high: 1 },
  z: { type: 'float', low: 0, high: 1 },
});

function drawCube(n: number, f: (x: number, y: number, z: number) => number, seed = 1) {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const [x, y, z] = [rng.next(), rng.next(), rng.next()];
    return { params: { x, y, z }, value: f(x, y, z) };
  });
}

describe('fanovaImportances', () => {
  it('ranks 10x far above 0.1y, and an unused parameter near zero', () => {
    const { trials, importances } = fanovaImportances(cube, drawCube(1000, (x, y) => 10 * x + 0.1 * y));
    expect(trials).toBe(1000);
    const byName = Object.fromEntries(importances.map((i) => [i.name, i.importance]));
    expect(importances.map((i) => i.name)).toEqual(['x', 'y', 'z']);
    expect(byName.x).toBeGreaterThan(0.999);
    expect(byName.y).toBeGreaterThan(0);
    expect(byName.y).toBeLessThan(1e-3);
    expect(byName.z).toBeLessThan(byName.y);
    expect(importances.reduce((a, b) => a + b.importance, 0)).toBeCloseTo(1, 12);
  });

  it('gives equal parameters equal shares', () => {
    const { importances } = fanovaImportances(cube, drawCube(2000, (x, y) => x + y));
    const byName = Object.fromEntries(importances.map((i) => [i.name, i.importance]));
    expect(byName.x).toBeCloseTo(0.5, 1);
    expect(byName.y).toBeCloseTo(0.5, 1);
    expect(byName.z).toBeLessThan(0.01);
  });

  it('measures a log-scaled parameter on the log scale', () => {
    const space = parseSearchSpace({ lr: { type: 'float', low: 1e-5, high: 1, log: true }, u: { type: 'float', low: 0, high: 1 } });
    const rng = createRng(3);
    // Linear in log(lr) and in u with equal ranges: equal shares on the log scale (the raw scale
    // would crowd every change of the value into the first 1% of lr's range).
    const trials = Array.from({ length: 2000 }, () => {
      const lr = Math.exp(Math.log(1e-5) + rng.next() * Math.log(1e5));
      const u = rng.next();
      return { params: { lr, u }, value: Math.log(lr) / Math.log(1e5) + u };
    });
    const byName = Object.fromEntries(fanovaImportances(space, trials).importances.map((i) => [i.name, i.importance]));
    expect(byName.lr).toBeCloseTo(0.5, 1);
  });

  it('is deterministic per seed', () => {
    const trials = drawCube(300, (x, y, z) => x * y + z);
    expect(fanovaImportances(cube, trials, { seed: 4 })).toEqual(fanovaImportances(cube, trials, { seed: 4 }));
    expect(fanovaImportances(cube, trials, { seed: 4 })).not.toEqual(fanovaImportances(cube, trials, { seed: 5 }));
  });

  it('answers nothing for fewer than 2 trials or a constant objective', () => {
    expect(fanovaImportances(cube, drawCube(1, (x) => x)).importances).toEqual([]);
    expect(fanovaImportances(cube, drawCube(50, () => 3)).importances).toEqual([]);
    expect(fanovaImportances(cube, [])).toEqual({ trials: 0, importances: [] });
  });

  it('leaves out non-finite values, conditional parameters some trials lack and single-valued parameters', () => {
    const space = parseSearchSpace({
      kind: { type: 'categorical', choices: ['a', 'b'] },
      only_b: { type: 'float', low: 0, high: 1, when: { kind: ['b'] } },
      fixed: { type: 'int', low: 3, high: 3 },
      x: { type: 'float', low: 0, high: 1 },
    });
    const rng = createRng(9);
    const trials = Array.from({ length: 200 }, (_, i) => {
      const kind = i % 2 === 0 ? 'a' : 'b';
      const x = rng.next();
      const params: Params = kind === 'b' ? { kind, only_b: rng.next(), fixed: 3, x } : { kind, fixed: 3, x };
      return { params, value: i % 10 === 0 ? NaN : x + (kind === 'b' ? 1 : 0) };
    });
    const result = fanovaImportances(space, trials);
    expect(result.trials).toBe(180);
    expect(result.importances.map((i) => i.name).sort()).toEqual(['kind', 'x']);
  });

  it('thins more than maxTrials evenly and validates its options', () => {
    expect(fanovaImportances(cube, drawCube(500, (x) => x), { maxTrials: 100, nTrees: 4 }).trials).toBe(100);
    expect(() => fanovaImportances(cube, [], { nTrees: 65 })).toThrow(/nTrees/);
    expect(() => fanovaImportances(cube, [], { maxTrials: 0 })).toThrow(/maxTrials/);
  });

  describe.each(reference.cases.map((c) => [c.name, c] as const))('agrees with Optuna 3.1 on %s', (_name, c) => {
    it('ranks the parameters in the same order', () => {
      const ours = fanovaImportances(parseSearchSpace(c.space), c.trials, { seed: 0 }).importances;
      expect(ours.map((i) => i.name)).toEqual(c.optuna.map((i) => i.name));
      // The leading importance within a few points of Optuna's.
      expect(Math.abs(ours[0].importance - c.optuna[0].importance)).toBeLessThan(0.05);
    });
  });
});
