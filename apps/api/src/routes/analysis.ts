/**
 * The dashboard's data routes, each one or two queries whatever the study's size, aggregated and
 * capped here so that a page stays responsive at 10,000 trials: the optimisation history, the
 * learning curves, parallel coordinates of params against the objective, and fANOVA importances
 * (computed once per change of the study's COMPLETE count, a tree at a time between turns of the
 * event loop).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Db, NotFoundError } from '@tunefleet/db';
import {
  type Direction,
  type FanovaResult,
  type ImportanceTrial,
  type Params,
  type PrunerJSON,
  type PromotionAshaConfig,
  type SearchSpace,
  FANOVA_MAX_TRIALS,
  evenSubsample,
  fanovaSteps,
  parseSearchSpace,
  promotionAsha,
  rayMilestones,
} from '@tunefleet/search';
import { IdParams, errorResponses } from '../schemas/common.js';
import { CurvesQuery, CurvesSchema, HistoryQuery, HistorySchema, ImportanceSchema, ParamsQuery, ParamsSchema } from '../schemas/analysis.js';
import { type App, type RouteDeps, security } from '../route-deps.js';
import { isUuid } from '../uuid.js';

/** What these routes need of a study besides its trials; fixed at creation, so kept in memory. */
interface StudyShape {
  readonly id: string;
  readonly metric: string;
  readonly direction: Direction;
  /** Null when the stored space no longer parses (a spec from another version). */
  readonly space: SearchSpace | null;
  /** Epochs at which the pruner judges trials, ascending. */
  readonly rungs: readonly number[];
  /** Whether a stored `pruned_at_rung` indexes `rungs` (successive halving; not Hyperband's per-bracket rungs). */
  readonly rungIndexed: boolean;
}

interface StoredSpec {
  searchSpace?: unknown;
  prunerJSON?: PrunerJSON | null;
  promotion?: PromotionAshaConfig | null;
  maxEpochs?: number;
}

/**
 * Epochs of the pruner's rungs, as the scheduler builds the pruner from the spec: successive
 * halving at r·η^(s+k) (Ray's milestones under rule 'ray'), Hyperband's brackets together at
 * r·η^k, promotion-mode ASHA's rungs; none past `maxEpochs`, which no trial trains beyond.
 */
export function rungEpochs(spec: StoredSpec): { rungs: number[]; rungIndexed: boolean } {
  const maxEpochs = spec.maxEpochs ?? Infinity;
  if (spec.promotion) return { rungs: promotionAsha.rungResources(spec.promotion), rungIndexed: true };
  const pruner = spec.prunerJSON;
  if (!pruner || pruner.type === 'nop') return { rungs: [], rungIndexed: false };
  const ladder = (r: number, eta: number, from: number) => {
    const out: number[] = [];
    for (let k = from; r * eta ** k <= maxEpochs && out.length < 64; k++) out.push(r * eta ** k);
    return out;
  };
  if (pruner.type === 'hyperband') return { rungs: ladder(pruner.minResource, pruner.reductionFactor, 0), rungIndexed: false };
  if (pruner.minResource === 'auto') return { rungs: [], rungIndexed: false };
  if (pruner.rule === 'ray') {
    const config = { ...pruner, minResource: pruner.minResource };
    return { rungs: rayMilestones(config, Number.isFinite(maxEpochs) ? maxEpochs : (pruner.maxResource ?? 0)), rungIndexed: true };
  }
  return { rungs: ladder(pruner.minResource, pruner.reductionFactor, pruner.minEarlyStoppingRate), rungIndexed: true };
}

/**
 * Epoch of the rung that pruned a trial: the stored rung when it indexes the study's rungs, else
 * the last rung the trial's last report reached (the pruner is consulted after every report and a
 * pruned trial stops at once), else that last epoch.
 */
export function prunedAtEpoch(shape: Pick<StudyShape, 'rungs' | 'rungIndexed'>, storedRung: number | null, lastEpoch: number): number {
  if (shape.rungIndexed && storedRung !== null && storedRung >= 0 && storedRung < shape.rungs.length) return shape.rungs[storedRung];
  let reached: number | null = null;
  for (const rung of shape.rungs) if (rung <= lastEpoch) reached = rung;
  return reached ?? lastEpoch;
}

export interface HistoryPoint {
  readonly value: number;
}

/**
 * Best-so-far values by trial number, capped at `limit` points: every improvement of the best value
 * is kept (when there are more than `limit`, an even subsample of them with the last one), and the
 * remaining places go to an even subsample of the other points. Order is kept.
 */
export function capHistory<P extends HistoryPoint>(points: readonly P[], direction: Direction, limit: number): (P & { best: number })[] {
  const better = direction === 'minimize' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  let best = NaN;
  const improvements: number[] = [];
  const others: number[] = [];
  const withBest = points.map((p, i) => {
    if (i === 0 || better(p.value, best)) {
      best = p.value;
      improvements.push(i);
    } else {
      others.push(i);
    }
    return { ...p, best };
  });
  if (points.length <= limit) return withBest;
  let kept: number[];
  if (improvements.length >= limit) {
    kept = evenSubsample(improvements.length - 1, limit - 1).map((k) => improvements[k]);
    kept.push(improvements[improvements.length - 1]);
  } else {
    kept = [...improvements, ...evenSubsample(others.length, limit - improvements.length).map((k) => others[k])];
    kept.sort((a, b) => a - b);
  }
  return kept.map((i) => withBest[i]);
}

/**
 * Numbers from a comma-separated text aggregate. Postgres writes float8 in its shortest exact form
 * (extra_float_digits 1, the default since version 12), so `Number` reads back the same double; text
 * decodes several times faster than numeric arrays through the driver.
 */
function numbersOf(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number);
}

function pairs(epochs: readonly number[], values: readonly number[]): [number, number][] {
  return epochs.map((epoch, i) => [epoch, values[i]]);
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Study shapes, bounded, oldest entry first out (as `createStudyRankingCache`). */
function createShapeCache(db: Db, capacity = 10_000) {
  const entries = new Map<string, StudyShape>();
  return {
    async get(id: string): Promise<StudyShape> {
      const cached = entries.get(id);
      if (cached) return cached;
      if (!isUuid(id)) throw new NotFoundError('study', id);
      const { rows } = await db.pool.query<{ metric: string; direction: Direction; spec: StoredSpec | null }>(
        `SELECT "metric", "direction"::text AS "direction",
                jsonb_build_object('searchSpace', "spec" -> 'searchSpace', 'prunerJSON', "spec" -> 'prunerJSON',
                                   'promotion', "spec" -> 'promotion', 'maxEpochs', "spec" -> 'maxEpochs') AS "spec"
         FROM "study" WHERE "id" = $1::uuid`,
        [id],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError('study', id);
      const spec = row.spec ?? {};
      let space: SearchSpace | null = null;
      try {
        space = parseSearchSpace(spec.searchSpace);
      } catch {
        space = null;
      }
      let rungs: { rungs: number[]; rungIndexed: boolean };
      try {
        rungs = rungEpochs(spec);
      } catch {
        rungs = { rungs: [], rungIndexed: false };
      }
      const shape: StudyShape = { id: id.toLowerCase(), metric: row.metric, direction: row.direction, space, ...rungs };
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(id, shape);
      return shape;
    },
    forget(id: string): void {
      entries.delete(id);
    },
  };
}

/** The last fANOVA result of each study with the COMPLETE count it was computed at. */
interface ImportanceEntry {
  readonly completeTrials: number;
  readonly result: Promise<FanovaResult>;
}

/** Ids, numbers and values of a study's finite COMPLETE values, one row of comma-separated columns in the same row order. */
interface HistoryColumns {
  ids: string | null;
  numbers: string | null;
  values: string | null;
}

interface CurveRow {
  id: string;
  number: number;
  state: string;
  pruned_at_rung: number | null;
  last_epoch: number;
  total: number;
  /** Comma-separated, by epoch (see `numbersOf`). */
  epochs: string;
  vloss: string;
}

interface ParamsRow {
  id: string;
  number: number;
  params: Params;
  objective_value: number | null;
  total: number;
}

const FINITE = `NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)`;

export default async function analysisRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { db, auth } = deps;
  const shapes = createShapeCache(db);
  const importanceCache = new Map<string, ImportanceEntry>();
  const IMPORTANCE_CACHE_CAPACITY = 1_000;

  /** An empty answer for a remembered study: 404 if the study has since been deleted. */
  async function stillThere(id: string): Promise<void> {
    shapes.forget(id);
    await shapes.get(id);
  }

  app.get(
    '/studies/:id/history',
    {
      onRequest: auth.read,
      schema: {
        tags: ['analysis'],
        ...security(auth.readRequiresKey),
        params: IdParams,
        summary: 'Objective value and best-so-far of COMPLETE trials by number (optimisation history)',
        querystring: HistoryQuery,
        response: { 200: HistorySchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const shape = await shapes.get(request.params.id);
      // Columns as text: one row to decode however many trials (the aggregates of one query see
      // the rows in the same order); sorted by number below.
      const {
        rows: [columns],
      } = await db.pool.query<HistoryColumns>(
        `SELECT string_agg("id"::text, ',') AS "ids", string_agg("number"::text, ',') AS "numbers",
                string_agg("objective_value"::text, ',') AS "values"
         FROM "trial"
         WHERE "study_id" = $1::uuid AND "state" = 'COMPLETE' AND "objective_value" IS NOT NULL AND "objective_value" ${FINITE}`,
        [shape.id],
      );
      if (!columns?.ids) await stillThere(shape.id);
      const ids = columns?.ids?.split(',') ?? [];
      const numbers = numbersOf(columns?.numbers ?? '');
      const values = numbersOf(columns?.values ?? '');
      const order = numbers.map((_, i) => i).sort((a, b) => numbers[a] - numbers[b]);
      const points = order.map((i) => ({ trialId: ids[i], number: numbers[i], value: values[i], state: 'COMPLETE' as const }));
      return {
        studyId: shape.id,
        objective: shape.metric,
        direction: shape.direction,
        total: points.length,
        points: capHistory(points, shape.direction, request.query.limit),
      };
    },
  );

  app.get(
    '/studies/:id/curves',
    {
      onRequest: auth.read,
      schema: {
        tags: ['analysis'],
        ...security(auth.readRequiresKey),
        params: IdParams,
        summary: 'Per-epoch validation loss of each trial (learning curves), best latest vloss first',
        querystring: CurvesQuery,
        response: { 200: CurvesSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const shape = await shapes.get(request.params.id);
      // One statement: each trial's latest finite vloss through the (trial_id, epoch) key read
      // backwards, the best `limit` of them (NaN never counts), then their curves as arrays.
      const { rows } = await db.pool.query<CurveRow>(
        `WITH latest AS (
           SELECT t."id", t."number", t."state"::text AS "state", t."pruned_at_rung", l."vloss" AS "latest",
                  (SELECT max("epoch") FROM "intermediate_value" WHERE "trial_id" = t."id") AS "last_epoch"
           FROM "trial" AS t
           JOIN LATERAL (
             SELECT "vloss" FROM "intermediate_value"
             WHERE "trial_id" = t."id" AND "vloss" IS NOT NULL AND "vloss" ${FINITE}
             ORDER BY "epoch" DESC LIMIT 1
           ) AS l ON true
           WHERE t."study_id" = $1::uuid
         ), ranked AS (
           SELECT *, (count(*) OVER ())::int AS "total" FROM latest ORDER BY "latest" ASC, "number" ASC LIMIT $2
         )
         SELECT r."id"::text AS "id", r."number", r."state", r."pruned_at_rung", r."last_epoch", r."total", c."epochs", c."vloss"
         FROM ranked AS r
         CROSS JOIN LATERAL (
           SELECT string_agg("epoch"::text, ',' ORDER BY "epoch") AS "epochs", string_agg("vloss"::text, ',' ORDER BY "epoch") AS "vloss"
           FROM "intermediate_value"
           WHERE "trial_id" = r."id" AND "vloss" IS NOT NULL AND "vloss" ${FINITE}
         ) AS c
         ORDER BY r."latest" ASC, r."number" ASC`,
        [shape.id, request.query.limit],
      );
      if (rows.length === 0) await stillThere(shape.id);
      return {
        studyId: shape.id,
        metric: 'vloss' as const,
        rungs: [...shape.rungs],
        total: rows[0]?.total ?? 0,
        trials: rows.map((r) => ({
          trialId: r.id,
          number: r.number,
          state: r.state as 'COMPLETE',
          prunedAtRung: r.state === 'PRUNED' ? prunedAtEpoch(shape, r.pruned_at_rung, r.last_epoch) : null,
          values: pairs(numbersOf(r.epochs), numbersOf(r.vloss)),
        })),
      };
    },
  );

  app.get(
    '/studies/:id/params',
    {
      onRequest: auth.read,
      schema: {
        tags: ['analysis'],
        ...security(auth.readRequiresKey),
        params: IdParams,
        summary: 'Params and objective value of COMPLETE trials (parallel coordinates), best first',
        querystring: ParamsQuery,
        response: { 200: ParamsSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const shape = await shapes.get(request.params.id);
      const order = shape.direction === 'minimize' ? 'ASC' : 'DESC';
      // Best first; a trial without a finite value (none, NaN, ±Infinity) last, by number.
      const { rows } = await db.pool.query<ParamsRow>(
        `SELECT "id"::text AS "id", "number", "params", "objective_value", (count(*) OVER ())::int AS "total"
         FROM "trial"
         WHERE "study_id" = $1::uuid AND "state" = 'COMPLETE'
         ORDER BY ("objective_value" IS NULL OR "objective_value" IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)),
                  "objective_value" ${order}, "number" ASC
         LIMIT $2`,
        [shape.id, request.query.limit],
      );
      if (rows.length === 0) await stillThere(shape.id);
      const specs = shape.space?.params ?? [];
      return {
        studyId: shape.id,
        objective: shape.metric,
        direction: shape.direction,
        total: rows[0]?.total ?? 0,
        dimensions: specs.map(({ name, distribution: d }) =>
          d.type === 'categorical' ? { name, type: d.type, choices: [...d.choices] } : { name, type: d.type, low: d.low, high: d.high, log: d.log },
        ),
        rows: rows.map((r) => ({
          trialId: r.id,
          number: r.number,
          state: 'COMPLETE' as const,
          values: specs.map((s) => (Object.hasOwn(r.params, s.name) ? r.params[s.name] : null)),
          objectiveValue: isFiniteNumber(r.objective_value) ? r.objective_value : null,
        })),
      };
    },
  );

  /**
   * fANOVA over the study's finite COMPLETE values, thinned evenly to 10,000 in SQL (the rows whose
   * index i satisfies ⌈i·m/n⌉ < (i+1)·m/n are exactly `evenSubsample(n, m)`), a tree at a time with
   * a turn of the event loop between trees so other requests are not held up.
   */
  async function computeImportance(shape: StudyShape): Promise<FanovaResult> {
    const { rows } = await db.pool.query<{ params: Params; value: number }>(
      `SELECT "params", "value" FROM (
         SELECT "params", "objective_value" AS "value", row_number() OVER (ORDER BY "number") - 1 AS "i", count(*) OVER () AS "n"
         FROM "trial"
         WHERE "study_id" = $1::uuid AND "state" = 'COMPLETE' AND "objective_value" IS NOT NULL AND "objective_value" ${FINITE}
       ) AS s
       WHERE ((s."i" * $2 + s."n" - 1) / s."n") * s."n" < (s."i" + 1) * $2
       ORDER BY s."i"`,
      [shape.id, FANOVA_MAX_TRIALS],
    );
    if (shape.space === null) return { trials: rows.length, importances: [] };
    const trials: ImportanceTrial[] = rows;
    const steps = fanovaSteps(shape.space, trials, { seed: 0 });
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value;
      await nextTurn();
    }
  }

  app.get(
    '/studies/:id/importance',
    {
      onRequest: auth.read,
      schema: {
        tags: ['analysis'],
        ...security(auth.readRequiresKey),
        params: IdParams,
        summary: 'fANOVA importance of each parameter for the objective value (COMPLETE trials)',
        response: { 200: ImportanceSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const shape = await shapes.get(request.params.id);
      // The COMPLETE count, kept on the study row by triggers, is the change token: one result per
      // count, shared by concurrent requests while it is being computed.
      const { rows: counter } = await db.pool.query<{ complete_trials: number }>(
        `SELECT "complete_trials" FROM "study" WHERE "id" = $1::uuid`,
        [shape.id],
      );
      if (counter.length === 0) {
        shapes.forget(shape.id);
        importanceCache.delete(shape.id);
        throw new NotFoundError('study', shape.id);
      }
      const completeTrials = counter[0].complete_trials;
      let entry = importanceCache.get(shape.id);
      if (!entry || entry.completeTrials !== completeTrials) {
        const result = computeImportance(shape);
        entry = { completeTrials, result };
        importanceCache.delete(shape.id);
        if (importanceCache.size >= IMPORTANCE_CACHE_CAPACITY) importanceCache.delete(importanceCache.keys().next().value as string);
        importanceCache.set(shape.id, entry);
        // A failed computation is not remembered.
        result.catch(() => {
          if (importanceCache.get(shape.id) === entry) importanceCache.delete(shape.id);
        });
      }
      const { trials, importances } = await entry.result;
      return { studyId: shape.id, method: 'fanova' as const, trials, importances: importances.map((i) => ({ ...i })) };
    },
  );
}
