/**
 * The closed-form objectives of `FUNCTION_OBJECTIVE_NAMES`, for the in-test worker only (the real
 * worker owns its own). Definitions: Surjanovic & Bingham, Virtual Library of Simulation
 * Experiments.
 */
import type { FunctionObjectiveName } from '@tunefleet/contracts';
import type { Params } from '@tunefleet/search';

function values(params: Params): number[] {
  return Object.keys(params)
    .sort()
    .map((k) => Number(params[k]));
}

export function evaluateFunction(name: FunctionObjectiveName, params: Params): number {
  switch (name) {
    case 'branin': {
      const [x1, x2] = [Number(params.x1 ?? params.x), Number(params.x2 ?? params.y ?? 0)];
      const b = 5.1 / (4 * Math.PI ** 2);
      const c = 5 / Math.PI;
      return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
    }
    case 'sphere':
      return values(params).reduce((s, x) => s + x * x, 0);
    case 'rosenbrock': {
      const x = values(params);
      let s = 0;
      for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
      return s;
    }
  }
}

/** A learning curve that falls towards the final value, so rungs rank trials as their values do. */
export function curveValue(finalValue: number, epoch: number): number {
  return finalValue + 10 / epoch;
}
