import { deriveSeed } from '../rng.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import type { HyperbandPrunerJSON, PruneDecision, PruneRequest, Pruner } from './pruner.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';
import { requireInteger } from './validate.js';

export interface HyperbandConfig {
  readonly minResource: number;
  readonly maxResource: number;
  readonly reductionFactor: number;
}

/** Stream id that keeps bracket draws apart from every other use of the study seed ("HB"). */
const BRACKET_STREAM = 0x4842;

/**
 * Number of brackets: ⌊log_η(max / min)⌋ + 1 (Optuna HyperbandPruner, after Li et al. 2018,
 * Algorithm 1, s_max + 1). Computed in integers, the largest k with min·η^k ≤ max, where Optuna's
 * `math.log(max / min, η)` can round an exact power down (log(1000, 10) = 2.9999…).
 */
export function hyperbandBracketCount(config: HyperbandConfig): number {
  let k = 0;
  while (config.minResource * config.reductionFactor ** (k + 1) <= config.maxResource) k++;
  return k + 1;
}

/**
 * Each bracket's share of trials: ⌈n·η^s / (s + 1)⌉ with s = n − 1 − bracket (Optuna
 * `_calculate_trial_allocation_budget`): aggressive brackets get more, cheaper trials.
 */
export function hyperbandBudgets(config: HyperbandConfig): number[] {
  const n = hyperbandBracketCount(config);
  return Array.from({ length: n }, (_, bracket) => {
    const s = n - 1 - bracket;
    return Math.ceil((n * config.reductionFactor ** s) / (s + 1));
  });
}

/**
 * The bracket a trial belongs to: a deterministic draw weighted by bracket budget, from the study
 * seed and the trial number (Optuna draws it from crc32 of study name and trial number). Bracket b
 * runs successive halving with min early-stopping rate b. Exported so that a sampler can restrict
 * its history to a trial's bracket too.
 */
export function hyperbandBracketOf(args: {
  readonly studySeed: number;
  readonly trialNumber: number;
  readonly config: HyperbandConfig;
}): number {
  const budgets = hyperbandBudgets(args.config);
  const total = budgets.reduce((a, b) => a + b, 0);
  let n = deriveSeed(args.studySeed, BRACKET_STREAM, args.trialNumber) % total;
  for (let bracket = 0; bracket < budgets.length; bracket++) {
    n -= budgets[bracket];
    if (n < 0) return bracket;
  }
  return budgets.length - 1;
}

export interface HyperbandOptions {
  readonly minResource?: number;
  readonly maxResource: number;
  readonly reductionFactor?: number;
  readonly bootstrapCount?: number;
}

/**
 * Hyperband as a pruner (Li et al., JMLR 2018; Optuna pruners/_hyperband.py): several brackets
 * of successive halving (Optuna's rule) with different early-stopping rates, each trial assigned to
 * one bracket and compared only with the trials of its bracket.
 */
export class HyperbandPruner implements Pruner {
  readonly name = 'hyperband';
  readonly config: HyperbandConfig;
  readonly bootstrapCount: number;
  private readonly brackets: SuccessiveHalvingPruner[];

  constructor(options: HyperbandOptions) {
    const minResource = requireInteger('minResource', options.minResource ?? 1, 1);
    const maxResource = requireInteger('maxResource', options.maxResource, 1);
    if (maxResource < minResource) {
      throw new RangeError(`maxResource must be >= minResource (${minResource}), got ${maxResource}`);
    }
    const reductionFactor = requireInteger('reductionFactor', options.reductionFactor ?? 3, 2);
    this.bootstrapCount = requireInteger('bootstrapCount', options.bootstrapCount ?? 0, 0);
    this.config = { minResource, maxResource, reductionFactor };
    this.brackets = Array.from(
      { length: hyperbandBracketCount(this.config) },
      (_, bracket) =>
        new SuccessiveHalvingPruner({
          minResource,
          reductionFactor,
          minEarlyStoppingRate: bracket,
          bootstrapCount: this.bootstrapCount,
        }),
    );
  }

  shouldPrune(request: PruneRequest): boolean {
    return this.decide(request).prune;
  }

  /** Successive halving within the judged trial's bracket, over that bracket's trials only. */
  decide(request: PruneRequest): PruneDecision {
    const bracketOf = (t: FrozenTrial): number =>
      hyperbandBracketOf({ studySeed: request.studySeed, trialNumber: t.number, config: this.config });
    const bracket = bracketOf(request.trial);
    const history = request.history.filter((t) => bracketOf(t) === bracket);
    return this.brackets[bracket].decide({ ...request, history });
  }

  toJSON(): HyperbandPrunerJSON {
    return { type: 'hyperband', ...this.config, bootstrapCount: this.bootstrapCount };
  }
}
