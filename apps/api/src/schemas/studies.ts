import { TRIAL_STATES } from '@tunefleet/search';
import { type Static, Type } from 'typebox';
import { Id, JsonObject, Nullable, ParamsSchema, Timestamp } from './common.js';

export const STUDY_STATUSES = ['RUNNING', 'STOPPED', 'COMPLETE', 'FAILED'] as const;
export const METRICS = ['vloss', 'accuracy', 'f1', 'efficiency', 'value'] as const;

const Epochs = Type.Integer({ minimum: 1, maximum: 10_000, description: 'epochs' });

export const SamplerSpec = Type.Object(
  {
    type: Type.Enum(['tpe', 'random'] as const),
  },
  {
    additionalProperties: true,
    description: "{ type: 'tpe', ...TPE options } or { type: 'random' }; the seed is the study's",
  },
);

export const PrunerSpec = Type.Object(
  {
    type: Type.Enum(['asha', 'hyperband', 'none'] as const),
    mode: Type.Optional(Type.Enum(['stop', 'promote'] as const, { description: "asha only; default 'stop'" })),
    rule: Type.Optional(Type.Enum(['optuna', 'ray'] as const, { description: "asha stop mode only; default 'optuna'" })),
    minEpochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'first rung (asha, hyperband); default 1' })),
    maxEpochs: Epochs,
    reductionFactor: Type.Optional(Type.Integer({ minimum: 2, maximum: 100, description: 'η (asha, hyperband); default 3' })),
  },
  { additionalProperties: false },
);

export const DatasetSpec = Type.Object(
  {
    name: Type.Enum(['cifar10'] as const),
    trainSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, description: 'default 45,000' })),
    validationSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, description: 'default 5,000' })),
    testSize: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'default 10,000; 0 = no test evaluation' })),
  },
  { additionalProperties: false },
);

export const FunctionSpec = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const CreateStudyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    space: Type.Record(Type.String(), Type.Unknown(), { description: 'search-space JSON (@tunefleet/search parseSearchSpace)' }),
    objective: Type.Optional(
      Type.Enum(METRICS, { description: "vloss | accuracy | f1 | efficiency for a CNN study; 'value' (the default) for a function study" }),
    ),
    direction: Type.Optional(Type.Enum(['minimize', 'maximize'] as const, { description: 'defaults from the objective' })),
    constraints: Type.Optional(
      Type.Object(
        {
          maxParams: Type.Optional(Type.Integer({ minimum: 1, description: 'trainable parameters at most' })),
          minAccuracy: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'validation accuracy floor' })),
        },
        { additionalProperties: false },
      ),
    ),
    maxTrials: Type.Integer({ minimum: 1, maximum: 100_000 }),
    parallelism: Type.Integer({ minimum: 1, maximum: 256 }),
    sampler: Type.Optional(SamplerSpec),
    pruner: PrunerSpec,
    dataset: Type.Optional(DatasetSpec),
    function: Type.Optional(FunctionSpec),
    fixed: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'model hyperparameters not in the space' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  },
  { additionalProperties: false },
);
export type CreateStudyBody = Static<typeof CreateStudyBody>;

export const StudySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.Enum(STUDY_STATUSES),
  kind: Type.Enum(['cnn', 'function'] as const),
  objective: Type.String({ description: 'the metric that is the objective value' }),
  direction: Type.Enum(['minimize', 'maximize'] as const),
  seed: Type.Integer(),
  maxTrials: Type.Integer(),
  parallelism: Type.Integer(),
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  spec: Type.Unknown({ description: 'normalised specification, with the submission as `submitted`' }),
});

const StateCounts = Type.Object(Object.fromEntries(TRIAL_STATES.map((s) => [s, Type.Integer()])) as Record<
  (typeof TRIAL_STATES)[number],
  ReturnType<typeof Type.Integer>
>);

export const BestTrialSchema = Type.Object({
  trialId: Type.String(),
  number: Type.Integer(),
  value: Type.Number(),
  params: ParamsSchema,
  vloss: Nullable(Type.Number()),
  accuracy: Nullable(Type.Number()),
  parameterCount: Nullable(Type.Integer()),
});

export const StudyDetailSchema = Type.Object({
  ...StudySchema.properties,
  progress: Type.Object({
    counts: StateCounts,
    total: Type.Integer({ description: 'trials created' }),
    finished: Type.Integer({ description: 'COMPLETE + PRUNED + FAILED' }),
    remaining: Type.Integer({ description: 'budget not yet finished: maxTrials − finished' }),
    best: Nullable(BestTrialSchema),
    meanTrialDurationMs: Nullable(Type.Number()),
    etaMs: Nullable(Type.Number({ description: 'null until a trial has finished, 0 once the study is final' })),
    elapsedMs: Type.Number(),
  }),
});

export const ListStudiesQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(STUDY_STATUSES)),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    before: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const StudyListSchema = Type.Object({
  items: Type.Array(StudySchema),
  nextCursor: Nullable(Type.String({ description: 'pass as `before` for the next page' })),
});

export { JsonObject };
