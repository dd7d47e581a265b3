export * from './space/types.js';
export * from './rng.js';
export type { Direction } from './study/direction.js';
export type { Sampler, SuggestRequest } from './samplers/sampler.js';
export type { FrozenTrial } from './trial/frozen-trial.js';
export * from './trial/lifecycle.js';
export * from './errors.js';
