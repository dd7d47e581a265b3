import type { FrozenTrial } from '../trial/frozen-trial.js';
import { lastStep } from '../trial/intermediate.js';
import { decideOptunaSha, type ShaRuleConfig } from './optuna-sha-rule.js';
import type { PruneDecision, PruneRequest, Pruner, SuccessiveHalvingPrunerJSON } from './pruner.js';
import { decideRayAsha } from './ray-asha-rule.js';
import { describeValue, requireInteger } from './validate.js';

export interface SuccessiveHalvingOptions {
  /** r: the first rung's resource in epochs, or 'auto' (Optuna's estimate, rule 'optuna' only). */
  readonly minResource?: number | 'auto';
  /** η ≥ 2: about 1/η of a rung's trials continue. */
  readonly reductionFactor?: number;
  /** s: the first rung is at r·η^s. */
  readonly minEarlyStoppingRate?: number;
  /** A rung prunes every trial until more than this many trials recorded it (rule 'optuna'). */
  readonly bootstrapCount?: number;
  /** 'optuna': Optuna's SuccessiveHalvingPruner; 'ray': Ray Tune's ASHAScheduler bracket rule. */
  readonly rule?: 'optuna' | 'ray';
  /** Ray's max_t (rule 'ray' only): milestones stop below it and reports at it are not judged. */
  readonly maxResource?: number | null;
}

/**
 * Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys 2020) as a stopping rule: a trial that reaches a rung continues only if its value
 * is among the best 1/η of the values recorded there.
 *
 * Two rules are offered because the two reference implementations differ on every detail:
 * - `optuna` (default) follows optuna/pruners/_successive_halving.py exactly: rungs at r·η^(s+k),
 *   the competitors include the judged trial, keep within the best max(⌊n/η⌋, 1) with ties kept,
 *   one report may cross several rungs, NaN at a rung prunes. See `optuna-sha-rule.ts` for how the
 *   rung records Optuna keeps in system attrs are rebuilt from intermediate values. Verified
 *   decision by decision against Optuna 3.1 (test/fixtures/sha-golden.json).
 * - `ray` follows ray/tune/schedulers/async_hyperband.py `_Bracket.on_result`: milestones
 *   grace·η^(s+k) below max_t, the judged trial excluded from the comparison set, cutoff at the
 *   (1 − 1/η) nanpercentile with linear interpolation, one rung per report, the highest first.
 *
 * With `minResource: 'auto'`, Optuna estimates r once, the first time it is consulted after a trial
 * completed, as max(⌊last step / 100⌋, 1) over the COMPLETE trials, and nothing is recorded before
 * that. Here the estimate comes from the lowest-numbered COMPLETE trial with reports, and the trials
 * numbered up to it count as having recorded nothing. That is exact for a study that runs one trial
 * at a time (Optuna's default loop); with concurrent trials Optuna's answer depends on timing that
 * history does not keep, so prefer an explicit `minResource` there.
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly name = 'successive-halving';
  readonly minResource: number | 'auto';
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  readonly rule: 'optuna' | 'ray';
  readonly maxResource: number | null;

  constructor(options: SuccessiveHalvingOptions = {}) {
    const minResource = options.minResource ?? 'auto';
    this.minResource = minResource === 'auto' ? 'auto' : requireInteger('minResource', minResource, 1);
    this.reductionFactor = requireInteger('reductionFactor', options.reductionFactor ?? 4, 2);
    this.minEarlyStoppingRate = requireInteger('minEarlyStoppingRate', options.minEarlyStoppingRate ?? 0, 0);
    this.bootstrapCount = requireInteger('bootstrapCount', options.bootstrapCount ?? 0, 0);
    const rule = options.rule ?? 'optuna';
    if (rule !== 'optuna' && rule !== 'ray') {
      throw new RangeError(`rule must be 'optuna' or 'ray', got ${describeValue(rule)}`);
    }
    this.rule = rule;
    const maxResource = options.maxResource ?? null;
    this.maxResource = maxResource === null ? null : requireInteger('maxResource', maxResource, 1);
    if (this.bootstrapCount > 0 && this.minResource === 'auto') {
      throw new RangeError("bootstrapCount > 0 needs an explicit minResource, not 'auto' (as in Optuna)");
    }
    if (rule === 'ray') {
      if (this.minResource === 'auto') throw new RangeError("minResource must be an integer >= 1 with rule 'ray'");
      if (this.bootstrapCount > 0) throw new RangeError("bootstrapCount applies to rule 'optuna' only");
      if (this.maxResource !== null && this.maxResource < this.minResource) {
        throw new RangeError(`maxResource must be >= minResource (${this.minResource}), got ${this.maxResource}`);
      }
    } else if (this.maxResource !== null) {
      throw new RangeError("maxResource applies to rule 'ray' only (Optuna's rule has no maximum)");
    }
  }

  /** `decide(request).prune`. */
  shouldPrune(request: PruneRequest): boolean {
    return this.decide(request).prune;
  }

  /** Pure: see the class comment for the rule and its sources. */
  decide({ trial, history, direction }: PruneRequest): PruneDecision {
    const others = history.filter((t) => t.number !== trial.number);
    if (this.rule === 'ray') {
      const config = { ...this.ruleConfig(this.minResource as number), maxResource: this.maxResource };
      return decideRayAsha({ trial, others, config, direction });
    }
    if (this.minResource !== 'auto') {
      return decideOptunaSha({ trial, others, config: this.ruleConfig(this.minResource), direction });
    }
    const estimate = estimateMinResource([trial, ...others]);
    if (estimate === null) return { prune: false, rung: null };
    const silent = (t: FrozenTrial): boolean => t.number <= estimate.fromTrial;
    return decideOptunaSha({ trial, others, config: this.ruleConfig(estimate.minResource), direction, silent });
  }

  toJSON(): SuccessiveHalvingPrunerJSON {
    return {
      type: 'successive-halving',
      minResource: this.minResource,
      reductionFactor: this.reductionFactor,
      minEarlyStoppingRate: this.minEarlyStoppingRate,
      bootstrapCount: this.bootstrapCount,
      rule: this.rule,
      maxResource: this.maxResource,
    };
  }

  private ruleConfig(minResource: number): ShaRuleConfig {
    return {
      minResource,
      reductionFactor: this.reductionFactor,
      minEarlyStoppingRate: this.minEarlyStoppingRate,
      bootstrapCount: this.bootstrapCount,
    };
  }
}

/**
 * Optuna's `_estimate_min_resource`: max(⌊last step / 100⌋, 1), taken here from the
 * lowest-numbered COMPLETE trial that reported (see the class comment), or null when none has.
 */
export function estimateMinResource(
  trials: readonly FrozenTrial[],
): { minResource: number; fromTrial: number } | null {
  let from: FrozenTrial | null = null;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || lastStep(t) === null) continue;
    if (from === null || t.number < from.number) from = t;
  }
  if (from === null) return null;
  return { minResource: Math.max(Math.floor((lastStep(from) as number) / 100), 1), fromTrial: from.number };
}
