/**
 * Studies: create (validated in full before anything is written), list, progress, and the two
 * requests the api makes of a running study, stop and resume. The api only writes the status;
 * the scheduler sees it on its next poll and does the trial transitions (failing open trials with
 * type `study-stopped`, setting their stop keys), as STYLE §2.6 assigns.
 */
import { randomInt } from 'node:crypto';
import { NotFoundError, type Study, type StudyStatus } from '@tunefleet/db';
import { IllegalTransitionError, type TrialState } from '@tunefleet/search';
import { StudySpecError } from '../errors.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import {
  CreateStudyBody,
  ListStudiesQuery,
  StudyDetailSchema,
  StudyListSchema,
  StudySchema,
} from '../schemas/studies.js';
import { summariseProgress } from '../study-progress.js';
import { validateStudySubmission } from '../study-submission.js';
import { type App, type RouteDeps, security } from '../route-deps.js';

const MAX_SEED = 2 ** 31 - 1;

interface StoredSpec {
  readonly kind?: 'cnn' | 'function';
  readonly constraints?: { readonly minAccuracy?: number | null };
}

export function studyKind(study: Pick<Study, 'objective'>): 'cnn' | 'function' {
  const kind = (study.objective as { kind?: unknown } | null)?.kind;
  return kind === 'function' ? 'function' : 'cnn';
}

/** The accuracy floor of a CNN study's constraints, or null. */
export function accuracyFloor(study: Pick<Study, 'spec'>): number | null {
  const floor = (study.spec as StoredSpec | null)?.constraints?.minAccuracy;
  return typeof floor === 'number' ? floor : null;
}

export function toStudyResponse(study: Study) {
  return {
    id: study.id,
    name: study.name,
    status: study.status,
    kind: studyKind(study),
    objective: study.metric,
    direction: study.direction,
    seed: study.seed,
    maxTrials: study.maxTrials,
    parallelism: study.parallelism,
    createdAt: study.createdAt.toISOString(),
    finishedAt: study.finishedAt?.toISOString() ?? null,
    spec: study.spec,
  };
}

/** The study, its trial counters (kept by triggers on "trial") and its best trial, in one row. */
interface ProgressRow {
  id: string;
  name: string;
  spec: Study['spec'];
  objective: Study['objective'];
  metric: string;
  direction: Study['direction'];
  status: Study['status'];
  seed: number;
  max_trials: number;
  parallelism: number;
  created_at: Date;
  finished_at: Date | null;
  waiting_trials: number;
  running_trials: number;
  paused_trials: number;
  complete_trials: number;
  pruned_trials: number;
  failed_trials: number;
  timed_trials: number;
  timed_trial_ms: number;
  best_id: string | null;
  best_number: number | null;
  best_value: number | null;
  best_params: Record<string, string | number | boolean> | null;
  best_vloss: number | null;
  best_accuracy: number | null;
  best_parameter_count: number | null;
}

/**
 * The study with its progress in one statement. Counts per state and the mean trial duration
 * come from the study row's counters, which the database keeps in the statement that changes the
 * trials (migration 20261130101000_study_trial_counters), so the page reads one row instead of
 * aggregating every trial. The best trial is the best COMPLETE one by objective value (NaN never
 * wins, the accuracy floor applies), read through the (study_id, state, objective_value) index;
 * its direction and floor come from the ranking cache, as they never change.
 */
async function studyWithProgress({ db, rankings }: Pick<RouteDeps, 'db' | 'rankings'>, id: string) {
  const ranking = await rankings.get(id);
  // The ORDER BY direction comes from the study's validated enum, never from request input.
  const order = ranking.direction === 'minimize' ? 'ASC' : 'DESC';
  const { rows } = await db.pool.query<ProgressRow>(
    `SELECT s."id"::text AS "id", s."name", s."spec", s."objective", s."metric", s."direction"::text AS "direction",
            s."status"::text AS "status", s."seed", s."max_trials", s."parallelism", s."created_at", s."finished_at",
            s."waiting_trials", s."running_trials", s."paused_trials", s."complete_trials", s."pruned_trials",
            s."failed_trials", s."timed_trials", s."timed_trial_ms"::float8 AS "timed_trial_ms",
            b."id" AS "best_id", b."number" AS "best_number", b."objective_value" AS "best_value",
            b."params" AS "best_params", b."vloss" AS "best_vloss", b."accuracy" AS "best_accuracy",
            b."parameter_count" AS "best_parameter_count"
     FROM "study" AS s
     LEFT JOIN LATERAL (
       SELECT "id"::text AS "id", "number", "objective_value", "params", "vloss", "accuracy", "parameter_count"
       FROM "trial"
       WHERE "study_id" = s."id" AND "state" = 'COMPLETE'
         AND "objective_value" IS NOT NULL AND "objective_value" <> 'NaN'::float8
         AND ($2::float8 IS NULL OR "accuracy" >= $2::float8)
       ORDER BY "objective_value" ${order}, "number" ASC
       LIMIT 1
     ) AS b ON true
     WHERE s."id" = $1::uuid`,
    [ranking.id, ranking.minAccuracy],
  );
  const row = rows[0];
  if (!row) {
    // Deleted since it was remembered.
    rankings.forget(id);
    throw new NotFoundError('study', id);
  }
  const study: Study = {
    id: row.id,
    name: row.name,
    spec: row.spec,
    objective: row.objective,
    metric: row.metric,
    direction: row.direction,
    status: row.status,
    seed: row.seed,
    maxTrials: row.max_trials,
    parallelism: row.parallelism,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
  const counts: Record<TrialState, number> = {
    WAITING: row.waiting_trials,
    RUNNING: row.running_trials,
    PAUSED: row.paused_trials,
    COMPLETE: row.complete_trials,
    PRUNED: row.pruned_trials,
    FAILED: row.failed_trials,
  };
  const best =
    row.best_id === null
      ? null
      : {
          trialId: row.best_id,
          number: row.best_number as number,
          value: row.best_value as number,
          params: row.best_params as Record<string, string | number | boolean>,
          vloss: row.best_vloss,
          accuracy: row.best_accuracy,
          parameterCount: row.best_parameter_count,
        };
  const meanTrialDurationMs = row.timed_trials > 0 ? row.timed_trial_ms / row.timed_trials : null;
  return { study, counts, best, meanTrialDurationMs };
}

/** The body of `GET /studies/:id`: the study and its progress. The study events stream sends the same. */
export async function studyDetail(deps: Pick<RouteDeps, 'db' | 'rankings' | 'now'>, id: string) {
  const { study, counts, best, meanTrialDurationMs } = await studyWithProgress(deps, id);
  const progress = summariseProgress({
    counts,
    maxTrials: study.maxTrials,
    parallelism: study.parallelism,
    open: study.status === 'RUNNING',
    meanTrialDurationMs,
    createdAt: study.createdAt,
    finishedAt: study.finishedAt,
    now: deps.now(),
  });
  return { ...toStudyResponse(study), progress: { ...progress, best } };
}

export default async function studyRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { stores, auth } = deps;

  app.post(
    '/studies',
    {
      onRequest: auth.write,
      schema: {
        tags: ['studies'],
        summary: 'Create a study',
        ...security(auth.writeRequiresKey),
        body: CreateStudyBody,
        response: { 201: StudySchema, ...errorResponses(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      const submission = validateStudySubmission(request.body, {
        defaultSeed: randomInt(0, MAX_SEED),
        functionNames: deps.functionNames,
      });
      // The route schema has already checked the body; what fails here are the rules beyond it.
      if (!submission.ok) throw new StudySpecError(submission.issues.map(({ path, message }) => ({ field: path, message })));
      const normalised = submission.study;
      const study = await stores.studies.create({
        name: normalised.name,
        spec: normalised.spec as never,
        objective: normalised.objective as never,
        metric: normalised.metric,
        direction: normalised.direction,
        seed: normalised.seed,
        maxTrials: normalised.maxTrials,
        parallelism: normalised.parallelism,
      });
      request.log.info({ studyId: study.id, kind: normalised.objective.kind, metric: study.metric }, 'study created');
      return reply.status(201).header('location', `/studies/${study.id}`).send(toStudyResponse(study));
    },
  );

  app.get(
    '/studies',
    {
      onRequest: auth.read,
      schema: {
        tags: ['studies'],
        summary: 'List studies, newest first',
        ...security(auth.readRequiresKey),
        querystring: ListStudiesQuery,
        response: { 200: StudyListSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { status, limit, before } = request.query;
      // A full page has a cursor; the page after it may be empty (the store caps limit at 500, so
      // there is no room to read one row ahead).
      const items = await stores.studies.list({ status: status as StudyStatus | undefined, limit, before });
      return {
        items: items.map(toStudyResponse),
        nextCursor: items.length === limit ? items[items.length - 1].id : null,
      };
    },
  );

  app.get(
    '/studies/:id',
    {
      onRequest: auth.read,
      schema: {
        tags: ['studies'],
        summary: 'A study with its progress: counts per state, best trial, ETA',
        ...security(auth.readRequiresKey),
        params: IdParams,
        response: { 200: StudyDetailSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      return studyDetail(deps, request.params.id);
    },
  );

  app.post(
    '/studies/:id/stop',
    {
      onRequest: auth.write,
      schema: {
        tags: ['studies'],
        summary: 'Stop a running study (the scheduler fails its open trials)',
        ...security(auth.writeRequiresKey),
        params: IdParams,
        response: { 200: StudySchema, ...errorResponses(401, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const result = await stores.studies.finish(id, 'STOPPED');
      if (!result.changed) {
        const err = new IllegalTransitionError('STOPPED', 'STOPPED');
        err.message = 'study is already STOPPED';
        throw err;
      }
      request.log.info({ studyId: id }, 'study stop requested');
      return toStudyResponse(await stores.studies.get(id));
    },
  );

  app.post(
    '/studies/:id/resume',
    {
      onRequest: auth.write,
      schema: {
        tags: ['studies'],
        summary: 'Resume a stopped study with the same seed',
        ...security(auth.writeRequiresKey),
        params: IdParams,
        response: { 200: StudySchema, ...errorResponses(401, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      // One conditional update in the store: of two concurrent resumes exactly one changes the row.
      const study = await stores.studies.resume(id);
      request.log.info({ studyId: id }, 'study resumed');
      return toStudyResponse(study);
    },
  );
}
