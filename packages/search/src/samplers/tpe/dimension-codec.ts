import { snapToGrid } from '../../space/grid.js';
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
  /** Nearest valid parameter value for a transformed value (clamped, on the grid). */
  decode(x: number): ParamValue;
}

/** Whether a distribution admits one value only; such params are set without sampling. */
export function isSingle(dist: Distribution): boolean {
  return dist.type === 'categorical' ? dist.choices.length === 1 : dist.low === dist.high;
}

export function codecFor(dist: Distribution): DimensionCodec {
  if (dist.type === 'categorical') {
    const { choices } = dist;
    return {
      dim: { kind: 'categorical', nChoices: choices.length },
      encode: (v) => choices.indexOf(v),
      decode: (x) => choices[x],
    };
  }
  const { low, high } = dist;
  if (dist.log) {
    const isInt = dist.type === 'int';
    return {
      dim: isInt ? { kind: 'numeric', low: Math.log(low - 0.5), high: Math.log(high + 0.5), step: 0 } : { kind: 'numeric', low: Math.log(low), high: Math.log(high), step: 0 },
      encode: (v) => Math.log(v as number),
      decode: (x) => {
        const v = Math.exp(x);
        return Math.min(high, Math.max(low, isInt ? Math.round(v) : v));
      },
    };
  }
  const step = dist.step;
  if (step === null) {
    return {
      dim: { kind: 'numeric', low, high, step: 0 },
      encode: (v) => v as number,
      decode: (x) => Math.min(high, Math.max(low, x)),
    };
  }
  return {
    dim: { kind: 'numeric', low: low - 0.5 * step, high: high + 0.5 * step, step },
    encode: (v) => v as number,
    decode: (x) => snapToGrid(dist, x),
  };
}
