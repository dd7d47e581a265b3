import { TRIAL_STATES } from '@tunefleet/search';
import { Type } from 'typebox';
import { Id, Nullable, ParamsSchema, Timestamp } from './common.js';

export const TrialStateSchema = Type.Enum(TRIAL_STATES);

export const TrialSummarySchema = Type.Object({
  id: Type.String(),
  studyId: Type.String(),
  number: Type.Integer(),
  state: TrialStateSchema,
  params: ParamsSchema,
  objectiveValue: Nullable(Type.Number({ description: "the study's metric: final for COMPLETE, last reported for PRUNED" })),
  vloss: Nullable(Type.Number()),
  accuracy: Nullable(Type.Number()),
  f1: Nullable(Type.Number({ description: 'macro-F1' })),
  parameterCount: Nullable(Type.Integer()),
  efficiency: Nullable(Type.Number({ description: '1 / (vloss × parameters)' })),
  attempts: Type.Integer(),
  workerId: Nullable(Type.String()),
  failureType: Nullable(Type.String()),
  failureMessage: Nullable(Type.String()),
  retryOfId: Nullable(Type.String()),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  lastEventAt: Nullable(Timestamp),
});

export const EpochSchema = Type.Object({
  epoch: Type.Integer(),
  value: Type.Number({ description: "the study's metric at this epoch (what pruners compare)" }),
  vloss: Nullable(Type.Number()),
  accuracy: Nullable(Type.Number()),
  f1: Nullable(Type.Number()),
  trainLoss: Nullable(Type.Number()),
  imagesPerSec: Nullable(Type.Number()),
  elapsedMs: Nullable(Type.Integer()),
  createdAt: Timestamp,
});

export const CheckpointSchema = Type.Object({
  epoch: Type.Integer(),
  sizeBytes: Type.Integer(),
  sha256: Type.String(),
  createdAt: Timestamp,
  url: Type.String({ description: 'download path' }),
});

export const ResumeFallbackSchema = Type.Object(
  {
    attempt: Type.Integer({ description: 'the job attempt that resumed from resumedFromEpoch instead' }),
    problem: Type.Union([Type.Literal('missing'), Type.Literal('corrupt')], {
      description: 'missing: the checkpoint was gone; corrupt: its bytes failed their sha256 or the worker could not unpack them',
    }),
    checkpointTrialId: Type.String({ description: 'the trial whose checkpoint was planned (this one or the one it retries)' }),
    checkpointEpoch: Type.Integer(),
    resumedFromEpoch: Type.Integer({ description: '0: trained from scratch' }),
    createdAt: Timestamp,
  },
  { description: 'a resume that could not use its planned checkpoint' },
);

const LayerSchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  outputShape: Type.Array(Type.Integer()),
  params: Type.Integer(),
  flops: Type.Number(),
});

export const ArchitectureSchema = Type.Object({
  hyperparameters: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()])),
  channels: Type.Array(Type.Integer()),
  sizes: Type.Array(Type.Integer()),
  fcnWidths: Type.Array(Type.Integer()),
  layers: Type.Array(LayerSchema),
  totalParams: Type.Integer(),
  nonTrainableParams: Type.Integer(),
  forwardFlops: Type.Number(),
});

export const TrialDetailSchema = Type.Object({
  ...TrialSummarySchema.properties,
  resumeFromEpoch: Nullable(Type.Integer()),
  perClassAccuracy: Nullable(Type.Array(Type.Number())),
  confusionMatrix: Nullable(Type.Array(Type.Array(Type.Number()), { description: 'rows: true class, columns: prediction' })),
  epochs: Type.Array(EpochSchema),
  checkpoints: Type.Array(CheckpointSchema),
  resumeFallbacks: Type.Array(ResumeFallbackSchema),
  architecture: Nullable(ArchitectureSchema),
});

export const ListTrialsQuery = Type.Object(
  {
    state: Type.Optional(Type.Array(TrialStateSchema, { description: 'repeat to match several states' })),
    // Trial numbers are int4: a larger cursor would overflow the query's parameter (a 500).
    after: Type.Optional(Type.Integer({ minimum: -1, maximum: 2 ** 31 - 1, description: 'cursor: trials numbered above this' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

export const TrialListSchema = Type.Object({
  items: Type.Array(TrialSummarySchema),
  nextCursor: Nullable(Type.Integer({ description: 'pass as `after` for the next page' })),
});

export const CheckpointParams = Type.Object(
  {
    id: Id,
    epoch: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
  },
  { additionalProperties: false },
);
