import { describe, expect, it } from 'vitest';
import { TEST_FUNCTIONS, TEST_FUNCTION_NAMES, evaluateTestFunction } from '../../src/index.js';

// Global minimisers from Surjanovic & Bingham's pages; each must reach the stated optimum.
const MINIMISERS: Record<string, number[][]> = {
  branin: [
    [-Math.PI, 12.275],
    [Math.PI, 2.275],
    [9.42478, 2.475],
  ],
  hartmann6: [[0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]],
  rosenbrock: [[1, 1], [1, 1, 1, 1]],
  sphere: [[0], [0, 0, 0]],
  'styblinski-tang': [[-2.903534], [-2.903534, -2.903534, -2.903534]],
};

describe('evaluateTestFunction', () => {
  it.each(TEST_FUNCTION_NAMES.flatMap((name) => MINIMISERS[name].map((x) => [name, x] as const)))(
    '%s reaches its global minimum at %j',
    (name, x) => {
      expect(evaluateTestFunction(name, x)).toBeCloseTo(TEST_FUNCTIONS[name].optimum(x.length), 4);
    },
  );

  it.each([
    ['branin', [0, 0], 55.602112642270264],
    ['rosenbrock', [0, 0, 0], 2],
    ['sphere', [1, -2, 3], 14],
    ['styblinski-tang', [1, 2], (1 - 16 + 5 + 16 - 64 + 10) / 2],
  ] as const)('%s at %j is %d', (name, x, value) => {
    expect(evaluateTestFunction(name, x)).toBeCloseTo(value, 10);
  });

  it('stays above the optimum away from the minimisers', () => {
    for (const name of TEST_FUNCTION_NAMES) {
      const fn = TEST_FUNCTIONS[name];
      const d = fn.dimensions ?? 3;
      const x = Array.from({ length: d }, (_, i) => 0.37 + 0.1 * i);
      expect(evaluateTestFunction(name, x)).toBeGreaterThan(fn.optimum(d));
    }
  });

  it.each([
    ['hartmann-6', [0, 0], /must be one of branin, hartmann6/],
    ['branin', [1, 2, 3], /exactly 2 inputs, got 3/],
    ['hartmann6', [0.5], /exactly 6 inputs, got 1/],
    ['rosenbrock', [1], /at least 2 inputs, got 1/],
    ['sphere', [], /at least 1 inputs, got 0/],
    ['sphere', [1, Number.NaN], /input 1 of sphere must be a finite number, got NaN/],
    ['styblinski-tang', [Number.POSITIVE_INFINITY], /input 0 of styblinski-tang/],
  ] as const)('rejects %s at %j', (name, x, message) => {
    expect(() => evaluateTestFunction(name, x)).toThrow(message);
  });
});
