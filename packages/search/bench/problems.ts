import type { Params } from '../src/index.js';

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

const branin: Problem = {
  name: 'Branin',
  space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
  trials: 100,
  optimum: 0.397887357729738,
  evaluate: (p) => {
    const x1 = n(p, 'x1');
    const x2 = n(p, 'x2');
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  },
};

const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));
const H6_ALPHA = [1, 1.2, 3, 3.2];
const X6 = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];

const hartmann6: Problem = {
  name: 'Hartmann-6',
  space: box(X6, 0, 1),
  trials: 200,
  optimum: -3.32236801141551,
  evaluate: (p) => {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (n(p, X6[j]) - H6_P[i][j]) ** 2;
      s += H6_ALPHA[i] * Math.exp(-inner);
    }
    return -s;
  },
};

const rosenbrock4: Problem = {
  name: 'Rosenbrock-4',
  space: box(['x0', 'x1', 'x2', 'x3'], -5, 10),
  trials: 100,
  optimum: 0,
  evaluate: (p) => {
    let s = 0;
    for (let i = 0; i < 3; i++) s += 100 * (n(p, `x${i + 1}`) - n(p, `x${i}`) ** 2) ** 2 + (1 - n(p, `x${i}`)) ** 2;
    return s;
  },
};

const styblinskiTang5: Problem = {
  name: 'Styblinski-Tang-5',
  space: box(['x0', 'x1', 'x2', 'x3', 'x4'], -5, 5),
  trials: 100,
  optimum: -39.16616570377142 * 5,
  evaluate: (p) => {
    let s = 0;
    for (let i = 0; i < 5; i++) {
      const x = n(p, `x${i}`);
      s += x ** 4 - 16 * x * x + 5 * x;
    }
    return s / 2;
  },
};

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
