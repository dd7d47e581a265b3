import { createRng } from '../../rng.js';
import type { Params } from '../../space/types.js';
import { sampleActiveParams } from '../sample-active-params.js';
import { sampleUniform } from '../sample-uniform.js';
import type { Sampler, SuggestRequest } from '../sampler.js';
import { resolveTpeOptions, type ResolvedTpeOptions, type TpeOptions } from './tpe-options.js';

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011; Optuna 3.1 samplers/_tpe/sampler.py).
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  readonly options: ResolvedTpeOptions;

  constructor(options: TpeOptions = {}) {
    this.options = resolveTpeOptions(options);
  }

  suggest({ space, trialNumber }: SuggestRequest): Params {
    const rng = createRng(this.options.seed, trialNumber);
    return sampleActiveParams(space, (spec) => sampleUniform(spec.distribution, rng));
  }

  toJSON(): { type: 'tpe' } & Record<string, unknown> {
    const o = this.options;
    if (o.gammaConfig === null) throw new TypeError('gamma is a custom function and cannot be serialised; pass { fraction, max } instead');
    if (o.weightsConfig === null) throw new TypeError('weights is a custom function and cannot be serialised; pass { flat } instead');
    return {
      type: 'tpe',
      seed: o.seed,
      nStartupTrials: o.nStartupTrials,
      nEiCandidates: o.nEiCandidates,
      gamma: { ...o.gammaConfig },
      priorWeight: o.priorWeight,
      considerPrior: o.considerPrior,
      considerMagicClip: o.considerMagicClip,
      considerEndpoints: o.considerEndpoints,
      weights: { ...o.weightsConfig },
      multivariate: o.multivariate,
      constantLiar: o.constantLiar,
      group: o.group,
    };
  }
}
