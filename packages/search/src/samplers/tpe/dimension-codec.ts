import { gridStep, isOnGrid, snapToGrid } from '../../space/grid.js';
import type { Distribution, ParamValue } from '../../space/types.js';
import type { KernelDimension } from './parzen-estimator.js';

/**
 * Maps a distribution to the space its kernels live in and back (Optuna `_transform_to_uniform`,
 * `_transform_from_uniform`, `_calculate_parzen_bounds`): log of the value for `log`, the choice index
 * for categorical, bounds widened by half a step for grids. A log int is continuous on
 * [ln(low − ½), ln(high + ½)] and rounded on the way back, as in Optuna 3.1.
 */
export interface DimensionCodec {
  readonly dim: KernelDimension;
  /** Transformed value of a valid parameter value. */
  encode(value: ParamValue): number;
  /**
   * Transformed value, or NaN when `value` is not a value of the distribution (`valueProblem` would
   * name a problem): history values from another version of the space are skipped this way without
   * building a message per value.
   */
  encodeValid(value: ParamValue | undefined): number;
  /** Nearest valid parameter value for a transformed value (clamped, on the grid). */
  decode(x: number): ParamValue;
}

/** Whether a distribution admits one value only; such params are set without sampling. */
export function isSingle(dist: Distribution): boolean {
  return dist.type === 'categorical' ? dist.choices.length === 1 : dist.low === dist.high;
}

/**
 * The codec of a distribution. Choices are looked up in a Map, whose SameValueZero equality is `===`
 * on the choices a space admits (strings, finite numbers, booleans).
 */
export function codecFor(dist: Distribution): DimensionCodec {
  if (dist.type === 'categorical') {
    const { choices } = dist;
    const index = new Map<ParamValue, number>();
    choices.forEach((c, i) => {
      if (!index.has(c)) index.set(c, i);
    });
    const encode = (v: ParamValue | undefined): number => (v === undefined ? NaN : (index.get(v) ?? NaN));
    return {
      dim: { kind: 'categorical', nChoices: choices.length },
      encode,
      encodeValid: encode,
      decode: (x) => choices[x],
    };
  }
  const { low, high } = dist;
  const isInt = dist.type === 'int';
  const step = gridStep(dist);
  const isValid = (v: ParamValue | undefined): v is number =>
    typeof v === 'number' && Number.isFinite(v) && v >= low && v <= high && (!isInt || Number.isInteger(v)) && (step === null || isOnGrid(low, step, v));
  if (dist.log) {
    return {
      dim: isInt ? { kind: 'numeric', low: Math.log(low - 0.5), high: Math.log(high + 0.5), step: 0 } : { kind: 'numeric', low: Math.log(low), high: Math.log(high), step: 0 },
      encode: (v) => Math.log(v as number),
      encodeValid: (v) => (isValid(v) ? Math.log(v) : NaN),
      decode: (x) => {
        const v = Math.exp(x);
        return Math.min(high, Math.max(low, isInt ? Math.round(v) : v));
      },
    };
  }
  if (step === null) {
    return {
      dim: { kind: 'numeric', low, high, step: 0 },
      encode: (v) => v as number,
      encodeValid: (v) => (isValid(v) ? v : NaN),
      decode: (x) => Math.min(high, Math.max(low, x)),
    };
  }
  return {
    dim: { kind: 'numeric', low: low - 0.5 * step, high: high + 0.5 * step, step },
    encode: (v) => v as number,
    encodeValid: (v) => (isValid(v) ? v : NaN),
    decode: (x) => snapToGrid(dist, x),
  };
}
