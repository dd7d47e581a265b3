/**
 * Trials of a study (filtered by state, keyset-paginated by trial number) and one trial in full:
 * per-epoch values, final metrics, checkpoints, resume fallbacks and, for CNN trials, the
 * architecture its hyperparameters describe.
 */
import { type Db, NotFoundError, type ResumeFallback, type Trial } from '@tunefleet/db';
import { ArchitectureError, describeArchitecture, resolveHyperparameters } from '@tunefleet/models/config';
import type { TrialState } from '@tunefleet/search';
import { IdParams, errorResponses } from '../schemas/common.js';
import { ListTrialsQuery, TrialDetailSchema, TrialListSchema } from '../schemas/trials.js';
import { type App, type RouteDeps, security } from '../route-deps.js';
import { isUuid } from '../uuid.js';
import { sendJsonText } from '../json-text-reply.js';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export function toTrialSummary(t: Trial) {
  return {
    id: t.id,
    studyId: t.studyId,
    number: t.number,
    state: t.state,
    params: t.params,
    objectiveValue: t.objectiveValue,
    vloss: t.vloss,
    accuracy: t.accuracy,
    f1: t.macroF1,
    parameterCount: t.parameterCount,
    efficiency: t.efficiency,
    attempts: t.attempts,
    workerId: t.workerId,
    failureType: t.failureType,
    failureMessage: t.failureMessage,
    retryOfId: t.retryOfId,
    createdAt: t.createdAt.toISOString(),
    startedAt: iso(t.startedAt),
    finishedAt: iso(t.finishedAt),
    lastEventAt: iso(t.lastEventAt),
  };
}

/** A resume that fell back to an earlier checkpoint or to scratch (the scheduler's resume-checkpoint.ts). */
function toResumeFallback(f: ResumeFallback) {
  return {
    attempt: f.attempt,
    problem: f.problem,
    checkpointTrialId: f.checkpointTrialId,
    checkpointEpoch: f.checkpointEpoch,
    resumedFromEpoch: f.resumedFromEpoch,
    createdAt: f.createdAt.toISOString(),
  };
}

/** The trained network of a CNN trial: its fixed and searched hyperparameters, resolved. */
function architectureOf(fixed: Record<string, unknown>, params: Record<string, unknown>) {
  try {
    const hyperparameters = resolveHyperparameters({ ...fixed, ...params });
    const a = describeArchitecture(hyperparameters);
    return {
      hyperparameters: { ...hyperparameters },
      channels: [...a.channels],
      sizes: [...a.sizes],
      fcnWidths: [...a.fcnWidths],
      layers: a.layers.map((l) => ({ ...l, outputShape: [...l.outputShape] })),
      totalParams: a.totalParams,
      nonTrainableParams: a.nonTrainableParams,
      forwardFlops: a.forwardFlops,
    };
  } catch (err) {
    // A configuration the model cannot build (the trial FAILED for it) has no architecture.
    if (err instanceof ArchitectureError) return null;
    throw err;
  }
}

/** Milliseconds since the epoch, UTC, as `Date.prototype.toISOString` writes them. */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso8601 = (column: string): string => `to_char("${column}" AT TIME ZONE 'UTC', ${ISO})`;

/**
 * The fields `toTrialSummary` shows, by the names it gives them, and the SQL that reads each,
 * timestamps already in ISO form; `float` marks the float8 columns.
 */
const SUMMARY_FIELDS: readonly (readonly [name: string, sql: string, float?: true])[] = [
  ['id', '"id"::text'],
  ['studyId', '"study_id"::text'],
  ['number', '"number"'],
  ['state', '"state"::text'],
  ['params', '"params"'],
  ['objectiveValue', '"objective_value"', true],
  ['vloss', '"vloss"', true],
  ['accuracy', '"accuracy"', true],
  ['f1', '"macro_f1"', true],
  ['parameterCount', '"parameter_count"'],
  ['efficiency', '"efficiency"', true],
  ['attempts', '"attempts"'],
  ['workerId', '"worker_id"'],
  ['failureType', '"failure_type"'],
  ['failureMessage', '"failure_message"'],
  ['retryOfId', '"retry_of_id"::text'],
  ['createdAt', iso8601('created_at')],
  ['startedAt', iso8601('started_at')],
  ['finishedAt', iso8601('finished_at')],
  ['lastEventAt', iso8601('last_event_at')],
];

/** The summary as columns of a row. */
const SUMMARY_COLUMNS = SUMMARY_FIELDS.map(([name, sql]) => `${sql} AS "${name}"`).join(', ');

/**
 * The summary as a JSON object built by Postgres, keys in the response schema's order. JSON has no
 * NaN or Infinity: a non-finite float is written null, as the response serialiser writes one.
 */
const SUMMARY_JSON = `json_build_object(${SUMMARY_FIELDS.map(
  ([name, sql, float]) => `'${name}', ${float ? `CASE WHEN ${sql} IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE ${sql} END` : sql}`,
).join(', ')})`;

/** A trial summary as the listing answers it. */
interface SummaryRow extends Omit<ReturnType<typeof toTrialSummary>, 'state'> {
  state: TrialState;
}

/**
 * One page of a study's trial summaries by number as the response body, built by Postgres in one
 * statement: only the columns the listing shows (not the per-class accuracy and confusion matrix
 * the store's full trial carries). The api passes the text through instead of parsing 100 rows of
 * 20 columns and serialising them again, which was most of the route's CPU time. One row more than
 * asked tells whether there is a next page; `rows` = 0 is the end of a study's trials or an
 * unknown study. Served by the (study_id, number) unique index, and with a state filter by
 * (study_id, state, number), one state at a time: the 8 RUNNING trials of a 100,000-trial study,
 * its newest, are read directly instead of by walking the whole study in number order filtering
 * by state (100 ms), which is what the planner chose for `state = ANY($states)`.
 */
async function readSummaryPage(
  db: Db,
  studyId: string,
  states: TrialState[] | null,
  after: number,
  limit: number,
): Promise<{ rows: number; body: string }> {
  const distinct = states === null ? [] : [...new Set(states)];
  // One branch per state, each read in number order through (study_id, state, number) up to the
  // page size; `state = ANY(...)` would lose that order and the planner would walk the study.
  const matching =
    states === null
      ? `SELECT * FROM "trial" WHERE "study_id" = $1::uuid AND "number" > $2::int`
      : distinct
          .map((_, i) => `(SELECT * FROM "trial" WHERE "study_id" = $1::uuid AND "number" > $2::int AND "state" = $${4 + i}::"trial_state"
                           ORDER BY "number" LIMIT $3::int + 1)`)
          .join(' UNION ALL ');
  const { rows } = await db.pool.query<{ rows: number; body: string }>(
    `SELECT count(*)::int AS "rows",
            json_build_object('items', coalesce(json_agg("item" ORDER BY "number") FILTER (WHERE "n" <= $3::int), '[]'::json),
                              'nextCursor', CASE WHEN count(*) > $3::int THEN max("number") FILTER (WHERE "n" <= $3::int) END)::text AS "body"
     FROM (SELECT "number", row_number() OVER (ORDER BY "number") AS "n", ${SUMMARY_JSON} AS "item"
           FROM (${matching}) AS "trial"
           ORDER BY "number" ASC
           LIMIT $3::int + 1) AS "page"`,
    [studyId, after, limit, ...distinct],
  );
  return rows[0] as { rows: number; body: string };
}

/** A trial in full, its per-epoch values and checkpoint metadata as one array per column in epoch order. */
interface TrialDetailRow extends SummaryRow {
  resumeFromEpoch: number | null;
  perClassAccuracy: number[] | null;
  confusionMatrix: number[][] | null;
  e_epoch: number[];
  e_value: number[];
  e_vloss: (number | null)[];
  e_accuracy: (number | null)[];
  e_f1: (number | null)[];
  e_train_loss: (number | null)[];
  e_images_per_sec: (number | null)[];
  e_elapsed_ms: (number | null)[];
  e_created_at: string[];
  c_epoch: number[];
  c_size_bytes: number[];
  c_sha256: string[];
  c_created_at: string[];
  /** As `toResumeFallback` shows them, oldest first (integers, strings and ISO timestamps: JSON keeps them exact). */
  resumeFallbacks: ReturnType<typeof toResumeFallback>[];
}

/** `array_agg` of a column in epoch order, '{}' when there are no rows. */
const inEpochOrder = (expr: string, alias: string, type: string): string =>
  `coalesce(array_agg(${expr} ORDER BY "epoch"), '{}'::${type}[]) AS "${alias}"`;

/**
 * A trial with its per-epoch values, checkpoint metadata and resume fallbacks in one statement
 * (four round trips before). Per-epoch values travel as float8 arrays, not JSON, so that a NaN or an Infinity (a
 * diverged loss) reaches the serialiser as the same number a row of its own would give.
 */
async function readTrialDetail(db: Db, id: string): Promise<TrialDetailRow | undefined> {
  const { rows } = await db.pool.query<TrialDetailRow>(
    `SELECT ${SUMMARY_COLUMNS}, "resume_from_epoch" AS "resumeFromEpoch",
            "per_class_accuracy" AS "perClassAccuracy", "confusion_matrix" AS "confusionMatrix", e.*, c.*, f.*
     FROM "trial" AS t
     CROSS JOIN LATERAL (
       SELECT ${inEpochOrder('"epoch"', 'e_epoch', 'int')}, ${inEpochOrder('"value"', 'e_value', 'float8')},
              ${inEpochOrder('"vloss"', 'e_vloss', 'float8')}, ${inEpochOrder('"accuracy"', 'e_accuracy', 'float8')},
              ${inEpochOrder('"macro_f1"', 'e_f1', 'float8')}, ${inEpochOrder('"train_loss"', 'e_train_loss', 'float8')},
              ${inEpochOrder('"images_per_sec"', 'e_images_per_sec', 'float8')},
              ${inEpochOrder('"elapsed_ms"', 'e_elapsed_ms', 'int')}, ${inEpochOrder(iso8601('created_at'), 'e_created_at', 'text')}
       FROM "intermediate_value" WHERE "trial_id" = t."id") AS e
     CROSS JOIN LATERAL (
       SELECT ${inEpochOrder('"epoch"', 'c_epoch', 'int')}, ${inEpochOrder('"size_bytes"', 'c_size_bytes', 'int')},
              ${inEpochOrder('"sha256"', 'c_sha256', 'text')}, ${inEpochOrder(iso8601('created_at'), 'c_created_at', 'text')}
       FROM "checkpoint" WHERE "trial_id" = t."id") AS c
     CROSS JOIN LATERAL (
       SELECT coalesce(json_agg(json_build_object('attempt', "attempt", 'problem', "problem",
                                                  'checkpointTrialId', "checkpoint_trial_id"::text, 'checkpointEpoch', "checkpoint_epoch",
                                                  'resumedFromEpoch', "resumed_from_epoch", 'createdAt', ${iso8601('created_at')})
                                ORDER BY "created_at", "attempt"), '[]'::json) AS "resumeFallbacks"
       FROM "resume_fallback" WHERE "trial_id" = t."id") AS f
     WHERE t."id" = $1::uuid`,
    [id],
  );
  return rows[0];
}

export default async function trialRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { db, stores, rankings, auth } = deps;

  app.get(
    '/studies/:id/trials',
    {
      onRequest: auth.read,
      schema: {
        tags: ['trials'],
        summary: "A study's trials by number, filtered by state",
        ...security(auth.readRequiresKey),
        params: IdParams,
        querystring: ListTrialsQuery,
        response: { 200: TrialListSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { state, after, limit } = request.query;
      const page = isUuid(id) ? await readSummaryPage(db, id, (state as TrialState[] | undefined) ?? null, after ?? -1, limit) : null;
      // An empty page is either the end of a study's trials or an unknown study.
      if (page === null || page.rows === 0) await stores.studies.get(id);
      return sendJsonText(reply, page?.body ?? '{"items":[],"nextCursor":null}');
    },
  );

  app.get(
    '/trials/:id',
    {
      onRequest: auth.read,
      schema: {
        tags: ['trials'],
        summary: 'One trial: params, per-epoch values, final metrics, checkpoints, architecture',
        ...security(auth.readRequiresKey),
        params: IdParams,
        response: { 200: TrialDetailSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const row = isUuid(id) ? await readTrialDetail(db, id) : undefined;
      if (!row) throw new NotFoundError('trial', id);
      // Kind and fixed hyperparameters never change, so they come from memory, not the study row.
      const study = await rankings.get(row.studyId);
      const {
        e_epoch, e_value, e_vloss, e_accuracy, e_f1, e_train_loss, e_images_per_sec, e_elapsed_ms, e_created_at,
        c_epoch, c_size_bytes, c_sha256, c_created_at, resumeFallbacks, resumeFromEpoch, perClassAccuracy, confusionMatrix, ...summary
      } = row;
      return {
        ...summary,
        resumeFromEpoch,
        perClassAccuracy,
        confusionMatrix,
        epochs: e_epoch.map((epoch, i) => ({
          epoch,
          value: e_value[i] as number,
          vloss: e_vloss[i] ?? null,
          accuracy: e_accuracy[i] ?? null,
          f1: e_f1[i] ?? null,
          trainLoss: e_train_loss[i] ?? null,
          imagesPerSec: e_images_per_sec[i] ?? null,
          elapsedMs: e_elapsed_ms[i] ?? null,
          createdAt: e_created_at[i] as string,
        })),
        checkpoints: c_epoch.map((epoch, i) => ({
          epoch,
          sizeBytes: c_size_bytes[i] as number,
          sha256: c_sha256[i] as string,
          createdAt: c_created_at[i] as string,
          url: `/trials/${row.id}/checkpoints/${epoch}`,
        })),
        resumeFallbacks,
        architecture: study.kind === 'cnn' ? architectureOf(study.fixed, row.params) : null,
      };
    },
  );
}
