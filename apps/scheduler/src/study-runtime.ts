/**
 * A stored study rebuilt into the objects the loop calls: sampler, pruner or promotion config,
 * objective and budget. The `spec` column is the api's normalised study spec (version 1):
 * `searchSpace`, `sampler` (its seed is the study's), `prunerJSON` (null in promotion mode),
 * `promotion`, `maxEpochs`, `constraints`, `fixed`. Rebuilding is pure, so a restarted scheduler
 * gets the same sampler and pruner from the same row.
 */
import { TrialObjective } from '@tunefleet/contracts';
import type { Study } from '@tunefleet/db';
import {
  type Direction,
  type ObjectiveName,
  OBJECTIVE_NAMES,
  type PromotionAshaConfig,
  type Pruner,
  type PrunerJSON,
  type Sampler,
  type SearchSpace,
  NopPruner,
  parseSearchSpace,
  promotionAsha,
  prunerFromJSON,
  samplerFromJSON,
} from '@tunefleet/search';
import { Value } from 'typebox/value';

/** The metric that is a trial's objective value: a CNN objective, or `value` of a function objective. */
export type Metric = ObjectiveName | 'value';

export interface StudyConstraints {
  readonly maxParams: number | null;
  readonly minAccuracy: number | null;
}

export interface StudyRuntime {
  readonly studyId: string;
  readonly seed: number;
  readonly direction: Direction;
  readonly metric: Metric;
  readonly space: SearchSpace;
  readonly sampler: Sampler;
  /** NopPruner when the study does not prune, and in promotion mode. */
  readonly pruner: Pruner;
  /** Promotion-based ASHA, or null. */
  readonly promotion: PromotionAshaConfig | null;
  /** Epochs at which promotion ASHA judges rungs (its top one is maxEpochs); null without promotion. */
  readonly rungEpochs: readonly number[] | null;
  /** Epochs a trial trains at most. */
  readonly maxEpochs: number;
  readonly maxTrials: number;
  readonly parallelism: number;
  /** What each trial trains, as sent in `trial.run`. */
  readonly objective: TrialObjective;
  /** Model hyperparameters held constant; CNN jobs train `{ ...fixed, ...params }`. */
  readonly fixed: Readonly<Record<string, unknown>>;
  readonly constraints: StudyConstraints;
}

export interface SpecIssue {
  readonly field: string;
  readonly message: string;
}

/** A stored study the scheduler cannot run; the loop fails the study and logs the issues. */
export class StudySpecError extends Error {
  readonly code = 'STUDY_SPEC_INVALID' as const;
  constructor(
    readonly studyId: string,
    readonly issues: readonly SpecIssue[],
  ) {
    super(`study ${studyId} cannot be run: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`);
    this.name = 'StudySpecError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function positiveIntOrNull(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return null;
  return Number.isSafeInteger(value) && (value as number) >= 1 ? (value as number) : undefined;
}

/**
 * Rebuilds a study's runtime from its row.
 * @throws StudySpecError listing every field it cannot use.
 */
export function buildStudyRuntime(study: Study): StudyRuntime {
  const issues: SpecIssue[] = [];
  const issue = (field: string, message: string): void => {
    issues.push({ field, message });
  };
  const attempt = <T>(field: string, build: () => T): T | null => {
    try {
      return build();
    } catch (err) {
      issue(field, (err as Error).message);
      return null;
    }
  };

  const spec = isRecord(study.spec) ? study.spec : {};
  if (!isRecord(study.spec)) issue('spec', 'must be an object');

  const metric = study.metric as Metric;
  if (metric !== 'value' && !(OBJECTIVE_NAMES as readonly string[]).includes(metric)) {
    issue('metric', `must be value or one of ${OBJECTIVE_NAMES.join(', ')}, got ${JSON.stringify(study.metric)}`);
  }

  const space = attempt('spec.searchSpace', () => parseSearchSpace(spec.searchSpace));

  const samplerJSON = isRecord(spec.sampler) ? spec.sampler : { type: 'tpe' };
  if (spec.sampler !== undefined && !isRecord(spec.sampler)) issue('spec.sampler', 'must be an object with a type');
  const sampler = attempt('spec.sampler', () =>
    samplerFromJSON({ ...samplerJSON, seed: samplerJSON.seed ?? study.seed } as unknown as { type: string }),
  );

  const promotion = isRecord(spec.promotion) ? (spec.promotion as unknown as PromotionAshaConfig) : null;
  if (spec.promotion !== undefined && spec.promotion !== null && promotion === null) {
    issue('spec.promotion', 'must be an object { minResource, maxResource, reductionFactor } or null');
  }
  const rungEpochs = promotion === null ? null : attempt('spec.promotion', () => promotionAsha.rungResources(promotion));

  let pruner: Pruner | null = new NopPruner();
  if (promotion === null && spec.prunerJSON !== undefined && spec.prunerJSON !== null) {
    pruner = attempt('spec.prunerJSON', () => prunerFromJSON(spec.prunerJSON as unknown as PrunerJSON));
  }

  const maxEpochs = positiveIntOrNull(spec.maxEpochs) ?? promotion?.maxResource;
  if (maxEpochs === undefined || maxEpochs === null) issue('spec.maxEpochs', 'must be an integer >= 1');
  if (promotion !== null && maxEpochs !== undefined && maxEpochs !== null && promotion.maxResource !== maxEpochs) {
    issue('spec.promotion.maxResource', `must equal spec.maxEpochs (${maxEpochs}), got ${promotion.maxResource}`);
  }

  if (!Value.Check(TrialObjective, study.objective)) {
    issue('objective', 'must be { kind: "cnn", dataset } or { kind: "function", name } as trial.run carries it');
  }
  const objective = study.objective as TrialObjective;

  const fixed = spec.fixed === undefined || spec.fixed === null ? {} : spec.fixed;
  if (!isRecord(fixed)) issue('spec.fixed', 'must be an object of hyperparameter values');

  const rawConstraints = isRecord(spec.constraints) ? spec.constraints : {};
  const maxParams = positiveIntOrNull(rawConstraints.maxParams);
  if (maxParams === undefined) issue('spec.constraints.maxParams', 'must be an integer >= 1 or null');
  const minAccuracy = rawConstraints.minAccuracy ?? null;
  if (minAccuracy !== null && !(typeof minAccuracy === 'number' && minAccuracy >= 0 && minAccuracy <= 1)) {
    issue('spec.constraints.minAccuracy', 'must be a number in [0, 1] or null');
  }

  if (issues.length > 0) throw new StudySpecError(study.id, issues);
  return {
    studyId: study.id,
    seed: study.seed,
    direction: study.direction,
    metric,
    space: space as SearchSpace,
    sampler: sampler as Sampler,
    pruner: pruner as Pruner,
    promotion,
    rungEpochs,
    maxEpochs: maxEpochs as number,
    maxTrials: study.maxTrials,
    parallelism: study.parallelism,
    objective,
    fixed: fixed as Record<string, unknown>,
    constraints: { maxParams: maxParams ?? null, minAccuracy: minAccuracy as number | null },
  };
}

/**
 * The epoch a job for a trial starting at `startEpoch` trains until: the study's budget, or under
 * promotion ASHA the first rung past `startEpoch` (the trial pauses there).
 */
export function trainUntilEpoch(runtime: StudyRuntime, startEpoch: number): number {
  if (runtime.rungEpochs === null) return runtime.maxEpochs;
  return runtime.rungEpochs.find((epoch) => epoch > startEpoch) ?? runtime.maxEpochs;
}
