import type { Rng } from '../rng.js';
import { gridLastIndex, gridValue } from '../space/grid.js';
import type { Distribution, ParamValue } from '../space/types.js';

/**
 * One value drawn from a distribution's uniform prior (Optuna RandomSampler): uniform on [low, high]
 * (on [ln low, ln high] for log), uniform over grid points for a step, uniform over choices. A log
 * int is drawn on [ln(low − ½), ln(high + ½)] and rounded, so each integer gets the mass of its cell.
 */
export function sampleUniform(dist: Distribution, rng: Rng): ParamValue {
  if (dist.type === 'categorical') return dist.choices[rng.int(0, dist.choices.length - 1)];
  const { low, high } = dist;
  if (dist.type === 'int' && dist.log) {
    const a = Math.log(low - 0.5);
    const b = Math.log(high + 0.5);
    return Math.min(high, Math.max(low, Math.round(Math.exp(a + rng.next() * (b - a)))));
  }
  if (dist.log) {
    const a = Math.log(low);
    return Math.min(high, Math.max(low, Math.exp(a + rng.next() * (Math.log(high) - a))));
  }
  if (dist.step !== null) return gridValue(low, high, dist.step, rng.int(0, gridLastIndex(low, high, dist.step)));
  return Math.min(high, low + rng.next() * (high - low));
}
