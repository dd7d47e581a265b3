/**
 * Closed-form test functions for optimisers, as defined in Surjanovic & Bingham, "Virtual Library
 * of Simulation Experiments: Test Functions and Datasets" (Simon Fraser University,
 * https://www.sfu.ca/~ssurjano/optimization.html). The worker evaluates them for studies whose
 * objective is a `function`, so the tuner can be exercised end to end without training a model;
 * `bench/problems.ts` builds its benchmark problems from these definitions. Pure: numbers in, number out.
 */

export interface TestFunction {
  /** Inputs the function takes: exactly `dimensions`, or at least `minDimensions` when variable. */
  readonly dimensions: number | null;
  readonly minDimensions: number;
  /** Global minimum for `dimensions` inputs, or for d inputs when the dimension is variable. */
  optimum(d: number): number;
  evaluate(x: readonly number[]): number;
}

/** Branin-Hoo, 2-d, three global minima of 5/(4π) ≈ 0.397887 (x1 ∈ [−5, 10], x2 ∈ [0, 15]). */
const branin: TestFunction = {
  dimensions: 2,
  minDimensions: 2,
  optimum: () => 0.397887357729738,
  evaluate: ([x1, x2]) => {
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
].map((row) => row.map((v) => v * 1e-4));
const H6_ALPHA = [1, 1.2, 3, 3.2];

/** Hartmann 6-d on [0, 1]^6: six local minima, global minimum −3.32237. */
const hartmann6: TestFunction = {
  dimensions: 6,
  minDimensions: 6,
  optimum: () => -3.32236801141551,
  evaluate: (x) => {
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2;
      sum += H6_ALPHA[i] * Math.exp(-inner);
    }
    return -sum;
  },
};

/** Rosenbrock's valley, d ≥ 2: minimum 0 at (1, …, 1) at the bottom of a long curved valley. */
const rosenbrock: TestFunction = {
  dimensions: null,
  minDimensions: 2,
  optimum: () => 0,
  evaluate: (x) => {
    let sum = 0;
    for (let i = 0; i + 1 < x.length; i++) sum += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
    return sum;
  },
};

/** The sphere, d ≥ 1: Σ x², minimum 0 at the origin; convex and separable, the easiest case. */
const sphere: TestFunction = {
  dimensions: null,
  minDimensions: 1,
  optimum: () => 0,
  evaluate: (x) => x.reduce((sum, v) => sum + v * v, 0),
};

/** Styblinski–Tang, d ≥ 1: ½ Σ (x⁴ − 16x² + 5x), minimum −39.16617·d at x ≈ −2.903534. */
const styblinskiTang: TestFunction = {
  dimensions: null,
  minDimensions: 1,
  optimum: (d) => -39.16616570377142 * d,
  evaluate: (x) => x.reduce((sum, v) => sum + v ** 4 - 16 * v * v + 5 * v, 0) / 2,
};

export const TEST_FUNCTIONS = {
  branin,
  hartmann6,
  rosenbrock,
  sphere,
  'styblinski-tang': styblinskiTang,
} as const satisfies Record<string, TestFunction>;

export type TestFunctionName = keyof typeof TEST_FUNCTIONS;

export const TEST_FUNCTION_NAMES = Object.freeze(Object.keys(TEST_FUNCTIONS) as TestFunctionName[]);

/**
 * Evaluates test function `name` at `x`. Throws a RangeError naming the problem when the function
 * is unknown, the number of inputs is wrong, or an input is not a finite number, so that a caller
 * can report bad parameters instead of a NaN objective value.
 */
export function evaluateTestFunction(name: string, x: readonly number[]): number {
  if (!Object.hasOwn(TEST_FUNCTIONS, name)) {
    throw new RangeError(`test function must be one of ${TEST_FUNCTION_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  const fn: TestFunction = TEST_FUNCTIONS[name as TestFunctionName];
  if (fn.dimensions !== null && x.length !== fn.dimensions) {
    throw new RangeError(`${name} takes exactly ${fn.dimensions} inputs, got ${x.length}`);
  }
  if (x.length < fn.minDimensions) {
    throw new RangeError(`${name} takes at least ${fn.minDimensions} inputs, got ${x.length}`);
  }
  const bad = x.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`input ${bad} of ${name} must be a finite number, got ${String(x[bad])}`);
  return fn.evaluate(x);
}
