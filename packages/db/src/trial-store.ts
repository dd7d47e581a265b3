/**
 * Trials, their per-epoch intermediate values and their rung records. The lifecycle table of
 * @tunefleet/search is applied here with one conditional UPDATE (STYLE §2.5); the store decides
 * nothing about tuning.
 */
import {
  type FrozenTrial,
  type TrialEvent,
  type TrialState,
  TRIAL_EVENTS,
  TRIAL_STATES,
  TRIAL_TRANSITIONS,
  allowedFrom,
  isFinished,
  transition,
} from '@tunefleet/search';
import type { Params } from '@tunefleet/search';
import type { DbOrTx } from './client.js';
import { ConflictError, DbInputError, NotFoundError, translateDbError } from './errors.js';
import { Prisma } from './generated/client.js';
import {
  type Trial,
  type TrialUpdate,
  checkInt,
  checkNumber,
  toTrial,
  toUpdateData,
  trialSelect,
} from './trial-record.js';
import { isUuid } from './uuid.js';

export interface NewTrial {
  readonly params: Params;
  /** The failed trial this one retries (at most one retry per trial: ConflictError otherwise). */
  readonly retryOfId?: string;
  /** Epoch whose checkpoint the first job resumes from. */
  readonly resumeFromEpoch?: number;
  /**
   * Creates the trial RUNNING, as `apply(id, 'started', { parameterCount })` would leave it
   * (`startedAt` and `lastEventAt` set), in the same statement that allocates its number: a
   * dispatcher that has checked the params before creating the trial saves a round trip.
   */
  readonly running?: { readonly parameterCount: number | null };
}

/** `changed: false` is an `ignore` cell: a late or duplicate event; `state` is the current one. */
export interface ApplyResult {
  readonly changed: boolean;
  readonly state: TrialState;
}

/** One epoch's report. `value` is the study's metric at this epoch, the one pruners compare. */
export interface EpochReport {
  readonly epoch: number;
  readonly value: number;
  readonly vloss?: number | null;
  readonly accuracy?: number | null;
  readonly macroF1?: number | null;
  readonly trainLoss?: number | null;
  readonly imagesPerSec?: number | null;
  readonly elapsedMs?: number | null;
}

export interface IntermediateValue {
  readonly trialId: string;
  readonly epoch: number;
  readonly value: number;
  readonly vloss: number | null;
  readonly accuracy: number | null;
  readonly macroF1: number | null;
  readonly trainLoss: number | null;
  readonly imagesPerSec: number | null;
  readonly elapsedMs: number | null;
  readonly createdAt: Date;
}

export interface RungValue {
  readonly trialId: string;
  readonly value: number;
}

export interface ListTrialsOptions {
  readonly states?: readonly TrialState[];
  /** Keyset pagination: trials with a number greater than this. */
  readonly afterNumber?: number;
  /** Default: all. */
  readonly limit?: number;
}

export interface TrialStore {
  /**
   * Creates a WAITING trial with the study's next number, allocated and inserted in one statement
   * (the study row's counter is incremented under its row lock), so concurrent creates never
   * collide and numbers have no gaps. Throws NotFoundError for an unknown study and ConflictError
   * when the study is no longer RUNNING or `retryOfId` was already retried.
   */
  create(studyId: string, input: NewTrial): Promise<Trial>;
  /**
   * Creates `inputs.length` trials with the study's next numbers, in order, in one statement (one
   * commit): what `create` does for each, for a dispatcher that fills several free slots at once.
   * Returns them ordered by number; the same errors as `create`, and nothing is created then.
   */
  createMany(studyId: string, inputs: readonly NewTrial[]): Promise<Trial[]>;
  /** Throws NotFoundError. */
  get(id: string): Promise<Trial>;
  /** Throws NotFoundError. */
  getByNumber(studyId: string, number: number): Promise<Trial>;
  /** Ordered by number. */
  list(studyId: string, options?: ListTrialsOptions): Promise<Trial[]>;
  /** Every state, zero included. */
  countByState(studyId: string): Promise<Record<TrialState, number>>;
  /**
   * Applies a lifecycle event with ONE conditional update
   * (`WHERE id AND state IN allowedFrom(event)`), setting `data` with the new state. When no row
   * matches, reads the state once: an `ignore` cell returns `{ changed: false }`, an `illegal`
   * one throws IllegalTransitionError. Concurrent calls for one trial: exactly one changes it.
   */
  apply(id: string, event: TrialEvent, data?: TrialUpdate): Promise<ApplyResult>;
  /**
   * Records that job `attempt` (`TrialRunJob.attempt`) started on `workerId`. Monotonic: an older
   * or repeated attempt changes nothing and returns false. Independent of the state, because the
   * `started` of a later job is an `ignore` cell while the trial is RUNNING.
   */
  recordAttempt(id: string, attempt: number, workerId: string): Promise<boolean>;
  /** Trials in `states` (default RUNNING) whose last event is older than `before`, oldest first. */
  listStale(before: Date, options?: { states?: readonly TrialState[]; limit?: number }): Promise<Trial[]>;
  /** Inserts an intermediate value; the first report of an epoch wins. Returns whether it was new. */
  recordEpoch(trialId: string, report: EpochReport): Promise<boolean>;
  /**
   * `apply(trialId, 'epochReported')` and, when it changed the trial, `recordEpoch(trialId, report)`
   * in one statement: what a worker's epoch report does to a trial, one round trip instead of two.
   * `stored` is false for an `ignore` and for a repeated epoch (the first report wins).
   */
  reportEpoch(trialId: string, report: EpochReport): Promise<ApplyResult & { readonly stored: boolean }>;
  /** Ordered by epoch. */
  intermediateValues(trialId: string): Promise<IntermediateValue[]>;
  /** Records the trial's value at an ASHA rung; the first record wins. Returns whether it was new. */
  recordRung(trialId: string, rung: number, value: number): Promise<boolean>;
  /** All values recorded at `rung` in the study. */
  rungValues(studyId: string, rung: number): Promise<RungValue[]>;
  /**
   * The study's trials as samplers and pruners read them, ordered by number: `value` is the stored
   * objective value, `intermediate` maps epoch to value.
   */
  history(studyId: string): Promise<FrozenTrial[]>;
}

const EVENT_TARGETS = new Map<TrialEvent, TrialState | null>();

/**
 * The state `event` moves a trial to, whatever state allowed it: one UPDATE sets one state. The
 * lifecycle table currently has one target per event; a table that ever breaks that fails here,
 * loudly, and in the unit test that walks every event.
 */
export function eventTarget(event: TrialEvent): TrialState | null {
  if (!EVENT_TARGETS.has(event)) {
    const targets = new Set(allowedFrom(event).map((s) => TRIAL_TRANSITIONS[s][event] as TrialState));
    if (targets.size > 1) {
      throw new Error(`event ${event} leads to several states (${[...targets].join(', ')}); apply needs one`);
    }
    EVENT_TARGETS.set(event, [...targets][0] ?? null);
  }
  return EVENT_TARGETS.get(event) as TrialState | null;
}

function checkEvent(event: TrialEvent): void {
  if (!(TRIAL_EVENTS as readonly string[]).includes(event)) {
    throw new DbInputError('event', `must be one of ${TRIAL_EVENTS.join(', ')}, got ${String(event)}`);
  }
}

function checkStates(states: readonly TrialState[]): void {
  for (const s of states) {
    if (!(TRIAL_STATES as readonly string[]).includes(s)) throw new DbInputError('states', `unknown state ${String(s)}`);
  }
}

function optionalNumber(field: string, value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  checkNumber(field, value);
  return value;
}

type TrialRow = Parameters<typeof toTrial>[0];

/** Every column of a trial row under its `Trial` field name, for raw statements that return one. */
const TRIAL_COLUMNS = Prisma.raw(
  [
    '"id"::text AS "id"',
    '"study_id"::text AS "studyId"',
    '"number"',
    '"params"',
    '"state"::text AS "state"',
    '"attempts"',
    '"worker_id" AS "workerId"',
    '"failure_type" AS "failureType"',
    '"failure_message" AS "failureMessage"',
    '"created_at" AS "createdAt"',
    '"started_at" AS "startedAt"',
    '"finished_at" AS "finishedAt"',
    '"last_event_at" AS "lastEventAt"',
    '"vloss"',
    '"accuracy"',
    '"macro_f1" AS "macroF1"',
    '"per_class_accuracy" AS "perClassAccuracy"',
    '"confusion_matrix" AS "confusionMatrix"',
    '"parameter_count" AS "parameterCount"',
    '"efficiency"',
    '"objective_value" AS "objectiveValue"',
    '"retry_of_id"::text AS "retryOfId"',
    '"resume_from_epoch" AS "resumeFromEpoch"',
    '"pruned_at_rung" AS "prunedAtRung"',
  ].join(', '),
);

/** The checked columns of an epoch report (DbInputError names a field that cannot be stored). */
function epochRow(report: EpochReport): Required<{ [K in keyof EpochReport]: Exclude<EpochReport[K], undefined> }> {
  checkInt('epoch', report.epoch);
  checkNumber('value', report.value);
  if (report.elapsedMs !== undefined && report.elapsedMs !== null) checkInt('elapsedMs', report.elapsedMs);
  return {
    epoch: report.epoch,
    value: report.value,
    vloss: optionalNumber('vloss', report.vloss),
    accuracy: optionalNumber('accuracy', report.accuracy),
    macroF1: optionalNumber('macroF1', report.macroF1),
    trainLoss: optionalNumber('trainLoss', report.trainLoss),
    imagesPerSec: optionalNumber('imagesPerSec', report.imagesPerSec),
    elapsedMs: report.elapsedMs ?? null,
  };
}

export function createTrialStore(db: DbOrTx): TrialStore {
  async function get(id: string): Promise<Trial> {
    const row = isUuid(id) ? await db.trial.findUnique({ where: { id }, select: trialSelect }) : null;
    if (!row) throw new NotFoundError('trial', id);
    return toTrial(row);
  }

  async function requireStudy(studyId: string): Promise<{ status: string }> {
    const study = isUuid(studyId)
      ? await db.study.findUnique({ where: { id: studyId }, select: { status: true } })
      : null;
    if (!study) throw new NotFoundError('study', studyId);
    return study;
  }

  async function requireTrial(id: string): Promise<void> {
    const found = isUuid(id) ? await db.trial.findUnique({ where: { id }, select: { id: true } }) : null;
    if (!found) throw new NotFoundError('trial', id);
  }

  async function createMany(studyId: string, inputs: readonly NewTrial[]): Promise<Trial[]> {
    if (!isUuid(studyId)) throw new NotFoundError('study', studyId);
    if (inputs.length === 0) return [];
    for (const input of inputs) {
      if (input.params === null || typeof input.params !== 'object' || Array.isArray(input.params)) {
        throw new DbInputError('params', 'must be an object of parameter values');
      }
      if (input.retryOfId !== undefined && !isUuid(input.retryOfId)) throw new NotFoundError('trial', input.retryOfId);
      if (input.resumeFromEpoch !== undefined) checkInt('resumeFromEpoch', input.resumeFromEpoch);
      const running = input.running;
      if (running !== undefined && running.parameterCount !== null) checkInt('parameterCount', running.parameterCount);
    }
    // WAITING and no timestamps unless the trial starts RUNNING (then now(), like apply's `started`).
    const startedAt = new Date().toISOString();
    const column = <T>(value: (input: NewTrial) => T): T[] => inputs.map(value);
    let rows: TrialRow[];
    try {
      // The counter moves by the batch's size under the study's row lock; each row takes the
      // number of its place in the arrays (WITH ORDINALITY), so numbers follow `inputs`.
      rows = await db.$queryRaw<TrialRow[]>`
        WITH allocated AS (
          UPDATE "study" SET "next_trial_number" = "next_trial_number" + ${inputs.length}::int
          WHERE "id" = ${studyId}::uuid AND "status" = 'RUNNING'
          RETURNING "id", "next_trial_number" - ${inputs.length}::int AS "first"
        )
        INSERT INTO "trial" ("study_id", "number", "params", "retry_of_id", "resume_from_epoch",
                             "state", "parameter_count", "started_at", "last_event_at")
        SELECT a."id", a."first" + n."ordinal"::int - 1, n."params"::jsonb, n."retry_of_id"::uuid,
               n."resume_from_epoch", n."state"::"trial_state", n."parameter_count",
               n."started_at"::timestamptz, n."started_at"::timestamptz
        FROM allocated AS a,
             unnest(${column((i) => JSON.stringify(i.params))}::text[], ${column((i) => i.retryOfId ?? null)}::text[],
                    ${column((i) => i.resumeFromEpoch ?? null)}::int[], ${column((i) => (i.running ? 'RUNNING' : 'WAITING'))}::text[],
                    ${column((i) => i.running?.parameterCount ?? null)}::int[],
                    ${column((i) => (i.running ? startedAt : null))}::text[])
               WITH ORDINALITY AS n("params", "retry_of_id", "resume_from_epoch", "state", "parameter_count", "started_at", "ordinal")
        RETURNING ${TRIAL_COLUMNS}`;
    } catch (err) {
      const retried = inputs.find((i) => i.retryOfId !== undefined)?.retryOfId;
      throw translateDbError(err, {
        entity: 'trial',
        id: `${studyId}#new`,
        parent: { entity: 'trial', id: retried ?? '' },
        conflict: `trial ${retried} has already been retried`,
      });
    }
    if (rows.length === 0) {
      const study = await requireStudy(studyId);
      throw new ConflictError('study', `study ${studyId} is ${study.status}; it takes no new trials`);
    }
    // The inserted rows come back from the same statement: no second read.
    return rows.map(toTrial).sort((a, b) => a.number - b.number);
  }

  return {
    async create(studyId, input) {
      const [trial] = await createMany(studyId, [input]);
      return trial;
    },

    createMany,

    get,

    async getByNumber(studyId, number) {
      checkInt('number', number);
      const row = isUuid(studyId)
        ? await db.trial.findUnique({ where: { studyId_number: { studyId, number } }, select: trialSelect })
        : null;
      if (!row) throw new NotFoundError('trial', `${studyId}#${number}`);
      return toTrial(row);
    },

    async list(studyId, options = {}) {
      if (options.states) checkStates(options.states);
      if (options.afterNumber !== undefined) checkInt('afterNumber', options.afterNumber, -1);
      if (options.limit !== undefined) checkInt('limit', options.limit, 1);
      await requireStudy(studyId);
      const rows = await db.trial.findMany({
        where: {
          studyId,
          ...(options.states && { state: { in: [...options.states] } }),
          ...(options.afterNumber !== undefined && { number: { gt: options.afterNumber } }),
        },
        orderBy: { number: 'asc' },
        take: options.limit,
        select: trialSelect,
      });
      return rows.map(toTrial);
    },

    async countByState(studyId) {
      await requireStudy(studyId);
      const groups = await db.trial.groupBy({ by: ['state'], where: { studyId }, _count: { _all: true } });
      const counts = Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
      for (const g of groups) counts[g.state] = g._count._all;
      return counts;
    },

    async apply(id, event, data = {}) {
      checkEvent(event);
      const update = toUpdateData(data);
      if (!isUuid(id)) throw new NotFoundError('trial', id);
      const next = eventTarget(event);
      // Normally one pass. Another pass only if the trial moved into a state that accepts the
      // event between the update and the read; states move forward, so this ends.
      for (let pass = 0; pass <= TRIAL_STATES.length; pass++) {
        if (next !== null) {
          const now = new Date();
          const { count } = await db.trial.updateMany({
            where: { id, state: { in: allowedFrom(event) } },
            data: {
              ...update,
              state: next,
              lastEventAt: now,
              ...(event === 'started' && { startedAt: now }),
              ...(isFinished(next) && { finishedAt: now }),
            },
          });
          if (count === 1) return { changed: true, state: next };
        }
        const row = await db.trial.findUnique({ where: { id }, select: { state: true } });
        if (!row) throw new NotFoundError('trial', id);
        if (transition(row.state, event) === 'ignore') return { changed: false, state: row.state };
      }
      throw new Error(`trial ${id} kept changing state while applying ${event}`);
    },

    async recordAttempt(id, attempt, workerId) {
      checkInt('attempt', attempt, 1);
      if (typeof workerId !== 'string' || workerId === '') throw new DbInputError('workerId', 'must be non-empty');
      if (!isUuid(id)) throw new NotFoundError('trial', id);
      const { count } = await db.trial.updateMany({
        where: { id, attempts: { lt: attempt } },
        data: { attempts: attempt, workerId, lastEventAt: new Date() },
      });
      if (count === 0) await requireTrial(id);
      return count === 1;
    },

    async listStale(before, options = {}) {
      if (!(before instanceof Date) || Number.isNaN(before.getTime())) throw new DbInputError('before', 'must be a valid Date');
      const states = options.states ?? ['RUNNING'];
      checkStates(states);
      if (options.limit !== undefined) checkInt('limit', options.limit, 1);
      const rows = await db.trial.findMany({
        where: {
          state: { in: [...states] },
          OR: [{ lastEventAt: { lt: before } }, { lastEventAt: null, createdAt: { lt: before } }],
        },
        orderBy: [{ lastEventAt: 'asc' }],
        take: options.limit,
        select: trialSelect,
      });
      return rows.map(toTrial);
    },

    async reportEpoch(trialId, report) {
      const row = epochRow(report);
      if (!isUuid(trialId)) throw new NotFoundError('trial', trialId);
      const event = 'epochReported';
      const next = eventTarget(event) as TrialState;
      const allowed = [...allowedFrom(event)];
      // Normally one pass; another only if the trial moved into a state that accepts the report
      // between the update and the read of its state (as in apply).
      for (let pass = 0; pass <= TRIAL_STATES.length; pass++) {
        const [result] = await db.$queryRaw<{ changed: boolean; stored: boolean; state: TrialState | null }[]>`
          WITH moved AS (
            UPDATE "trial" SET "state" = ${next}::"trial_state", "last_event_at" = ${new Date()}::timestamptz
            WHERE "id" = ${trialId}::uuid AND "state"::text = ANY(${allowed}::text[])
            RETURNING "id"
          ), stored AS (
            INSERT INTO "intermediate_value" ("trial_id", "epoch", "value", "vloss", "accuracy", "macro_f1",
                                              "train_loss", "images_per_sec", "elapsed_ms")
            SELECT "id", ${row.epoch}::int, ${row.value}::float8, ${row.vloss}::float8, ${row.accuracy}::float8,
                   ${row.macroF1}::float8, ${row.trainLoss}::float8, ${row.imagesPerSec}::float8, ${row.elapsedMs}::int
            FROM moved
            ON CONFLICT DO NOTHING
            RETURNING 1
          )
          SELECT EXISTS (SELECT 1 FROM moved) AS "changed", EXISTS (SELECT 1 FROM stored) AS "stored",
                 (SELECT "state"::text FROM "trial" WHERE "id" = ${trialId}::uuid) AS "state"`;
        if (result.changed) return { changed: true, state: next, stored: result.stored };
        if (result.state === null) throw new NotFoundError('trial', trialId);
        if (transition(result.state, event) === 'ignore') return { changed: false, state: result.state, stored: false };
      }
      throw new Error(`trial ${trialId} kept changing state while applying ${event}`);
    },

    async recordEpoch(trialId, report) {
      epochRow(report);
      if (!isUuid(trialId)) throw new NotFoundError('trial', trialId);
      try {
        const { count } = await db.intermediateValue.createMany({
          data: [
            {
              trialId,
              epoch: report.epoch,
              value: report.value,
              vloss: optionalNumber('vloss', report.vloss),
              accuracy: optionalNumber('accuracy', report.accuracy),
              macroF1: optionalNumber('macroF1', report.macroF1),
              trainLoss: optionalNumber('trainLoss', report.trainLoss),
              imagesPerSec: optionalNumber('imagesPerSec', report.imagesPerSec),
              elapsedMs: report.elapsedMs ?? null,
            },
          ],
          // ON CONFLICT DO NOTHING: a redelivered report keeps the first value (Optuna report()).
          skipDuplicates: true,
        });
        return count === 1;
      } catch (err) {
        throw translateDbError(err, { entity: 'trial', id: trialId });
      }
    },

    async intermediateValues(trialId) {
      await requireTrial(trialId);
      return db.intermediateValue.findMany({
        where: { trialId },
        orderBy: { epoch: 'asc' },
        select: {
          trialId: true,
          epoch: true,
          value: true,
          vloss: true,
          accuracy: true,
          macroF1: true,
          trainLoss: true,
          imagesPerSec: true,
          elapsedMs: true,
          createdAt: true,
        },
      });
    },

    async recordRung(trialId, rung, value) {
      checkInt('rung', rung);
      checkNumber('value', value);
      if (!isUuid(trialId)) throw new NotFoundError('trial', trialId);
      // One statement copies the trial's study id, so the record cannot name the wrong study.
      const inserted = await db.$executeRaw`
        INSERT INTO "rung_record" ("trial_id", "study_id", "rung", "value")
        SELECT "id", "study_id", ${rung}::int, ${value}::float8 FROM "trial" WHERE "id" = ${trialId}::uuid
        ON CONFLICT DO NOTHING`;
      if (inserted === 0) await requireTrial(trialId);
      return inserted === 1;
    },

    async rungValues(studyId, rung) {
      checkInt('rung', rung);
      await requireStudy(studyId);
      return db.rungRecord.findMany({
        where: { studyId, rung },
        orderBy: { value: 'asc' },
        select: { trialId: true, value: true },
      });
    },

    async history(studyId) {
      await requireStudy(studyId);
      const [trials, values] = await Promise.all([
        db.trial.findMany({
          where: { studyId },
          orderBy: { number: 'asc' },
          select: { id: true, number: true, state: true, params: true, objectiveValue: true, prunedAtRung: true },
        }),
        db.intermediateValue.findMany({
          where: { trial: { studyId } },
          select: { trialId: true, epoch: true, value: true },
        }),
      ]);
      const intermediate = new Map<string, Record<number, number>>();
      for (const v of values) {
        let byEpoch = intermediate.get(v.trialId);
        if (!byEpoch) intermediate.set(v.trialId, (byEpoch = {}));
        byEpoch[v.epoch] = v.value;
      }
      return trials.map((t) => ({
        number: t.number,
        state: t.state,
        params: t.params as Params,
        value: t.objectiveValue,
        intermediate: intermediate.get(t.id) ?? {},
        prunedAtRung: t.prunedAtRung,
      }));
    },
  };
}
