import type { Direction } from './direction.js';

/**
 * What a trial can be optimised for, and in which direction. This module owns every formula that
 * turns a trial's metrics into its objective value; the api, scheduler and leaderboard call it.
 */
export const OBJECTIVES = {
  /** Validation cross-entropy. */
  vloss: 'minimize',
  /** Validation accuracy. */
  accuracy: 'maximize',
  /** Macro-averaged F1 over the classes. */
  f1: 'maximize',
  /** 1 / (vloss × parameters), ranked on the log scale (`logEfficiency`). */
  efficiency: 'maximize',
} as const satisfies Record<string, Direction>;

export type ObjectiveName = keyof typeof OBJECTIVES;

export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as ObjectiveName[];

/** The metrics of one trial (final, or at one epoch) that objectives and constraints read. */
export interface TrialMetrics {
  readonly vloss: number;
  readonly accuracy: number;
  /** Macro-F1. */
  readonly f1: number;
  /** Trainable parameter count of the model. */
  readonly params: number;
}

export interface Constraints {
  /** Models with more trainable parameters are rejected. */
  readonly maxParams?: number | null;
  /** Models with a lower validation accuracy are rejected. */
  readonly minAccuracy?: number | null;
}

/** Checks an objective name from user input; the error names the field. */
export function parseObjectiveName(name: unknown): ObjectiveName {
  if (typeof name === 'string' && Object.hasOwn(OBJECTIVES, name)) return name as ObjectiveName;
  throw new RangeError(`objective must be one of ${OBJECTIVE_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
}

/** The direction a study of this objective optimises in. */
export function objectiveDirection(name: ObjectiveName): Direction {
  return OBJECTIVES[parseObjectiveName(name)];
}

function checkEfficiencyInputs(vloss: number, params: number): void {
  if (!Number.isSafeInteger(params) || params < 1) throw new RangeError(`params must be an integer >= 1, got ${params}`);
  if (typeof vloss !== 'number' || vloss < 0) throw new RangeError(`vloss must be a number >= 0, got ${vloss}`);
}

/**
 * Efficiency = 1 / (vloss × parameters): loss and size traded one for one.
 *
 * Raw efficiency alone is dangerous as an objective: it rewards shrinking the model far more than
 * it punishes learning nothing. A chance-level model of 1,000 parameters on ten classes has
 * vloss = ln 10 ≈ 2.303 and efficiency ≈ 4.3·10⁻⁴, which beats the 875,592-parameter seed model
 * at vloss 0.54 (≈ 2.1·10⁻⁶) by a factor of about 205. Use it with constraints (`minAccuracy`),
 * or as a second axis of `paretoFront`, and rank it as `logEfficiency` so that values spread.
 * NaN vloss (a diverged model) gives NaN.
 */
export function efficiency(vloss: number, params: number): number {
  checkEfficiencyInputs(vloss, params);
  return 1 / (vloss * params);
}

/** −log10(vloss × parameters): efficiency on a scale where differences read as orders of magnitude. */
export function logEfficiency(vloss: number, params: number): number {
  checkEfficiencyInputs(vloss, params);
  return -Math.log10(vloss * params);
}

/** The objective value of a trial's metrics; `efficiency` is reported as `logEfficiency`. */
export function objectiveValue(name: ObjectiveName, metrics: TrialMetrics): number {
  switch (parseObjectiveName(name)) {
    case 'vloss':
      return metrics.vloss;
    case 'accuracy':
      return metrics.accuracy;
    case 'f1':
      return metrics.f1;
    case 'efficiency':
      return logEfficiency(metrics.vloss, metrics.params);
  }
}

/**
 * Whether metrics break a constraint: more than `maxParams` parameters, or accuracy below
 * `minAccuracy` (NaN accuracy breaks it). Absent or null constraints are not checked.
 */
export function violatesConstraints(
  metrics: Pick<TrialMetrics, 'params' | 'accuracy'>,
  constraints: Constraints,
): boolean {
  const { maxParams, minAccuracy } = constraints;
  if (maxParams !== undefined && maxParams !== null) {
    if (!Number.isFinite(maxParams) || maxParams < 1) throw new RangeError(`maxParams must be >= 1, got ${maxParams}`);
    if (metrics.params > maxParams) return true;
  }
  if (minAccuracy !== undefined && minAccuracy !== null) {
    if (!(minAccuracy >= 0 && minAccuracy <= 1)) throw new RangeError(`minAccuracy must be within [0, 1], got ${minAccuracy}`);
    if (!(metrics.accuracy >= minAccuracy)) return true;
  }
  return false;
}
