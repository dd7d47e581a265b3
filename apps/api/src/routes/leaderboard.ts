/**
 * Leaderboard and Pareto front of a study, over COMPLETE trials only. Efficiency is ranked only
 * among trials that meet the study's accuracy floor (`constraints.minAccuracy`): without it a
 * tiny chance-level model outranks every useful one (see `efficiency` in @tunefleet/search).
 */
import type { Study } from '@tunefleet/db';
import { type Direction, logEfficiency, paretoFront } from '@tunefleet/search';
import { IdParams, errorResponses } from '../schemas/common.js';
import { LEADERBOARD_KEYS, LeaderboardQuery, LeaderboardSchema, ParetoQuery, ParetoSchema } from '../schemas/leaderboard.js';
import { type App, type RouteDeps, security } from '../route-deps.js';
import { accuracyFloor } from './studies.js';

type LeaderboardKey = (typeof LEADERBOARD_KEYS)[number];

/** Column and direction of each ranking. Identifiers come from this table, never from the request. */
const RANKINGS: Readonly<Record<Exclude<LeaderboardKey, 'value'>, { column: string; direction: Direction }>> = {
  vloss: { column: 'vloss', direction: 'minimize' },
  accuracy: { column: 'accuracy', direction: 'maximize' },
  f1: { column: 'macro_f1', direction: 'maximize' },
  efficiency: { column: 'efficiency', direction: 'maximize' },
};

interface LeaderboardRow {
  id: string;
  number: number;
  params: Record<string, string | number | boolean>;
  ranked: number;
  objective_value: number | null;
  vloss: number | null;
  accuracy: number | null;
  macro_f1: number | null;
  parameter_count: number | null;
  efficiency: number | null;
}

function safeLogEfficiency(vloss: number | null, params: number | null): number | null {
  if (vloss === null || params === null || !(vloss > 0) || params < 1) return null;
  return logEfficiency(vloss, params);
}

/**
 * The column to order by and the one to show. A ranking by the study's own metric orders by
 * `objective_value`, which holds that metric for COMPLETE trials and is indexed with
 * (study_id, state); efficiency has its own (study_id, efficiency) index.
 */
export function rankingOf(
  study: Pick<Study, 'direction' | 'metric'>,
  by: LeaderboardKey,
): { order: string; shown: string; direction: Direction } {
  if (by === 'value') return { order: 'objective_value', shown: 'objective_value', direction: study.direction };
  const { column, direction } = RANKINGS[by];
  const order = by === study.metric && by !== 'efficiency' ? 'objective_value' : column;
  return { order, shown: column, direction };
}

export default async function leaderboardRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { db, stores, auth } = deps;

  app.get(
    '/studies/:id/leaderboard',
    {
      onRequest: auth.read,
      schema: {
        tags: ['leaderboard'],
        summary: 'COMPLETE trials ranked by a metric; ties broken by trial number',
        ...security(auth.readRequiresKey),
        params: IdParams,
        querystring: LeaderboardQuery,
        response: { 200: LeaderboardSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const study = await stores.studies.get(request.params.id);
      const by: LeaderboardKey = request.query.by ?? ((LEADERBOARD_KEYS as readonly string[]).includes(study.metric) ? (study.metric as LeaderboardKey) : 'value');
      const { order, shown, direction } = rankingOf(study, by);
      const floor = by === 'efficiency' ? accuracyFloor(study) : null;
      // Served by the (study_id, state, objective_value) and (study_id, efficiency) indexes. NaN
      // (a diverged model) is a failure, not a number, so it never ranks.
      const rows = await db.$queryRawUnsafe<LeaderboardRow[]>(
        `SELECT "id"::text AS "id", "number", "params", "${shown}" AS "ranked", "objective_value", "vloss", "accuracy",
                "macro_f1", "parameter_count", "efficiency"
         FROM "trial"
         WHERE "study_id" = $1::uuid AND "state" = 'COMPLETE'
           AND "${order}" IS NOT NULL AND "${order}" <> 'NaN'::float8
           AND "${shown}" IS NOT NULL AND "${shown}" <> 'NaN'::float8
           AND ($2::float8 IS NULL OR "accuracy" >= $2::float8)
         ORDER BY "${order}" ${direction === 'minimize' ? 'ASC' : 'DESC'}, "number" ASC
         LIMIT $3`,
        study.id,
        floor,
        request.query.limit,
      );
      return {
        studyId: study.id,
        by,
        direction,
        minAccuracy: floor,
        items: rows.map((r, i) => ({
          rank: i + 1,
          trialId: r.id,
          number: r.number,
          value: r.ranked,
          params: r.params,
          objectiveValue: r.objective_value,
          vloss: r.vloss,
          accuracy: r.accuracy,
          f1: r.macro_f1,
          parameterCount: r.parameter_count,
          efficiency: r.efficiency,
          log10Efficiency: safeLogEfficiency(r.vloss, r.parameter_count),
        })),
      };
    },
  );

  app.get(
    '/studies/:id/pareto',
    {
      onRequest: auth.read,
      schema: {
        tags: ['leaderboard'],
        summary: 'COMPLETE trials as (vloss, parameters) points with the Pareto front flagged',
        ...security(auth.readRequiresKey),
        params: IdParams,
        querystring: ParetoQuery,
        response: { 200: ParetoSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const study = await stores.studies.get(request.params.id);
      const rows = await db.trial.findMany({
        where: { studyId: study.id, state: 'COMPLETE', vloss: { not: null }, parameterCount: { not: null } },
        orderBy: { number: 'asc' },
        select: { id: true, number: true, vloss: true, parameterCount: true, accuracy: true },
      });
      const points = rows
        .filter((r) => Number.isFinite(r.vloss))
        .map((r) => ({ trialId: r.id, number: r.number, vloss: r.vloss as number, params: r.parameterCount as number, accuracy: r.accuracy }));
      const front = new Set(paretoFront(points).map((p) => p.trialId));
      const flagged = points
        .map((p) => ({
          trialId: p.trialId,
          number: p.number,
          vloss: p.vloss,
          parameterCount: p.params,
          accuracy: p.accuracy,
          onFront: front.has(p.trialId),
        }))
        .filter((p) => !request.query.frontOnly || p.onFront);
      return { studyId: study.id, axes: ['vloss', 'parameterCount'] as ['vloss', 'parameterCount'], frontSize: front.size, points: flagged };
    },
  );
}
