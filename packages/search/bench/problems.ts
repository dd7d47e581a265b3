import type { Params } from '../src/index.js';
import { evaluateTestFunction, TEST_FUNCTIONS, type TestFunctionName } from '../src/problems/test-functions.js';

/**
 * Benchmark problems for sampler quality: classic synthetic functions (Surjanovic & Bingham, Virtual
 * Library of Simulation Experiments) plus two shaped like real tuning spaces. `optuna_reference.py`
 * defines the same problems for the side-by-side comparison; keep the two in step.
 */
export interface Problem {
  readonly name: string;
  readonly space: Record<string, unknown>;
  readonly trials: number;
  /** Global minimum of `evaluate`. */
  readonly optimum: number;
  evaluate(params: Params): number;
}

const n = (p: Params, k: string): number => p[k] as number;

function box(names: string[], low: number, high: number): Record<string, unknown> {
  return Object.fromEntries(names.map((k) => [k, { type: 'float', low, high }]));
}

/** A closed-form function from src/problems (the one definition the worker evaluates too) over a box. */
function classic(
  name: string,
  fn: TestFunctionName,
  space: Record<string, unknown>,
  trials: number,
): Problem {
  const names = Object.keys(space);
  return {
    name,
    space,
    trials,
    optimum: TEST_FUNCTIONS[fn].optimum(names.length),
    evaluate: (p) => evaluateTestFunction(fn, names.map((k) => n(p, k))),
  };
}

const branin = classic('Branin', 'branin', { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } }, 100);
const hartmann6 = classic('Hartmann-6', 'hartmann6', box(['x0', 'x1', 'x2', 'x3', 'x4', 'x5'], 0, 1), 200);
const rosenbrock4 = classic('Rosenbrock-4', 'rosenbrock', box(['x0', 'x1', 'x2', 'x3'], -5, 10), 100);
const styblinskiTang5 = classic('Styblinski-Tang-5', 'styblinski-tang', box(['x0', 'x1', 'x2', 'x3', 'x4'], -5, 5), 100);

/** Learning-rate-like parameters whose optimum sits decades inside log-scaled ranges. */
const logScale: Problem = {
  name: 'Log-scale-3',
  space: {
    learning_rate: { type: 'float', low: 1e-5, high: 1, log: true },
    weight_decay: { type: 'float', low: 1e-7, high: 1e-1, log: true },
    width: { type: 'int', low: 8, high: 1024, log: true },
  },
  trials: 100,
  optimum: 0,
  evaluate: (p) => (Math.log10(n(p, 'learning_rate')) + 2.5) ** 2 + 0.5 * (Math.log10(n(p, 'weight_decay')) + 4) ** 2 + 0.25 * (Math.log2(n(p, 'width')) - 7) ** 2,
};

const OPTIMIZER_PENALTY: Record<string, number> = { sgd: 1, adam: 0, rmsprop: 0.4, adagrad: 1.5 };

/** Grid and categorical parameters together: int with step, plain int, float with step, categorical. */
const mixed: Problem = {
  name: 'Mixed-4',
  space: {
    batch_size: { type: 'int', low: 16, high: 512, step: 16 },
    layers: { type: 'int', low: 1, high: 8 },
    dropout: { type: 'float', low: 0, high: 0.5, step: 0.05 },
    optimizer: { type: 'categorical', choices: ['sgd', 'adam', 'rmsprop', 'adagrad'] },
  },
  trials: 100,
  optimum: 0,
  evaluate: (p) =>
    OPTIMIZER_PENALTY[p.optimizer as string] + ((n(p, 'batch_size') - 128) / 128) ** 2 + 10 * (n(p, 'dropout') - 0.2) ** 2 + 0.3 * Math.abs(n(p, 'layers') - 3),
};

export const PROBLEMS: readonly Problem[] = [branin, hartmann6, rosenbrock4, styblinskiTang5, logScale, mixed];

/** Regret below this counts as solved; keeps log10 finite when a grid problem hits its optimum. */
export const REGRET_FLOOR = 1e-6;
