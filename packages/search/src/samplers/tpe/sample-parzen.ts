import type { Rng } from '../../rng.js';
import type { ParzenEstimator } from './parzen-estimator.js';
import { HEAP, type Scratch } from './scratch.js';
import { truncnormPpf } from './truncnorm.js';

function pickIndex(cumulative: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Draws `size` points (Optuna 3.1 `_ParzenEstimator.sample`): a component by weight for each point,
 * then each dimension in order from that component's kernel (inverse CDF of the truncated normal;
 * numeric grid dimensions are returned unsnapped, in the transformed space). Returns one array per
 * dimension. Consumes exactly `size · (1 + dims)` numbers of `rng`.
 */
export function sampleParzen(est: ParzenEstimator, rng: Rng, size: number, scratch: Scratch = HEAP): Float64Array[] {
  const cumulative = scratch.f64(est.nComponents);
  let acc = 0;
  for (let i = 0; i < est.nComponents; i++) cumulative[i] = acc += est.weights[i];
  const active = scratch.i32(size);
  for (let s = 0; s < size; s++) active[s] = pickIndex(cumulative, rng.next() * acc);
  return est.dims.map((dim, d) => {
    const out = scratch.f64(size);
    if (dim.kind === 'categorical') {
      const p = est.probs[d]!;
      const c = dim.nChoices;
      for (let s = 0; s < size; s++) {
        const u = rng.next();
        let cum = 0;
        let choice = c - 1;
        for (let j = 0; j < c; j++) {
          cum += p[active[s] * c + j];
          if (u < cum) {
            choice = j;
            break;
          }
        }
        out[s] = choice;
      }
    } else {
      const mu = est.mus[d]!;
      const sigma = est.sigmas[d]!;
      const logMass = est.logMasses[d]!;
      for (let s = 0; s < size; s++) {
        const k = active[s];
        const a = (dim.low - mu[k]) / sigma[k];
        const b = (dim.high - mu[k]) / sigma[k];
        out[s] = mu[k] + sigma[k] * truncnormPpf(rng.next(), a, b, logMass[k]);
      }
    }
    return out;
  });
}
