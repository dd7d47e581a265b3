/**
 * Leaderboard and Pareto front of a study, over COMPLETE trials only. Efficiency is ranked only
 * among trials that meet the study's accuracy floor (`constraints.minAccuracy`): without it a
 * tiny chance-level model outranks every useful one (see `efficiency` in @tunefleet/search).
 */
import { NotFoundError } from '@tunefleet/db';
import { type Direction, logEfficiency, paretoFront } from '@tunefleet/search';
import { type Static, Type } from 'typebox';
import { IdParams, errorResponses } from '../schemas/common.js';
import { LEADERBOARD_KEYS, LeaderboardQuery, LeaderboardSchema, ParetoQuery, ParetoSchema } from '../schemas/leaderboard.js';
import { type App, type RouteDeps, security } from '../route-deps.js';
import type { StudyRanking } from '../study-ranking-cache.js';
import { createLeaderboardCache } from '../leaderboard-cache.js';
import { sendJsonText } from '../json-text-reply.js';

type LeaderboardKey = (typeof LEADERBOARD_KEYS)[number];

const NotModified = Type.Null({ description: 'no body: the If-None-Match ETag is still current' });

/** Column and direction of each ranking. Identifiers come from this table, never from the request. */
const RANKINGS: Readonly<Record<Exclude<LeaderboardKey, 'value'>, { column: string; direction: Direction }>> = {
  vloss: { column: 'vloss', direction: 'minimize' },
  accuracy: { column: 'accuracy', direction: 'maximize' },
  f1: { column: 'macro_f1', direction: 'maximize' },
  efficiency: { column: 'efficiency', direction: 'maximize' },
  // No index: the dashboard sorts by it, and a sort of one study's COMPLETE trials is cheap enough.
  parameters: { column: 'parameter_count', direction: 'minimize' },
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

/** The Pareto route's query: one array per column, in trial-number order. */
interface ParetoColumns {
  numbers: number[];
  vloss: number[];
  params: number[];
  ids: string[] | null;
  accuracy: (number | null)[] | null;
}

function safeLogEfficiency(vloss: number | null, params: number | null): number | null {
  if (vloss === null || params === null || !(vloss > 0) || params < 1) return null;
  return logEfficiency(vloss, params);
}

/**
 * The column to order by and the one to show. A ranking by the study's own metric orders by
 * `objective_value`, which holds that metric for COMPLETE trials and is indexed with
 * (study_id, state); every other ranked column has a partial index of COMPLETE trials.
 */
export function rankingOf(
  study: Pick<StudyRanking, 'direction' | 'metric'>,
  by: LeaderboardKey,
): { order: string; shown: string; direction: Direction } {
  if (by === 'value') return { order: 'objective_value', shown: 'objective_value', direction: study.direction };
  const { column, direction } = RANKINGS[by];
  const order = by === study.metric && by !== 'efficiency' ? 'objective_value' : column;
  return { order, shown: column, direction };
}

export default async function leaderboardRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { db, rankings, auth } = deps;
  const leaderboards = createLeaderboardCache(db);

  /** An empty answer for a remembered study: 404 if the study has since been deleted. */
  async function stillThere(id: string): Promise<void> {
    rankings.forget(id);
    await rankings.get(id);
  }

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
        response: { 200: LeaderboardSchema, 304: NotModified, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const study = await rankings.get(request.params.id);
      const by: LeaderboardKey = request.query.by ?? ((LEADERBOARD_KEYS as readonly string[]).includes(study.metric) ? (study.metric as LeaderboardKey) : 'value');
      const { order, shown, direction } = rankingOf(study, by);
      const floor = by === 'efficiency' ? study.minAccuracy : null;
      // The answer depends on the study's COMPLETE trials, `by` and `limit` only (metric, direction
      // and floor never change): kept under the version of those trials, revalidated by ETag.
      const version = await leaderboards.version(study.id);
      if (version === null) {
        // Deleted since it was remembered.
        rankings.forget(study.id);
        throw new NotFoundError('study', study.id);
      }
      const etag = `W/"${version}"`;
      void reply.header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send(null);
      const key = `${study.id} ${by} ${request.query.limit}`;
      const kept = leaderboards.get(key, version);
      if (kept !== undefined) return sendJsonText(reply, kept);
      // Read in index order, LIMIT rows at a time: (study_id, state, objective_value) for the
      // objective value, and the partial (study_id, <column>, number) index of COMPLETE trials for
      // vloss, accuracy, macro_f1 and efficiency (a descending ranking scans it backwards, ties
      // reordered by an incremental sort). NaN (a diverged model) is a failure, not a number, so
      // it never ranks.
      const { rows } = await db.pool.query<LeaderboardRow>(
        `SELECT "id"::text AS "id", "number", "params", "${shown}" AS "ranked", "objective_value", "vloss", "accuracy",
                "macro_f1", "parameter_count", "efficiency"
         FROM "trial"
         WHERE "study_id" = $1::uuid AND "state" = 'COMPLETE'
           AND "${order}" IS NOT NULL AND "${order}" <> 'NaN'::float8
           AND "${shown}" IS NOT NULL AND "${shown}" <> 'NaN'::float8
           AND ($2::float8 IS NULL OR "accuracy" >= $2::float8)
         ORDER BY "${order}" ${direction === 'minimize' ? 'ASC' : 'DESC'}, "number" ASC
         LIMIT $3`,
        [study.id, floor, request.query.limit],
      );
      // The route's schema serialiser, which writes JSON text.
      const body = reply.serialize({
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
      } satisfies Static<typeof LeaderboardSchema>) as string;
      leaderboards.set(key, version, body);
      return sendJsonText(reply, body);
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
      const study = await rankings.get(request.params.id);
      const { frontOnly } = request.query;
      // Column arrays rather than rows: one row to decode however many trials the study has.
      // COMPLETE trials with a finite vloss and a parameter count; the trial ids and accuracies are
      // only read here when every point is answered. The aggregates of one query see the rows in
      // the same order, so the arrays line up; ordering by number is left to the sort below
      // (an ORDER BY inside each aggregate would sort the rows once per array).
      const [columns] = await db.$queryRawUnsafe<ParetoColumns[]>(
        `SELECT coalesce(array_agg("number"), '{}') AS "numbers", coalesce(array_agg("vloss"), '{}') AS "vloss",
                coalesce(array_agg("parameter_count"), '{}') AS "params",
                ${frontOnly ? 'NULL' : `coalesce(array_agg("id"::text), '{}')`} AS "ids",
                ${frontOnly ? 'NULL' : `coalesce(array_agg("accuracy"), '{}')`} AS "accuracy"
         FROM "trial"
         WHERE "study_id" = $1::uuid AND "state" = 'COMPLETE' AND "parameter_count" IS NOT NULL
           AND "vloss" IS NOT NULL AND "vloss" NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)`,
        study.id,
      );
      const { numbers, vloss, params } = columns as ParetoColumns;
      if (numbers.length === 0) await stillThere(study.id);
      const points = numbers
        .map((number, i) => ({ index: i, number, vloss: vloss[i] as number, params: params[i] as number }))
        .sort((a, b) => a.number - b.number);
      const front = paretoFront(points);
      let flagged;
      if (frontOnly) {
        // Only the front's ids and accuracies, by (study_id, number).
        const details = await db.$queryRawUnsafe<{ id: string; number: number; accuracy: number | null }[]>(
          `SELECT "id"::text AS "id", "number", "accuracy" FROM "trial"
           WHERE "study_id" = $1::uuid AND "number" = ANY($2::int[]) ORDER BY "number"`,
          study.id,
          front.map((p) => p.number),
        );
        const byNumber = new Map(details.map((d) => [d.number, d]));
        flagged = front.flatMap((p) => {
          const d = byNumber.get(p.number);
          // A trial deleted between the two reads is left out.
          return d ? [{ trialId: d.id, number: d.number, vloss: p.vloss, parameterCount: p.params, accuracy: d.accuracy, onFront: true }] : [];
        });
      } else {
        const ids = columns?.ids as string[];
        const accuracy = columns?.accuracy as (number | null)[];
        const onFront = new Uint8Array(points.length);
        for (const p of front) onFront[p.index] = 1;
        flagged = points.map((p) => ({
          trialId: ids[p.index] as string,
          number: p.number,
          vloss: p.vloss,
          parameterCount: p.params,
          accuracy: accuracy[p.index] ?? null,
          onFront: onFront[p.index] === 1,
        }));
      }
      return { studyId: study.id, axes: ['vloss', 'parameterCount'] as ['vloss', 'parameterCount'], frontSize: front.length, points: flagged };
    },
  );
}
