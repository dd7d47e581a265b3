import { Type } from 'typebox';
import { Nullable, ParamsSchema } from './common.js';

export const LEADERBOARD_KEYS = ['efficiency', 'vloss', 'accuracy', 'f1', 'parameters', 'value'] as const;

export const LeaderboardQuery = Type.Object(
  {
    by: Type.Optional(
      Type.Enum(LEADERBOARD_KEYS, {
        description: "ranking metric; 'parameters' = parameter count, fewest first; 'value' = the study's objective value; default: the study's objective",
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  },
  { additionalProperties: false },
);

export const LeaderboardEntrySchema = Type.Object({
  rank: Type.Integer({ description: '1-based; ties broken by trial number' }),
  trialId: Type.String(),
  number: Type.Integer(),
  value: Type.Number({ description: 'the ranked metric' }),
  params: ParamsSchema,
  objectiveValue: Nullable(Type.Number()),
  vloss: Nullable(Type.Number()),
  accuracy: Nullable(Type.Number()),
  f1: Nullable(Type.Number()),
  parameterCount: Nullable(Type.Integer()),
  efficiency: Nullable(Type.Number()),
  log10Efficiency: Nullable(Type.Number({ description: '−log10(vloss × parameters)' })),
});

export const LeaderboardSchema = Type.Object({
  studyId: Type.String(),
  by: Type.Enum(LEADERBOARD_KEYS),
  direction: Type.Enum(['minimize', 'maximize'] as const),
  minAccuracy: Nullable(Type.Number({ description: 'accuracy floor applied (efficiency only)' })),
  items: Type.Array(LeaderboardEntrySchema),
});

export const ParetoQuery = Type.Object(
  { frontOnly: Type.Boolean({ default: false, description: 'return only the points on the front' }) },
  { additionalProperties: false },
);

export const ParetoSchema = Type.Object({
  studyId: Type.String(),
  axes: Type.Tuple([Type.Literal('vloss'), Type.Literal('parameterCount')]),
  frontSize: Type.Integer(),
  points: Type.Array(
    Type.Object({
      trialId: Type.String(),
      number: Type.Integer(),
      vloss: Type.Number(),
      parameterCount: Type.Integer(),
      accuracy: Nullable(Type.Number()),
      onFront: Type.Boolean(),
    }),
  ),
});
