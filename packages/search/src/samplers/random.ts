import { createRng } from '../rng.js';
import type { Params } from '../space/types.js';
import { sampleActiveParams } from './sample-active-params.js';
import { sampleUniform } from './sample-uniform.js';
import type { Sampler, SuggestRequest } from './sampler.js';
import { readSeed } from './sampler-options.js';

export interface RandomSamplerOptions {
  /** Seed of the study's random streams; trial n draws from `createRng(seed, n)`. Default 0. */
  readonly seed?: number;
}

/**
 * Independent uniform sampling of every active parameter (Optuna RandomSampler). The stream for a
 * trial depends only on (seed, trialNumber), so the history is ignored and a restarted scheduler
 * recomputes the same params.
 */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  readonly seed: number;

  constructor(options: RandomSamplerOptions = {}) {
    this.seed = readSeed(options.seed, 'seed');
  }

  suggest({ space, trialNumber }: SuggestRequest): Params {
    const rng = createRng(this.seed, trialNumber);
    return sampleActiveParams(space, (spec) => sampleUniform(spec.distribution, rng));
  }

  toJSON(): { type: 'random'; seed: number } {
    return { type: 'random', seed: this.seed };
  }
}
