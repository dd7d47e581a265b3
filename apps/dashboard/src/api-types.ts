/**
 * What the api answers, as the dashboard reads it. Shapes of existing routes come from the api's
 * route schemas (the single source of the wire format); the analysis routes follow their contract
 * (apps/api README: history, curves, params, importance).
 */
import type { Static } from 'typebox';
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

export interface History {
  readonly studyId: string;
  readonly objective: string;
  readonly direction: Direction;
  readonly total: number;
  readonly points: readonly { trialId: string; number: number; value: number | null; best: number | null; state: TrialState }[];
}

export interface Curves {
  readonly studyId: string;
  readonly metric: 'vloss';
  readonly rungs: readonly number[];
  readonly total: number;
  readonly trials: readonly {
    trialId: string;
    number: number;
    state: TrialState;
    prunedAtRung: number | null;
    values: readonly (readonly [number, number])[];
  }[];
}

export interface ParamDimension {
  readonly name: string;
  readonly type: 'float' | 'int' | 'categorical';
  readonly low?: number;
  readonly high?: number;
  readonly log?: boolean;
  readonly choices?: readonly (number | string | boolean)[];
}

export interface ParamRows {
  readonly studyId: string;
  readonly objective: string;
  readonly direction: Direction;
  readonly total: number;
  readonly dimensions: readonly ParamDimension[];
  readonly rows: readonly {
    trialId: string;
    number: number;
    state: TrialState;
    values: readonly (number | string | boolean | null)[];
    objectiveValue: number | null;
  }[];
}

export interface Importance {
  readonly studyId: string;
  readonly method: string;
  readonly trials: number;
  readonly importances: readonly { name: string; importance: number }[];
}
