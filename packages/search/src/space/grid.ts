import type { Distribution, FloatDistribution, IntDistribution, ParamValue } from './types.js';

/**
 * Relative tolerance for deciding whether a step divides a range or a value lies on a grid. Grid
 * points are computed as `low + k·step` in binary floating point, so `0.15` arrives as
 * `0.15000000000000002`; anything closer than this to a grid point counts as on it.
 */
export const GRID_TOLERANCE = 1e-9;

type NumericDistribution = FloatDistribution | IntDistribution;

/** The grid spacing of a numeric distribution, or null when it is continuous (float without step). */
export function gridStep(dist: NumericDistribution): number | null {
  if (dist.type === 'int') return dist.log ? null : dist.step;
  return dist.step;
}

/**
 * Index of the last grid point: the grid is `low + k·step` for k = 0..gridLastIndex. Only for
 * distributions with a step (float with step, int without log).
 */
export function gridLastIndex(low: number, high: number, step: number): number {
  return Math.round((high - low) / step);
}

/**
 * The k-th grid point, `low + k·step`, with the last point pinned to `high` and binary rounding
 * noise removed (15 significant digits), so that a float grid of step 0.05 yields 0.15, not
 * 0.15000000000000002. Integer grids are exact already.
 */
export function gridValue(low: number, high: number, step: number, k: number): number {
  const last = gridLastIndex(low, high, step);
  if (k <= 0) return low;
  if (k >= last) return high;
  const raw = low + k * step;
  if (Number.isInteger(low) && Number.isInteger(step)) return raw;
  return Math.min(high, Math.max(low, Number(raw.toPrecision(15))));
}

/**
 * Moves a numeric value to the nearest value the distribution allows: clamped to [low, high],
 * rounded to the grid for a step (Optuna's `np.round((x - low) / q) * q + low`), rounded to an
 * integer for int distributions.
 */
export function snapToGrid(dist: NumericDistribution, x: number): number {
  const step = gridStep(dist);
  if (step !== null) {
    const k = Math.round((x - dist.low) / step);
    return gridValue(dist.low, dist.high, step, k);
  }
  const clamped = Math.min(dist.high, Math.max(dist.low, x));
  return dist.type === 'int' ? Math.min(dist.high, Math.max(dist.low, Math.round(clamped))) : clamped;
}

/** Whether `(x - low) / step` is an integer, up to GRID_TOLERANCE relative to the index. */
export function isOnGrid(low: number, step: number, x: number): boolean {
  const k = (x - low) / step;
  return Math.abs(k - Math.round(k)) <= GRID_TOLERANCE * Math.max(1, Math.abs(k));
}

/**
 * Why `value` is not a value of `dist`, or null when it is one: the type, the bounds, the grid
 * (step, integers) and categorical membership are checked. Used by validateParams and by the samplers
 * to ignore history values that belong to another search space.
 */
export function valueProblem(dist: Distribution, value: ParamValue): string | null {
  if (dist.type === 'categorical') {
    return dist.choices.some((c) => c === value) ? null : `${JSON.stringify(value)} is not one of the choices`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${JSON.stringify(value)} is not a finite number`;
  if (value < dist.low || value > dist.high) return `${value} is outside [${dist.low}, ${dist.high}]`;
  if (dist.type === 'int' && !Number.isInteger(value)) return `${value} is not an integer`;
  const step = gridStep(dist);
  if (step !== null && !isOnGrid(dist.low, step, value)) return `${value} is not on the grid ${dist.low} + k·${step}`;
  return null;
}
