/**
 * The api's response shapes, read from its route schemas (type-only: nothing of the api is loaded),
 * so the HTTP contract stays owned by the api (STYLE §2.3).
 */
import type { LeaderboardSchema } from '@tunefleet/api/src/schemas/leaderboard.js';
import type { StudyDetailSchema, StudyListSchema, StudySchema } from '@tunefleet/api/src/schemas/studies.js';
import type { TrialDetailSchema, TrialListSchema } from '@tunefleet/api/src/schemas/trials.js';
import type { WorkerListSchema } from '@tunefleet/api/src/schemas/workers.js';
import type { Static } from 'typebox';

export type Study = Static<typeof StudySchema>;
export type StudyDetail = Static<typeof StudyDetailSchema>;
export type StudyList = Static<typeof StudyListSchema>;
export type Leaderboard = Static<typeof LeaderboardSchema>;
export type LeaderboardEntry = Leaderboard['items'][number];
export type TrialList = Static<typeof TrialListSchema>;
export type TrialSummary = TrialList['items'][number];
export type TrialDetail = Static<typeof TrialDetailSchema>;
export type WorkerList = Static<typeof WorkerListSchema>;
export type StudyStatus = Study['status'];
