/**
 * Trials of a study (filtered by state, keyset-paginated by trial number) and one trial in full:
 * per-epoch values, final metrics, checkpoints, resume fallbacks and, for CNN trials, the
 * architecture its hyperparameters describe.
 */
import type { CheckpointMeta, Db, IntermediateValue, ResumeFallback, Trial } from '@tunefleet/db';
import { ArchitectureError, describeArchitecture, resolveHyperparameters } from '@tunefleet/models/config';
import type { TrialState } from '@tunefleet/search';
import { IdParams, errorResponses } from '../schemas/common.js';
import { ListTrialsQuery, TrialDetailSchema, TrialListSchema } from '../schemas/trials.js';
import { type App, type RouteDeps, security } from '../route-deps.js';
import { isUuid } from '../uuid.js';
import { studyKind } from './studies.js';

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

function toEpoch(v: IntermediateValue) {
  return {
    epoch: v.epoch,
    value: v.value,
    vloss: v.vloss,
    accuracy: v.accuracy,
    f1: v.macroF1,
    trainLoss: v.trainLoss,
    imagesPerSec: v.imagesPerSec,
    elapsedMs: v.elapsedMs,
    createdAt: v.createdAt.toISOString(),
  };
}

function toCheckpoint(c: CheckpointMeta) {
  return {
    epoch: c.epoch,
    sizeBytes: c.sizeBytes,
    sha256: c.sha256,
    createdAt: c.createdAt.toISOString(),
    url: `/trials/${c.trialId}/checkpoints/${c.epoch}`,
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

/** A trial summary as the listing answers it: the columns `toTrialSummary` shows, named as it names them. */
interface SummaryRow extends Omit<ReturnType<typeof toTrialSummary>, 'state'> {
  state: TrialState;
}

/**
 * One page of a study's trial summaries by number, in one statement: only the columns the
 * listing shows (not the per-class accuracy and confusion matrix the store's full trial carries),
 * timestamps already in ISO form. Served by the (study_id, number) unique index; with a state
 * filter the planner may use (study_id, state, objective_value) when the states are rare.
 */
function listSummaries(db: Db, studyId: string, states: TrialState[] | null, after: number, take: number): Promise<SummaryRow[]> {
  return db.$queryRawUnsafe<SummaryRow[]>(
    `SELECT "id"::text AS "id", "study_id"::text AS "studyId", "number", "state"::text AS "state", "params",
            "objective_value" AS "objectiveValue", "vloss", "accuracy", "macro_f1" AS "f1",
            "parameter_count" AS "parameterCount", "efficiency", "attempts", "worker_id" AS "workerId",
            "failure_type" AS "failureType", "failure_message" AS "failureMessage", "retry_of_id"::text AS "retryOfId",
            ${iso8601('created_at')} AS "createdAt", ${iso8601('started_at')} AS "startedAt",
            ${iso8601('finished_at')} AS "finishedAt", ${iso8601('last_event_at')} AS "lastEventAt"
     FROM "trial"
     WHERE "study_id" = $1::uuid AND "number" > $2::int AND ($3::text[] IS NULL OR "state" = ANY($3::text[]::"trial_state"[]))
     ORDER BY "number" ASC
     LIMIT $4::int`,
    studyId,
    after,
    states,
    take,
  );
}

export default async function trialRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { db, stores, auth } = deps;

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
    async (request) => {
      const { id } = request.params;
      const { state, after, limit } = request.query;
      // One more row than asked tells whether there is a next page.
      const rows = isUuid(id) ? await listSummaries(db, id, (state as TrialState[] | undefined) ?? null, after ?? -1, limit + 1) : [];
      // An empty page is either the end of a study's trials or an unknown study.
      if (rows.length === 0) await stores.studies.get(id);
      const items = rows.slice(0, limit);
      return {
        items,
        nextCursor: rows.length > limit ? items[items.length - 1].number : null,
      };
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
      const trial = await stores.trials.get(request.params.id);
      const [study, epochs, checkpoints, fallbacks] = await Promise.all([
        stores.studies.get(trial.studyId),
        stores.trials.intermediateValues(trial.id),
        stores.checkpoints.list(trial.id),
        stores.resumeFallbacks.list(trial.id),
      ]);
      const fixed = ((study.spec as { fixed?: Record<string, unknown> } | null)?.fixed ?? {}) as Record<string, unknown>;
      return {
        ...toTrialSummary(trial),
        resumeFromEpoch: trial.resumeFromEpoch,
        perClassAccuracy: trial.perClassAccuracy,
        confusionMatrix: trial.confusionMatrix,
        epochs: epochs.map(toEpoch),
        checkpoints: checkpoints.map(toCheckpoint),
        resumeFallbacks: fallbacks.map(toResumeFallback),
        architecture: studyKind(study) === 'cnn' ? architectureOf(fixed, trial.params) : null,
      };
    },
  );
}
