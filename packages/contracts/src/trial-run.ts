/**
 * `trial.run`: the scheduler asks a worker to train one trial (queue `trials`).
 *
 * Epochs are counted from 1: epoch n is the n-th completed pass over the training data. A job
 * trains epochs `startEpoch + 1 … maxEpochs`; `startEpoch > 0` resumes from the checkpoint saved
 * at that epoch (`resumeCheckpoint`: an archive the scheduler puts in Redis under
 * `trialCheckpointKey`), which is how promotion ASHA continues a PAUSED trial and how a retried
 * trial skips finished work.
 */
import { type Static, Type } from 'typebox';
import { ContractError, type ContractIssue, field, schemaIssues, versionIssues } from './contract-error.js';
import { ContractId } from './contract-id.js';

export const TRIAL_RUN_VERSION = 1;

/** The CIFAR-10 training batches hold 50,000 images, the test batch 10,000. */
export const CIFAR10_TRAIN_IMAGES = 50_000;
export const CIFAR10_TEST_IMAGES = 10_000;

export const CnnObjective = Type.Object(
  {
    kind: Type.Literal('cnn'),
    dataset: Type.Object(
      {
        name: Type.Literal('cifar10'),
        /** Images used for training, taken from the training batches. */
        trainSize: Type.Integer({ minimum: 1, maximum: CIFAR10_TRAIN_IMAGES }),
        /** Images held out of the training batches for validation (vloss, accuracy, F1). */
        validationSize: Type.Integer({ minimum: 1, maximum: CIFAR10_TRAIN_IMAGES }),
        /** Images of the test batch evaluated at the end (0: none). */
        testSize: Type.Integer({ minimum: 0, maximum: CIFAR10_TEST_IMAGES }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CnnObjective = Static<typeof CnnObjective>;

/** Closed-form test functions: fast, deterministic end-to-end runs without training a model. */
export const FUNCTION_OBJECTIVE_NAMES = ['branin', 'rosenbrock', 'sphere'] as const;
export type FunctionObjectiveName = (typeof FUNCTION_OBJECTIVE_NAMES)[number];

export const FunctionObjective = Type.Object(
  {
    kind: Type.Literal('function'),
    name: Type.Union([Type.Literal('branin'), Type.Literal('rosenbrock'), Type.Literal('sphere')]),
  },
  { additionalProperties: false },
);
export type FunctionObjective = Static<typeof FunctionObjective>;

export const TrialObjective = Type.Union([CnnObjective, FunctionObjective]);
export type TrialObjective = Static<typeof TrialObjective>;

/** A parameter value as @tunefleet/search produces it. */
export const ParamValue = Type.Union([Type.Number(), Type.String(), Type.Boolean()]);

const trialRunFields = {
  v: Type.Literal(TRIAL_RUN_VERSION),
  trialId: ContractId,
  studyId: ContractId,
  trialNumber: Type.Integer({ minimum: 0 }),
  params: Type.Record(Type.String(), ParamValue),
  objective: TrialObjective,
  /** Train until this epoch (the trial's budget, or the next rung under promotion ASHA). */
  maxEpochs: Type.Integer({ minimum: 1 }),
  /** Epochs already done; 0 starts from scratch. */
  startEpoch: Type.Integer({ minimum: 0 }),
  /** Required when startEpoch > 0: the checkpoint to resume, of this trial or the one it retries. */
  resumeCheckpoint: Type.Optional(
    Type.Object({ trialId: ContractId, epoch: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  ),
  /** Seed of the trial's random streams (weights, shuffling, augmentation): unsigned 32-bit. */
  seed: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
  /** 1 for the trial's first job, +1 for each later job (promotion, re-dispatch); part of the jobId. */
  attempt: Type.Integer({ minimum: 1 }),
};

export const TrialRunJob = Type.Object(trialRunFields, { additionalProperties: false });
export type TrialRunJob = Static<typeof TrialRunJob>;

/** The same message with the objective left to objectiveIssues, so union errors stay readable. */
const TrialRunEnvelope = Type.Object({ ...trialRunFields, objective: Type.Unknown() }, { additionalProperties: false });

/** Checks what a schema cannot: the relations between fields. */
function crossFieldIssues(job: TrialRunJob): ContractIssue[] {
  const issues: ContractIssue[] = [];
  if (job.startEpoch >= job.maxEpochs) {
    issues.push({ path: '/startEpoch', message: `must be < maxEpochs (${job.maxEpochs}), got ${job.startEpoch}` });
  }
  if (job.startEpoch > 0 && !job.resumeCheckpoint) {
    issues.push({ path: '/resumeCheckpoint', message: 'is required when startEpoch > 0' });
  }
  if (job.resumeCheckpoint && job.resumeCheckpoint.epoch !== job.startEpoch) {
    issues.push({
      path: '/resumeCheckpoint/epoch',
      message: `must equal startEpoch (${job.startEpoch}), got ${job.resumeCheckpoint.epoch}`,
    });
  }
  if (job.objective.kind === 'cnn') {
    const { trainSize, validationSize } = job.objective.dataset;
    if (trainSize + validationSize > CIFAR10_TRAIN_IMAGES) {
      issues.push({
        path: '/objective/dataset',
        message: `trainSize + validationSize must be <= ${CIFAR10_TRAIN_IMAGES}, got ${trainSize + validationSize}`,
      });
    }
  }
  return issues;
}

/** Narrows a union member's errors to the branch its discriminant selects. */
function objectiveIssues(value: unknown, path: string): ContractIssue[] {
  const kind = field(value, 'kind');
  const schema = kind === 'cnn' ? CnnObjective : kind === 'function' ? FunctionObjective : null;
  if (!schema) return [{ path: `${path}/kind`, message: `must be cnn or function, got ${JSON.stringify(kind)}` }];
  return schemaIssues(schema, value).map((i) => ({ ...i, path: `${path}${i.path}` }));
}

/** Validates a `trial.run` payload; throws ContractError listing every issue. */
export function parseTrialRunJob(value: unknown): TrialRunJob {
  const version = versionIssues(value, TRIAL_RUN_VERSION);
  if (version.length > 0) throw new ContractError('trial.run', version);
  const issues = schemaIssues(TrialRunEnvelope, value);
  const objective = field(value, 'objective');
  if (objective !== undefined) issues.push(...objectiveIssues(objective, '/objective'));
  else if (!issues.some((i) => i.path === '/objective')) issues.push({ path: '/objective', message: 'is required' });
  if (issues.length > 0) throw new ContractError('trial.run', issues);
  const job = value as TrialRunJob;
  const cross = crossFieldIssues(job);
  if (cross.length > 0) throw new ContractError('trial.run', cross);
  return job;
}
