import { readBoolean, readInt, readNumber, readSeed } from '../sampler-options.js';

/** Number of observations in the good group l(x) given the number of finished trials. */
export type GammaFunction = (nFinished: number) => number;
/** Weights of n observations in chronological order (oldest first); non-negative, not all zero. */
export type WeightsFunction = (nObservations: number) => ArrayLike<number>;

/** Serialisable form of the default gamma: `min(ceil(fraction · n), max)`. */
export interface GammaConfig {
  readonly fraction?: number;
  readonly max?: number;
}
/** Serialisable form of the default weights: flat 1 for the newest `flat`, a ramp from 1/n for older. */
export interface WeightsConfig {
  readonly flat?: number;
}

/**
 * Options of TpeSampler; every default is Optuna 3.1's TPESampler default except `multivariate`,
 * `constantLiar` and `group`, which are on (Optuna's are off) because hyperparameters interact and
 * the fleet evaluates trials in parallel.
 */
export interface TpeOptions {
  /** Seed of the study's random streams; trial n draws from `createRng(seed, n)`. Default 0. */
  readonly seed?: number;
  /** Random sampling until this many trials are finished (COMPLETE or PRUNED). Default 10. */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) and ranked by log l(x) − log g(x). Default 24. */
  readonly nEiCandidates?: number;
  /** Size of the good group; default `n => min(ceil(0.1 n), 25)` (Optuna default_gamma). */
  readonly gamma?: GammaFunction | GammaConfig;
  /** Weight of the prior component of each estimator. Default 1. */
  readonly priorWeight?: number;
  /** Add the prior (uniform-ish) component to each estimator. Default true. */
  readonly considerPrior?: boolean;
  /** Bandwidths at least range / min(100, 1 + components) (Bergstra's magic clip). Default true. */
  readonly considerMagicClip?: boolean;
  /** Let the outermost kernels' bandwidths reach the range ends. Default false. */
  readonly considerEndpoints?: boolean;
  /** Observation weights; default flat for the newest 25, a linear ramp for older (Optuna default_weights). */
  readonly weights?: WeightsFunction | WeightsConfig;
  /** Joint kernels over a group of parameters instead of one estimator per parameter. Default true. */
  readonly multivariate?: boolean;
  /** Unfinished trials (RUNNING, WAITING, PAUSED) join the bad group, steering parallel workers apart. Default true. */
  readonly constantLiar?: boolean;
  /** With multivariate: split the space into groups of parameters that co-occur in the history. Default true. */
  readonly group?: boolean;
}

export interface ResolvedTpeOptions {
  readonly seed: number;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly gamma: GammaFunction;
  readonly gammaConfig: Required<GammaConfig> | null;
  readonly priorWeight: number;
  readonly considerPrior: boolean;
  readonly considerMagicClip: boolean;
  readonly considerEndpoints: boolean;
  readonly weights: WeightsFunction;
  readonly weightsConfig: Required<WeightsConfig> | null;
  readonly multivariate: boolean;
  readonly constantLiar: boolean;
  readonly group: boolean;
}

/** `min(ceil(fraction · n), max)`; Optuna's default_gamma with fraction 0.1 and max 25. */
export function defaultGamma(fraction = 0.1, max = 25): GammaFunction {
  return (n) => Math.min(Math.ceil(fraction * n), max);
}

/**
 * Optuna's default_weights: 1 for the newest `flat` observations, and for older ones a linear ramp
 * from 1/n up to 1 (numpy linspace(1/n, 1, n − flat)), so stale trials fade out.
 */
export function defaultWeights(flat = 25): WeightsFunction {
  return (n) => {
    const w = new Float64Array(n).fill(1);
    if (n < flat) return w;
    const ramp = n - flat;
    for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
    return w;
  };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Fills in defaults and checks every option; throws a TypeError naming the bad field. */
export function resolveTpeOptions(options: TpeOptions = {}): ResolvedTpeOptions {
  if (!isObject(options)) throw new TypeError('TPE options must be an object');
  const o = options as Record<string, unknown>;
  const known = new Set(['seed', 'nStartupTrials', 'nEiCandidates', 'gamma', 'priorWeight', 'considerPrior', 'considerMagicClip', 'considerEndpoints', 'weights', 'multivariate', 'constantLiar', 'group']);
  for (const key of Object.keys(o)) if (!known.has(key)) throw new TypeError(`unknown TPE option ${JSON.stringify(key)}`);

  let gamma: GammaFunction;
  let gammaConfig: Required<GammaConfig> | null = null;
  if (typeof o.gamma === 'function') gamma = o.gamma as GammaFunction;
  else if (o.gamma === undefined || isObject(o.gamma)) {
    const g = (o.gamma ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(g)) if (key !== 'fraction' && key !== 'max') throw new TypeError(`unknown key gamma.${key}`);
    const fraction = readNumber(g.fraction, 'gamma.fraction', 0.1, 0, false);
    if (fraction > 1) throw new TypeError(`gamma.fraction must be at most 1, got ${fraction}`);
    gammaConfig = { fraction, max: readInt(g.max, 'gamma.max', 25, 1) };
    gamma = defaultGamma(gammaConfig.fraction, gammaConfig.max);
  } else throw new TypeError('gamma must be a function or { fraction, max }');

  let weights: WeightsFunction;
  let weightsConfig: Required<WeightsConfig> | null = null;
  if (typeof o.weights === 'function') weights = o.weights as WeightsFunction;
  else if (o.weights === undefined || isObject(o.weights)) {
    const w = (o.weights ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(w)) if (key !== 'flat') throw new TypeError(`unknown key weights.${key}`);
    weightsConfig = { flat: readInt(w.flat, 'weights.flat', 25, 0) };
    weights = defaultWeights(weightsConfig.flat);
  } else throw new TypeError('weights must be a function or { flat }');

  return {
    seed: readSeed(o.seed, 'seed'),
    nStartupTrials: readInt(o.nStartupTrials, 'nStartupTrials', 10, 0),
    nEiCandidates: readInt(o.nEiCandidates, 'nEiCandidates', 24, 1),
    gamma,
    gammaConfig,
    priorWeight: readNumber(o.priorWeight, 'priorWeight', 1, 0, false),
    considerPrior: readBoolean(o.considerPrior, 'considerPrior', true),
    considerMagicClip: readBoolean(o.considerMagicClip, 'considerMagicClip', true),
    considerEndpoints: readBoolean(o.considerEndpoints, 'considerEndpoints', false),
    weights,
    weightsConfig,
    multivariate: readBoolean(o.multivariate, 'multivariate', true),
    constantLiar: readBoolean(o.constantLiar, 'constantLiar', true),
    group: readBoolean(o.group, 'group', true),
  };
}
