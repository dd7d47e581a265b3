/**
 * Messages from workers to the scheduler (queue `trial-events`); the BullMQ job name is the
 * message's `type`. Every message is safe to receive twice: job ids are deterministic
 * (job-ids.ts) and the scheduler applies them through the lifecycle table, where repeats are
 * `ignore`. Numbers are finite: BullMQ stores job data as JSON, which has no NaN or Infinity, so a
 * diverged model is reported as `finished` with `failure.type = 'diverged'`, not as a NaN loss.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { ContractError, type ContractIssue, field, schemaIssues, versionIssues } from './contract-error.js';
import { ContractId } from './contract-id.js';

export const TRIAL_EVENT_VERSION = 1;

const Version = Type.Literal(TRIAL_EVENT_VERSION);
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const NonNegative = Type.Number({ minimum: 0 });

/** The worker's tfjs backend: tensorflow-gpu, tensorflow (CPU), wasm or cpu. */
export const TRAINING_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type TrainingBackend = (typeof TRAINING_BACKENDS)[number];
const Backend = Type.Union([
  Type.Literal('tensorflow-gpu'),
  Type.Literal('tensorflow'),
  Type.Literal('wasm'),
  Type.Literal('cpu'),
]);

/** A worker picked the job up and is about to train. */
export const TrialStartedEvent = Type.Object(
  {
    v: Version,
    type: Type.Literal('started'),
    trialId: ContractId,
    /** `TrialRunJob.attempt` of the job being run. */
    attempt: Type.Integer({ minimum: 1 }),
    workerId: ContractId,
    backend: Backend,
  },
  { additionalProperties: false },
);
export type TrialStartedEvent = Static<typeof TrialStartedEvent>;

/**
 * One epoch's measurements. CNN trials send vloss, accuracy, f1, trainLoss and imagesPerSec;
 * function objectives send `value`. Which one is the objective is the study's choice.
 */
export const EpochMetrics = Type.Object(
  {
    vloss: Type.Optional(NonNegative),
    accuracy: Type.Optional(Fraction),
    /** Macro-F1 on the validation split. */
    f1: Type.Optional(Fraction),
    trainLoss: Type.Optional(NonNegative),
    /** The value of a function objective. */
    value: Type.Optional(Type.Number()),
    imagesPerSec: Type.Optional(NonNegative),
    /** Wall time of this epoch (training and validation). */
    elapsedMs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type EpochMetrics = Static<typeof EpochMetrics>;

/** The checkpoint of this epoch, stored in Redis under `trialCheckpointKey(trialId, epoch)` (redis-keys.ts). */
export const CheckpointRef = Type.Object(
  {
    epoch: Type.Integer({ minimum: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type CheckpointRef = Static<typeof CheckpointRef>;

export const TrialEpochEvent = Type.Object(
  {
    v: Version,
    type: Type.Literal('epoch'),
    trialId: ContractId,
    /** 1-based number of the epoch just completed. */
    epoch: Type.Integer({ minimum: 1 }),
    metrics: EpochMetrics,
    checkpoint: Type.Optional(CheckpointRef),
  },
  { additionalProperties: false },
);
export type TrialEpochEvent = Static<typeof TrialEpochEvent>;

/** Final evaluation of a trained model. CNN trials send all but `value`; functions send `value`. */
export const FinalMetrics = Type.Object(
  {
    vloss: Type.Optional(NonNegative),
    accuracy: Type.Optional(Fraction),
    f1: Type.Optional(Fraction),
    /** Accuracy (recall) of each class, in class-index order. */
    perClassAccuracy: Type.Optional(Type.Array(Fraction)),
    /** counts[true class][predicted class]. */
    confusionMatrix: Type.Optional(Type.Array(Type.Array(Type.Integer({ minimum: 0 })))),
    /** Trainable parameters of the model. */
    parameterCount: Type.Optional(Type.Integer({ minimum: 1 })),
    value: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type FinalMetrics = Static<typeof FinalMetrics>;

/**
 * How a job ended. `complete`: trained to maxEpochs. `paused`: stopped at a rung as asked
 * (promotion ASHA; maxEpochs was the rung). `stopped`: its stop key was set. `failed`: see
 * `failure` (`diverged`, `invalid-params`, `out-of-memory`, `worker-error`, …).
 */
export const TRIAL_OUTCOMES = ['complete', 'paused', 'stopped', 'failed'] as const;
export type TrialOutcome = (typeof TRIAL_OUTCOMES)[number];

export const TrialFailure = Type.Object(
  {
    /** Stable kebab-case category that dashboards and retries branch on. */
    type: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }),
    message: Type.String({ maxLength: 4000 }),
  },
  { additionalProperties: false },
);
export type TrialFailure = Static<typeof TrialFailure>;

export const TrialFinishedEvent = Type.Object(
  {
    v: Version,
    type: Type.Literal('finished'),
    trialId: ContractId,
    /** `TrialRunJob.attempt`: a trial paused and promoted finishes once per job. */
    attempt: Type.Integer({ minimum: 1 }),
    outcome: Type.Union([Type.Literal('complete'), Type.Literal('paused'), Type.Literal('stopped'), Type.Literal('failed')]),
    /** Last epoch completed by this job (0 if none). */
    epoch: Type.Integer({ minimum: 0 }),
    metrics: Type.Optional(FinalMetrics),
    failure: Type.Optional(TrialFailure),
  },
  { additionalProperties: false },
);
export type TrialFinishedEvent = Static<typeof TrialFinishedEvent>;

export const WorkerHeartbeatEvent = Type.Object(
  {
    v: Version,
    type: Type.Literal('heartbeat'),
    workerId: ContractId,
    host: Type.String({ minLength: 1, maxLength: 255 }),
    backend: Backend,
    /** GPU model as the backend reports it; absent on CPU backends. */
    gpu: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    /** The trial being trained; absent when idle. */
    trialId: Type.Optional(ContractId),
    /** Sender's clock, ms since the Unix epoch; part of the job id. */
    sentAtMs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type WorkerHeartbeatEvent = Static<typeof WorkerHeartbeatEvent>;

export const TrialEventMessage = Type.Union([TrialStartedEvent, TrialEpochEvent, TrialFinishedEvent, WorkerHeartbeatEvent]);
export type TrialEventMessage = Static<typeof TrialEventMessage>;
export type TrialEventType = TrialEventMessage['type'];

const SCHEMAS: Record<TrialEventType, TSchema> = {
  started: TrialStartedEvent,
  epoch: TrialEpochEvent,
  finished: TrialFinishedEvent,
  heartbeat: WorkerHeartbeatEvent,
};

export const TRIAL_EVENT_TYPES = Object.keys(SCHEMAS) as TrialEventType[];

function finishedIssues(event: TrialFinishedEvent): ContractIssue[] {
  if (event.outcome === 'failed' && !event.failure) return [{ path: '/failure', message: 'is required when outcome is failed' }];
  if (event.outcome !== 'failed' && event.failure) {
    return [{ path: '/failure', message: `must be absent when outcome is ${event.outcome}` }];
  }
  if (event.outcome === 'complete' && !event.metrics) return [{ path: '/metrics', message: 'is required when outcome is complete' }];
  return [];
}

function epochIssues(event: TrialEpochEvent): ContractIssue[] {
  if (event.checkpoint && event.checkpoint.epoch !== event.epoch) {
    return [{ path: '/checkpoint/epoch', message: `must equal epoch (${event.epoch}), got ${event.checkpoint.epoch}` }];
  }
  return [];
}

function parseAs<T>(type: TrialEventType, value: unknown, cross: (v: T) => ContractIssue[] = () => []): T {
  const contract = `trial-events ${type}`;
  const version = versionIssues(value, TRIAL_EVENT_VERSION);
  if (version.length > 0) throw new ContractError(contract, version);
  const issues = schemaIssues(SCHEMAS[type], value);
  if (issues.length > 0) throw new ContractError(contract, issues);
  const crossIssues = cross(value as T);
  if (crossIssues.length > 0) throw new ContractError(contract, crossIssues);
  return value as T;
}

export function parseTrialStartedEvent(value: unknown): TrialStartedEvent {
  return parseAs<TrialStartedEvent>('started', value);
}

export function parseTrialEpochEvent(value: unknown): TrialEpochEvent {
  return parseAs<TrialEpochEvent>('epoch', value, epochIssues);
}

export function parseTrialFinishedEvent(value: unknown): TrialFinishedEvent {
  return parseAs<TrialFinishedEvent>('finished', value, finishedIssues);
}

export function parseWorkerHeartbeatEvent(value: unknown): WorkerHeartbeatEvent {
  return parseAs<WorkerHeartbeatEvent>('heartbeat', value);
}

/** Validates any `trial-events` message, choosing the schema by `type`; throws ContractError. */
export function parseTrialEventMessage(value: unknown): TrialEventMessage {
  const type = field(value, 'type');
  switch (type) {
    case 'started':
      return parseTrialStartedEvent(value);
    case 'epoch':
      return parseTrialEpochEvent(value);
    case 'finished':
      return parseTrialFinishedEvent(value);
    case 'heartbeat':
      return parseWorkerHeartbeatEvent(value);
    default:
      throw new ContractError('trial-events', [
        { path: '/type', message: `must be one of ${TRIAL_EVENT_TYPES.join(', ')}, got ${JSON.stringify(type)}` },
      ]);
  }
}
