/**
 * Validation of a study submission beyond what its JSON schema can say: the search space against
 * the model's hyperparameter specs, objective and direction, pruner consistency, dataset sizes,
 * sampler options and fixed hyperparameters. Pure: the caller supplies the seed to use when the
 * submission has none. Every problem is collected into one StudySpecError, each naming its field
 * as a JSON path into the body (`space.learning_rate.low`), so a client fixes its request in one
 * round.
 */
import {
  type Distribution,
  type Direction,
  HyperbandPruner,
  type PromotionAshaConfig,
  type PrunerJSON,
  SearchSpaceError,
  type SearchSpace,
  SuccessiveHalvingPruner,
  OBJECTIVES,
  TEST_FUNCTIONS,
  parseSearchSpace,
  promotionAsha,
  samplerFromJSON,
} from '@tunefleet/search';
import {
  ArchitectureError,
  HYPERPARAMETER_SPECS,
  type HyperparameterSpec,
  resolveHyperparameters,
} from '@tunefleet/models/config';
import {
  CIFAR10_TEST_IMAGES,
  CIFAR10_TRAIN_IMAGES,
  type CnnObjective,
  type FunctionObjectiveName,
  type TrialObjective,
} from '@tunefleet/contracts';
import { type Issue, StudySpecError, joinPath } from './errors.js';
import type { CreateStudyBody } from './schemas/studies.js';

export const DEFAULT_DATASET = { trainSize: 45_000, validationSize: 5_000, testSize: 10_000 } as const;
/** η when the submission gives none: Hyperband's default (Li et al., JMLR 2018). */
export const DEFAULT_REDUCTION_FACTOR = 3;

export type Metric = 'vloss' | 'accuracy' | 'f1' | 'efficiency' | 'value';

/** The pruner as the scheduler reads it, every default filled in. */
export type NormalisedPruner =
  | {
      readonly type: 'asha';
      readonly mode: 'stop' | 'promote';
      readonly rule: 'optuna' | 'ray';
      readonly minEpochs: number;
      readonly maxEpochs: number;
      readonly reductionFactor: number;
    }
  | { readonly type: 'hyperband'; readonly minEpochs: number; readonly maxEpochs: number; readonly reductionFactor: number }
  | { readonly type: 'none'; readonly maxEpochs: number };

export type DatasetSpec = CnnObjective['dataset'];

/**
 * The stored `spec` column (version 1). The scheduler rebuilds the study from it: the sampler with
 * `samplerFromJSON(sampler)` (the study seed is in it), the pruner with `prunerFromJSON(prunerJSON)`
 * or, in promotion mode, `promotionAsha` with `promotion`; CNN trials train `{ ...fixed, ...params }`.
 */
export interface NormalisedStudySpec {
  readonly v: 1;
  readonly kind: 'cnn' | 'function';
  /** The search-space JSON as submitted (validated). */
  readonly searchSpace: Record<string, unknown>;
  readonly objective: Metric;
  readonly direction: Direction;
  readonly constraints: { readonly maxParams: number | null; readonly minAccuracy: number | null };
  readonly sampler: { readonly type: 'tpe' | 'random'; readonly seed: number } & Record<string, unknown>;
  readonly pruner: NormalisedPruner;
  /** `prunerFromJSON` input; null in promotion mode, which has no Pruner (see `promotion`). */
  readonly prunerJSON: PrunerJSON | null;
  readonly promotion: PromotionAshaConfig | null;
  readonly maxEpochs: number;
  readonly dataset: DatasetSpec | null;
  readonly function: { readonly name: string } | null;
  /** Model hyperparameters held constant (not in the space); empty for function studies. */
  readonly fixed: Record<string, unknown>;
  readonly seed: number;
  readonly maxTrials: number;
  readonly parallelism: number;
  /** The body exactly as submitted. */
  readonly submitted: CreateStudyBody;
}

export interface NormalisedStudy {
  readonly name: string;
  readonly metric: Metric;
  readonly direction: Direction;
  readonly seed: number;
  readonly maxTrials: number;
  readonly parallelism: number;
  /** What each trial trains, as sent to workers (the `objective` column, `TrialRunJob.objective`). */
  readonly objective: TrialObjective;
  readonly spec: NormalisedStudySpec;
}

export interface StudySpecContext {
  /** Used when the submission has no `seed`. */
  readonly defaultSeed: number;
  /** Names of the function objectives the workers evaluate. */
  readonly functionNames: readonly string[];
}

const CNN_METRICS: ReadonlySet<string> = new Set(Object.keys(OBJECTIVES));

function directionOf(metric: Metric): Direction {
  // Function objectives are minimisation problems (Branin, Hartmann-6, … have known minima).
  return metric === 'value' ? 'minimize' : OBJECTIVES[metric];
}

/**
 * Validates a schema-valid submission and returns what to store.
 * @throws StudySpecError listing every problem, each with its field.
 */
export function normaliseStudySpec(body: CreateStudyBody, context: StudySpecContext): NormalisedStudy {
  const issues: Issue[] = [];
  const report = (field: string, message: string): void => {
    issues.push({ field, message });
  };

  if (body.name.trim() === '') report('name', 'must contain a non-blank character');

  // What the study trains: a CNN on a dataset, or a function objective.
  const isFunction = body.function !== undefined;
  if (isFunction && body.dataset !== undefined) report('function', 'give either dataset (a CNN study) or function, not both');
  if (!isFunction && body.dataset === undefined) {
    report('dataset', 'is required for a CNN study (or give function for a function objective)');
  }
  if (isFunction && !context.functionNames.includes(body.function!.name)) {
    report('function.name', `must be one of ${context.functionNames.join(', ')}, got ${JSON.stringify(body.function!.name)}`);
  }

  // Objective and direction.
  let metric: Metric;
  if (isFunction) {
    metric = 'value';
    if (body.objective !== undefined && body.objective !== 'value') {
      report('objective', `a function study optimises the function's value; use 'value' or omit it, got ${JSON.stringify(body.objective)}`);
    }
  } else if (body.objective === undefined) {
    metric = 'vloss';
    report('objective', `is required for a CNN study: one of ${[...CNN_METRICS].join(', ')}`);
  } else if (!CNN_METRICS.has(body.objective)) {
    metric = 'vloss';
    report('objective', `must be one of ${[...CNN_METRICS].join(', ')} for a CNN study, got ${JSON.stringify(body.objective)}`);
  } else metric = body.objective;
  const direction = directionOf(metric);
  if (body.direction !== undefined && body.direction !== direction) {
    report('direction', `objective ${metric} is optimised with direction ${direction}; got ${body.direction}`);
  }

  // Constraints are about models; a function has neither parameters nor accuracy.
  if (isFunction && body.constraints !== undefined) report('constraints', 'apply to CNN studies only');
  const constraints = { maxParams: body.constraints?.maxParams ?? null, minAccuracy: body.constraints?.minAccuracy ?? null };

  // The search space, and for a CNN its fit to the model's hyperparameters.
  const space = parseSpace(body.space, report);
  if (!isFunction) checkSpaceAgainstModel(body.space, space, report);
  else if (context.functionNames.includes(body.function!.name)) checkSpaceAgainstFunction(body.function!.name, body.space, report);

  // Fixed hyperparameters.
  const fixed = body.fixed ?? {};
  if (isFunction && body.fixed !== undefined) report('fixed', 'applies to CNN studies only (a function has no hyperparameters)');
  if (!isFunction) checkFixed(fixed, body.space, space, report);

  // Dataset sizes.
  const dataset = body.dataset === undefined ? null : normaliseDataset(body.dataset, report);

  // Seed and sampler.
  const seed = body.seed ?? context.defaultSeed;
  const samplerInput = (body.sampler ?? { type: 'tpe' }) as { type: 'tpe' | 'random' } & Record<string, unknown>;
  if (Object.hasOwn(samplerInput, 'seed')) report('sampler.seed', "is the study's: set seed at the top level instead");
  const sampler = { ...samplerInput, seed };
  try {
    samplerFromJSON(sampler);
  } catch (err) {
    report('sampler', (err as Error).message);
  }

  const { pruner, prunerJSON, promotion } = normalisePruner(body.pruner, report);

  if (issues.length > 0) throw new StudySpecError(issues);
  const objective: TrialObjective = isFunction
    ? ({ kind: 'function', name: body.function!.name as FunctionObjectiveName } as TrialObjective)
    : { kind: 'cnn', dataset: dataset as DatasetSpec };
  const spec: NormalisedStudySpec = {
    v: 1,
    kind: objective.kind,
    searchSpace: body.space,
    objective: metric,
    direction,
    constraints,
    sampler,
    pruner,
    prunerJSON,
    promotion,
    maxEpochs: pruner.maxEpochs,
    dataset,
    function: isFunction ? { name: body.function!.name } : null,
    fixed,
    seed,
    maxTrials: body.maxTrials,
    parallelism: body.parallelism,
    submitted: body,
  };
  return {
    name: body.name,
    metric,
    direction,
    seed,
    maxTrials: body.maxTrials,
    parallelism: body.parallelism,
    objective,
    spec,
  };
}

type Report = (field: string, message: string) => void;

function parseSpace(json: Record<string, unknown>, report: Report): SearchSpace | null {
  try {
    return parseSearchSpace(json);
  } catch (err) {
    if (!(err instanceof SearchSpaceError)) throw err;
    for (const issue of err.issues) report(issue.param === '' ? 'space' : joinPath('space', issue.param), issue.message);
    return null;
  }
}

// A function input's name: an identifier, so params stay plain data whatever reads them.
const FUNCTION_INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * A function objective takes finite numbers, as many as the function has inputs (the worker's
 * `functionInputs`), under identifier names that no JavaScript object already has (`constructor`,
 * `toString`, `__proto__`): the api refuses what the worker could only fail.
 */
function checkSpaceAgainstFunction(name: string, json: Record<string, unknown>, report: Report): void {
  const names = Object.keys(json);
  for (const param of names) {
    const field = joinPath('space', param);
    if (!FUNCTION_INPUT_NAME.test(param)) {
      report(field, 'a function input is named with letters, digits and _ (not starting with a digit), at most 64 characters');
    } else if (param in Object.prototype) {
      report(field, `is reserved: every JavaScript object has a property ${JSON.stringify(param)}`);
    }
    const d = json[param] as { type?: unknown; choices?: unknown } | null;
    if (d !== null && typeof d === 'object' && d.type === 'categorical' && Array.isArray(d.choices)) {
      d.choices.forEach((choice, i) => {
        if (typeof choice !== 'number' || !Number.isFinite(choice)) {
          report(`${field}.choices[${i}]`, `a function objective takes finite numbers, got ${JSON.stringify(choice)}`);
        }
      });
    }
  }
  if (!Object.hasOwn(TEST_FUNCTIONS, name)) return;
  const fn = TEST_FUNCTIONS[name as keyof typeof TEST_FUNCTIONS];
  if (fn.dimensions !== null && names.length !== fn.dimensions) {
    report('space', `${name} takes exactly ${fn.dimensions} inputs, got ${names.length}`);
  } else if (names.length < fn.minDimensions) {
    report('space', `${name} takes at least ${fn.minDimensions} inputs, got ${names.length}`);
  }
}

function describeSpec(spec: HyperparameterSpec): string {
  return spec.kind === 'categorical'
    ? `one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}`
    : `${spec.kind === 'int' ? 'an integer' : 'a number'} in [${spec.low}, ${spec.high}]`;
}

/** Whether one categorical choice is a value the hyperparameter accepts. */
function acceptsValue(spec: HyperparameterSpec, value: unknown): boolean {
  if (spec.kind === 'categorical') return spec.choices.includes(value as never);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (spec.kind === 'int' && !Number.isInteger(value)) return false;
  return value >= spec.low && value <= spec.high;
}

/**
 * A search space may narrow what a hyperparameter accepts, never widen it: unknown names, a range
 * reaching outside the spec, a float range over an integer hyperparameter, or a choice the model
 * does not accept are errors, each at the exact key (`space.dropout.high`, `space.kernel.choices[1]`).
 */
function checkSpaceAgainstModel(json: Record<string, unknown>, space: SearchSpace | null, report: Report): void {
  const known = Object.keys(HYPERPARAMETER_SPECS);
  for (const name of Object.keys(json)) {
    if (!Object.hasOwn(HYPERPARAMETER_SPECS, name)) {
      report(joinPath('space', name), `is not a model hyperparameter; the model accepts ${known.join(', ')}`);
    }
  }
  if (space === null) return;
  for (const { name, distribution } of space.params) {
    if (!Object.hasOwn(HYPERPARAMETER_SPECS, name)) continue;
    const spec = HYPERPARAMETER_SPECS[name as keyof typeof HYPERPARAMETER_SPECS];
    checkDistribution(joinPath('space', name), name, distribution, spec, report);
  }
}

function checkDistribution(field: string, name: string, d: Distribution, spec: HyperparameterSpec, report: Report): void {
  if (d.type === 'categorical') {
    d.choices.forEach((choice, i) => {
      if (!acceptsValue(spec, choice)) {
        report(`${field}.choices[${i}]`, `${JSON.stringify(choice)} is not a value ${name} accepts (${describeSpec(spec)})`);
      }
    });
    return;
  }
  if (spec.kind === 'categorical') {
    report(`${field}.type`, `${name} is categorical (${describeSpec(spec)}): use type categorical`);
    return;
  }
  if (spec.kind === 'int' && d.type === 'float') {
    report(`${field}.type`, `${name} is an integer hyperparameter: use type int`);
    return;
  }
  if (d.low < spec.low) report(`${field}.low`, `must be >= ${spec.low}: ${name} accepts [${spec.low}, ${spec.high}], got ${d.low}`);
  if (d.high > spec.high) report(`${field}.high`, `must be <= ${spec.high}: ${name} accepts [${spec.low}, ${spec.high}], got ${d.high}`);
}

/**
 * Fixed hyperparameters are checked with `resolveHyperparameters` on a representative configuration:
 * the fixed values, the space's value nearest each searched hyperparameter's default, and the
 * defaults of the rest. A problem blamed on a fixed value is reported at `fixed.<name>`. A
 * structural problem (e.g. cnn_layers versus downsample) blamed on a searched hyperparameter is
 * not: other points of the space may be buildable, and such configurations fail as trials.
 */
function checkFixed(
  fixed: Record<string, unknown>,
  json: Record<string, unknown>,
  space: SearchSpace | null,
  report: Report,
): void {
  for (const name of Object.keys(fixed)) {
    if (Object.hasOwn(json, name)) report(joinPath('fixed', name), 'is also in the search space; a hyperparameter is either searched or fixed');
  }
  const representative: Record<string, unknown> = {};
  for (const p of space?.params ?? []) {
    if (!Object.hasOwn(HYPERPARAMETER_SPECS, p.name) || Object.hasOwn(fixed, p.name)) continue;
    const spec = HYPERPARAMETER_SPECS[p.name as keyof typeof HYPERPARAMETER_SPECS];
    representative[p.name] = nearestToDefault(p.distribution, spec);
  }
  try {
    resolveHyperparameters({ ...representative, ...fixed });
  } catch (err) {
    if (!(err instanceof ArchitectureError)) throw err;
    for (const issue of err.issues) {
      if (Object.hasOwn(fixed, issue.field)) report(joinPath('fixed', issue.field), issue.message);
      else if (!Object.hasOwn(representative, issue.field) && space !== null) {
        report('fixed', `with the other hyperparameters at their defaults the model cannot be built: ${issue.field}: ${issue.message}`);
      }
    }
  }
}

function nearestToDefault(d: Distribution, spec: HyperparameterSpec): unknown {
  if (d.type === 'categorical') return d.choices.includes(spec.default as never) ? spec.default : d.choices[0];
  const target = typeof spec.default === 'number' ? spec.default : d.low;
  return Math.min(d.high, Math.max(d.low, target));
}

function normaliseDataset(input: NonNullable<CreateStudyBody['dataset']>, report: Report): DatasetSpec {
  const dataset: DatasetSpec = {
    name: input.name,
    trainSize: input.trainSize ?? DEFAULT_DATASET.trainSize,
    validationSize: input.validationSize ?? DEFAULT_DATASET.validationSize,
    testSize: input.testSize ?? DEFAULT_DATASET.testSize,
  };
  if (dataset.trainSize + dataset.validationSize > CIFAR10_TRAIN_IMAGES) {
    const field = input.trainSize !== undefined ? 'dataset.trainSize' : 'dataset.validationSize';
    report(
      field,
      `trainSize + validationSize must be at most ${CIFAR10_TRAIN_IMAGES} (the CIFAR-10 training images they are drawn from), ` +
        `got ${dataset.trainSize} + ${dataset.validationSize}`,
    );
  }
  if (dataset.testSize > CIFAR10_TEST_IMAGES) report('dataset.testSize', `must be at most ${CIFAR10_TEST_IMAGES}, got ${dataset.testSize}`);
  return dataset;
}

function normalisePruner(
  input: CreateStudyBody['pruner'],
  report: Report,
): { pruner: NormalisedPruner; prunerJSON: PrunerJSON | null; promotion: PromotionAshaConfig | null } {
  const { maxEpochs } = input;
  const notFor = (key: 'mode' | 'rule' | 'minEpochs' | 'reductionFactor', applies: string): void => {
    if (input[key] !== undefined) report(`pruner.${key}`, `applies to ${applies} only, not to pruner type ${input.type}`);
  };
  const minEpochs = input.minEpochs ?? 1;
  const reductionFactor = input.reductionFactor ?? DEFAULT_REDUCTION_FACTOR;
  if (input.type !== 'none' && minEpochs > maxEpochs) {
    report('pruner.minEpochs', `must be <= maxEpochs (${maxEpochs}), got ${minEpochs}`);
  }
  const constructed = (build: () => PrunerJSON | null): PrunerJSON | null => {
    try {
      return build();
    } catch (err) {
      report('pruner', (err as Error).message);
      return null;
    }
  };
  switch (input.type) {
    case 'none': {
      notFor('mode', 'asha');
      notFor('rule', 'asha');
      notFor('minEpochs', 'asha and hyperband');
      notFor('reductionFactor', 'asha and hyperband');
      return { pruner: { type: 'none', maxEpochs }, prunerJSON: { type: 'nop' }, promotion: null };
    }
    case 'hyperband': {
      notFor('mode', 'asha');
      notFor('rule', 'asha');
      const pruner = { type: 'hyperband', minEpochs, maxEpochs, reductionFactor } as const;
      const prunerJSON =
        minEpochs <= maxEpochs
          ? constructed(() => new HyperbandPruner({ minResource: minEpochs, maxResource: maxEpochs, reductionFactor }).toJSON())
          : null;
      return { pruner, prunerJSON, promotion: null };
    }
    case 'asha': {
      const mode = input.mode ?? 'stop';
      if (mode === 'promote' && input.rule !== undefined) report('pruner.rule', "applies to mode 'stop' only");
      const rule = input.rule ?? 'optuna';
      const pruner = { type: 'asha', mode, rule, minEpochs, maxEpochs, reductionFactor } as const;
      if (minEpochs > maxEpochs) return { pruner, prunerJSON: null, promotion: null };
      if (mode === 'promote') {
        const promotion = { minResource: minEpochs, maxResource: maxEpochs, reductionFactor };
        constructed(() => {
          promotionAsha.rungResources(promotion);
          return null;
        });
        return { pruner, prunerJSON: null, promotion };
      }
      const prunerJSON = constructed(() =>
        new SuccessiveHalvingPruner({
          minResource: minEpochs,
          reductionFactor,
          minEarlyStoppingRate: 0,
          bootstrapCount: 0,
          rule,
          maxResource: rule === 'ray' ? maxEpochs : null,
        }).toJSON(),
      );
      return { pruner, prunerJSON, promotion: null };
    }
  }
}
