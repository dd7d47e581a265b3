/**
 * What the api answers, as the dashboard reads it: the api's route schemas are the single source
 * of the wire format, so a change there is a type error here.
 */
import type { Static } from 'typebox';
import type { CurvesSchema, HistorySchema, ImportanceSchema, ParamsSchema } from '@tunefleet/api/src/schemas/analysis.js';
import type { LeaderboardSchema, ParetoSchema } from '@tunefleet/api/src/schemas/leaderboard.js';
import type { StudyDetailSchema, StudyListSchema } from '@tunefleet/api/src/schemas/studies.js';
import type { TrialDetailSchema, TrialListSchema } from '@tunefleet/api/src/schemas/trials.js';
import type { WorkerListSchema } from '@tunefleet/api/src/schemas/workers.js';

export type StudyList = Static<typeof StudyListSchema>;
export type Study = StudyList['items'][number];
export type StudyDetail = Static<typeof StudyDetailSchema>;
export type Leaderboard = Static<typeof LeaderboardSchema>;
export type LeaderboardEntry = Leaderboard['items'][number];
export type LeaderboardKey = Leaderboard['by'];
export type Pareto = Static<typeof ParetoSchema>;
export type TrialList = Static<typeof TrialListSchema>;
export type TrialDetail = Static<typeof TrialDetailSchema>;
export type WorkerList = Static<typeof WorkerListSchema>;
export type Direction = 'minimize' | 'maximize';
export type TrialState = StudyDetail['progress']['counts'] extends Record<infer K, number> ? K : never;

export type History = Static<typeof HistorySchema>;
export type Curves = Static<typeof CurvesSchema>;
export type ParamRows = Static<typeof ParamsSchema>;
export type ParamDimension = ParamRows['dimensions'][number];
export type Importance = Static<typeof ImportanceSchema>;
