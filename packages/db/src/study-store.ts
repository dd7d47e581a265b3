/**
 * Studies: their definition as submitted, and their status. A study's status leaves RUNNING to one
 * of the final statuses, and a STOPPED study may be resumed (back to RUNNING, same seed); each
 * move is one conditional update (the trial lifecycle's pattern).
 */
import { type Direction, IllegalTransitionError } from '@tunefleet/search';
import type { DbOrTx } from './client.js';
import { DbInputError, NotFoundError, prismaCode, translateDbError } from './errors.js';
import { type JsonValue, toJsonInput } from './json-value.js';
import { isUuid } from './uuid.js';

export const STUDY_STATUSES = ['RUNNING', 'STOPPED', 'COMPLETE', 'FAILED'] as const;
export type StudyStatus = (typeof STUDY_STATUSES)[number];
export type FinalStudyStatus = Exclude<StudyStatus, 'RUNNING'>;

export interface Study {
  readonly id: string;
  readonly name: string;
  /** The specification exactly as submitted. */
  readonly spec: JsonValue;
  /** What each trial trains (`TrialRunJob.objective` in @tunefleet/contracts). */
  readonly objective: JsonValue;
  /** The metric that is the objective value, e.g. `vloss`. */
  readonly metric: string;
  readonly direction: Direction;
  readonly status: StudyStatus;
  readonly seed: number;
  readonly maxTrials: number;
  readonly parallelism: number;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

export interface NewStudy {
  readonly name: string;
  readonly spec: JsonValue;
  readonly objective: JsonValue;
  readonly metric: string;
  readonly direction: Direction;
  /** Integer in [0, 2^31 - 1] (a Postgres integer). */
  readonly seed: number;
  readonly maxTrials: number;
  readonly parallelism: number;
}

export interface ListStudiesOptions {
  readonly status?: StudyStatus;
  /** Default 50, at most 500. */
  readonly limit?: number;
  /** Return studies created before this one (keyset pagination, newest first). */
  readonly before?: string;
}

/** `changed: false` means the study already had `status` (a repeated request). */
export interface StudyStatusResult {
  readonly changed: boolean;
  readonly status: StudyStatus;
}

export interface StudyStore {
  create(input: NewStudy): Promise<Study>;
  /** Throws NotFoundError. */
  get(id: string): Promise<Study>;
  /** Newest first. */
  list(options?: ListStudiesOptions): Promise<Study[]>;
  /**
   * Moves a RUNNING study to a final status and stamps `finishedAt`. Repeating the same final
   * status is `{ changed: false }`; any other move (e.g. stopping a COMPLETE study) throws
   * IllegalTransitionError (`from`: the current status, `event`: the requested one), which the api
   * answers with 409.
   */
  finish(id: string, status: FinalStudyStatus): Promise<StudyStatusResult>;
  /**
   * Moves a STOPPED study back to RUNNING and clears `finishedAt`, in one conditional update, so
   * of concurrent resumes exactly one succeeds. Returns the study as updated. Any other status
   * (RUNNING included: a repeated resume is a conflict the caller should see) throws
   * IllegalTransitionError (`from`: the current status, `event`: RUNNING); an unknown id throws
   * NotFoundError.
   */
  resume(id: string): Promise<Study>;
  /** Deletes the study with its trials and everything they own. Throws NotFoundError. */
  remove(id: string): Promise<void>;
}

export const studySelect = {
  id: true,
  name: true,
  spec: true,
  objective: true,
  metric: true,
  direction: true,
  status: true,
  seed: true,
  maxTrials: true,
  parallelism: true,
  createdAt: true,
  finishedAt: true,
} as const;

const MAX_INT4 = 2 ** 31 - 1;

function positiveInt(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_INT4) {
    throw new DbInputError(field, `must be an integer in [1, ${MAX_INT4}], got ${value}`);
  }
}

function validateNewStudy(input: NewStudy): void {
  if (typeof input.name !== 'string' || input.name.trim() === '') throw new DbInputError('name', 'must be non-empty');
  if (typeof input.metric !== 'string' || input.metric === '') throw new DbInputError('metric', 'must be non-empty');
  if (input.direction !== 'minimize' && input.direction !== 'maximize') {
    throw new DbInputError('direction', `must be minimize or maximize, got ${String(input.direction)}`);
  }
  if (!Number.isInteger(input.seed) || input.seed < 0 || input.seed > MAX_INT4) {
    throw new DbInputError('seed', `must be an integer in [0, ${MAX_INT4}], got ${input.seed}`);
  }
  positiveInt('maxTrials', input.maxTrials);
  positiveInt('parallelism', input.parallelism);
}

function studyTransitionError(from: StudyStatus, to: FinalStudyStatus): IllegalTransitionError {
  const err = new IllegalTransitionError(from, to);
  err.message = `study in status ${from} cannot move to ${to}`;
  return err;
}

export function createStudyStore(db: DbOrTx): StudyStore {
  async function get(id: string): Promise<Study> {
    const row = isUuid(id) ? await db.study.findUnique({ where: { id }, select: studySelect }) : null;
    if (!row) throw new NotFoundError('study', id);
    return row as Study;
  }

  return {
    async create(input) {
      validateNewStudy(input);
      const row = await db.study.create({
        data: {
          name: input.name,
          spec: toJsonInput(input.spec),
          objective: toJsonInput(input.objective),
          metric: input.metric,
          direction: input.direction,
          seed: input.seed,
          maxTrials: input.maxTrials,
          parallelism: input.parallelism,
        },
        select: studySelect,
      });
      return row as Study;
    },

    get,

    async list(options = {}) {
      const limit = options.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        throw new DbInputError('limit', `must be an integer in [1, 500], got ${limit}`);
      }
      const before = options.before === undefined ? undefined : await get(options.before);
      const rows = await db.study.findMany({
        where: {
          status: options.status,
          ...(before && {
            OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }],
          }),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
        select: studySelect,
      });
      return rows as Study[];
    },

    async finish(id, status) {
      if (!isUuid(id)) throw new NotFoundError('study', id);
      const { count } = await db.study.updateMany({
        where: { id, status: 'RUNNING' },
        data: { status, finishedAt: new Date() },
      });
      if (count === 1) return { changed: true, status };
      const current = await get(id);
      if (current.status === status) return { changed: false, status };
      throw studyTransitionError(current.status, status);
    },

    async resume(id) {
      if (!isUuid(id)) throw new NotFoundError('study', id);
      try {
        // `update` with a non-unique filter is one UPDATE … WHERE id AND status … RETURNING.
        const row = await db.study.update({
          where: { id, status: 'STOPPED' },
          data: { status: 'RUNNING', finishedAt: null },
          select: studySelect,
        });
        return row as Study;
      } catch (err) {
        if (prismaCode(err) !== 'P2025') throw translateDbError(err, { entity: 'study', id });
      }
      const current = await get(id);
      const err = new IllegalTransitionError(current.status, 'RUNNING');
      err.message = `study in status ${current.status} cannot be resumed; only a STOPPED study can`;
      throw err;
    },

    async remove(id) {
      if (!isUuid(id)) throw new NotFoundError('study', id);
      try {
        await db.study.delete({ where: { id }, select: { id: true } });
      } catch (err) {
        throw translateDbError(err, { entity: 'study', id });
      }
    },
  };
}
