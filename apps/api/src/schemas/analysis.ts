/**
 * The dashboard's data routes: optimisation history, learning curves, parallel coordinates and
 * hyperparameter importance. Every answer is aggregated and capped on the server, so a page stays
 * responsive at 10,000 trials and more.
 */
import { TRIAL_STATES } from '@tunefleet/search';
import { Type } from 'typebox';
import { Nullable } from './common.js';

const Direction = Type.Enum(['minimize', 'maximize'] as const);
const State = Type.Enum(TRIAL_STATES);

export const HISTORY_LIMIT = { default: 10_000, maximum: 20_000 } as const;
export const CURVES_LIMIT = { default: 2_000, maximum: 10_000 } as const;
export const PARAMS_LIMIT = { default: 5_000, maximum: 20_000 } as const;

const limit = (bounds: { default: number; maximum: number }, what: string) =>
  Type.Integer({ minimum: 1, maximum: bounds.maximum, default: bounds.default, description: `${what} at most` });

export const HistoryQuery = Type.Object({ limit: limit(HISTORY_LIMIT, 'points') }, { additionalProperties: false });
export const CurvesQuery = Type.Object({ limit: limit(CURVES_LIMIT, 'trials') }, { additionalProperties: false });
export const ParamsQuery = Type.Object({ limit: limit(PARAMS_LIMIT, 'rows') }, { additionalProperties: false });

export const HistorySchema = Type.Object({
  studyId: Type.String(),
  objective: Type.String({ description: "the study's metric" }),
  direction: Direction,
  total: Type.Integer({ description: 'COMPLETE trials with a finite objective value, before capping' }),
  points: Type.Array(
    Type.Object({
      trialId: Type.String(),
      number: Type.Integer(),
      value: Type.Number({ description: 'objective value' }),
      best: Type.Number({ description: "best value so far (by trial number) in the study's direction" }),
      state: State,
    }),
    {
      description:
        'by trial number; above `limit`, every improvement of the best value is kept and the rest is thinned evenly',
    },
  ),
});

export const CurvesSchema = Type.Object({
  studyId: Type.String(),
  metric: Type.Literal('vloss'),
  rungs: Type.Array(Type.Integer(), { description: "epochs at which the study's pruner judges trials; [] without one" }),
  total: Type.Integer({ description: 'trials with at least one finite per-epoch vloss' }),
  trials: Type.Array(
    Type.Object({
      trialId: Type.String(),
      number: Type.Integer(),
      state: State,
      prunedAtRung: Nullable(Type.Integer({ description: 'epoch of the rung that pruned the trial; null unless PRUNED' })),
      values: Type.Array(Type.Tuple([Type.Integer(), Type.Number()]), { description: '[epoch, vloss] by epoch (finite values only)' }),
    }),
    { description: 'best latest vloss first, ties by number; `limit` trials at most' },
  ),
});

const ParamValue = Nullable(Type.Union([Type.Number(), Type.String(), Type.Boolean()]));

export const ParamsSchema = Type.Object({
  studyId: Type.String(),
  objective: Type.String(),
  direction: Direction,
  total: Type.Integer({ description: 'COMPLETE trials, before capping' }),
  dimensions: Type.Array(
    Type.Object({
      name: Type.String(),
      type: Type.Enum(['float', 'int', 'categorical'] as const),
      low: Type.Optional(Type.Number()),
      high: Type.Optional(Type.Number()),
      log: Type.Optional(Type.Boolean()),
      choices: Type.Optional(Type.Array(Type.Union([Type.Number(), Type.String(), Type.Boolean()]))),
    }),
    { description: "the study's search space, in its order" },
  ),
  rows: Type.Array(
    Type.Object({
      trialId: Type.String(),
      number: Type.Integer(),
      state: State,
      values: Type.Array(ParamValue, { description: 'in the order of `dimensions`; null = inactive conditional parameter' }),
      objectiveValue: Nullable(Type.Number()),
    }),
    { description: 'COMPLETE trials, best first (ties by number; no finite value last); `limit` rows at most' },
  ),
});

export const ImportanceSchema = Type.Object({
  studyId: Type.String(),
  method: Type.Literal('fanova'),
  trials: Type.Integer({ description: 'COMPLETE trials with a finite objective value the forest was fitted on (≤ 10,000, thinned evenly)' }),
  importances: Type.Array(Type.Object({ name: Type.String(), importance: Type.Number() }), {
    description: 'descending, summing to 1; empty with fewer than 2 such trials or no variance',
  }),
});
