import type { Direction } from '../study/direction.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { lastStep } from '../trial/intermediate.js';
import { requireInteger } from './validate.js';

export interface PromotionAshaConfig {
  /** r: epochs of the first rung. */
  readonly minResource: number;
  /** R: epochs a trial trains at most; the top rung. */
  readonly maxResource: number;
  /** η ≥ 2: the top 1/η of a rung are promoted. */
  readonly reductionFactor: number;
}

export type AshaJob =
  | {
      readonly kind: 'promote';
      readonly trialNumber: number;
      /** The rung the trial is promoted to. */
      readonly rung: number;
      /** The epoch its checkpoint was taken at (the resource of the rung it leaves). */
      readonly resumeFromEpoch: number;
      readonly trainUntilEpoch: number;
    }
  | { readonly kind: 'new'; readonly trainUntilEpoch: number };

function checkConfig(config: PromotionAshaConfig): void {
  requireInteger('minResource', config.minResource, 1);
  requireInteger('maxResource', config.maxResource, 1);
  requireInteger('reductionFactor', config.reductionFactor, 2);
  if (config.maxResource < config.minResource) {
    throw new RangeError(`maxResource must be >= minResource (${config.minResource}), got ${config.maxResource}`);
  }
}

/**
 * Epochs at which each rung is judged: r·η^k for k < K, then R, with K = ⌊log_η(R/r)⌋ (in
 * integers). The paper's top rung r·η^K ≤ R is stretched to R so that the trials that reach it
 * train their full budget; with R a power of η times r the two agree.
 */
function rungResources(config: PromotionAshaConfig): number[] {
  checkConfig(config);
  const out: number[] = [];
  let resource = config.minResource;
  while (resource * config.reductionFactor <= config.maxResource) {
    out.push(resource);
    resource *= config.reductionFactor;
  }
  out.push(config.maxResource);
  return out;
}

/** The highest rung whose resource `epoch` has reached, or -1 before the first rung. */
function rungOf(epoch: number, config: PromotionAshaConfig): number {
  const resources = rungResources(config);
  let rung = -1;
  while (rung + 1 < resources.length && resources[rung + 1] <= epoch) rung++;
  return rung;
}

/**
 * Whether a trial has left rung k for a higher one: it has a value for an epoch past the rung's
 * resource, or it is RUNNING from the rung onwards (promoted and resumed, its next epoch not yet
 * reported). A PAUSED trial whose last epoch is the rung's resource has not been promoted.
 */
function isPromotedPast(trial: FrozenTrial, resource: number): boolean {
  const last = lastStep(trial);
  if (last === null) return false;
  return last > resource || (trial.state === 'RUNNING' && last >= resource);
}

/** Best first; NaN last; equal values by trial number so that the choice is deterministic. */
function byValueAt(resource: number, direction: Direction) {
  const sign = direction === 'maximize' ? -1 : 1;
  return (a: FrozenTrial, b: FrozenTrial): number => {
    const va = a.intermediate[resource];
    const vb = b.intermediate[resource];
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) return na === nb ? a.number - b.number : na ? 1 : -1;
    return sign * (va - vb) || a.number - b.number;
  };
}

/**
 * Promotion-based ASHA's job choice (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys 2020, Algorithm 2, `get_job`): scanning rungs from the top down, the candidates of
 * rung k are the best ⌊n_k/η⌋ of the n_k trials that reached it (ranked by their value at the rung's
 * resource) that have not been promoted past it yet; the best PAUSED candidate is promoted to
 * k + 1. When no rung has one, a new trial is started and trained to the first rung.
 *
 * Pure: which trials reached a rung and which were promoted is read from the history (see
 * `isPromotedPast`), so a restarted scheduler picks the same job. The caller moves the chosen
 * trial PAUSED → RUNNING (`promoted`) before dispatching it, which is what marks it promoted.
 * A trial that never makes the cut stays PAUSED until the study ends.
 */
function getJob(args: {
  readonly history: readonly FrozenTrial[];
  readonly direction: Direction;
  readonly config: PromotionAshaConfig;
}): AshaJob {
  const { history, direction, config } = args;
  const resources = rungResources(config);
  for (let k = resources.length - 2; k >= 0; k--) {
    const resource = resources[k];
    const members = history.filter((t) => t.intermediate[resource] !== undefined);
    const top = members.sort(byValueAt(resource, direction)).slice(0, Math.floor(members.length / config.reductionFactor));
    const candidate = top.find(
      (t) => t.state === 'PAUSED' && !Number.isNaN(t.intermediate[resource]) && !isPromotedPast(t, resource),
    );
    if (candidate !== undefined) {
      return {
        kind: 'promote',
        trialNumber: candidate.number,
        rung: k + 1,
        resumeFromEpoch: resource,
        trainUntilEpoch: resources[k + 1],
      };
    }
  }
  return { kind: 'new', trainUntilEpoch: resources[0] };
}

/** Promotion-based ASHA: the scheduler asks `getJob` whenever a worker is free. */
export const promotionAsha = { getJob, rungOf, rungResources, isPromotedPast } as const;
