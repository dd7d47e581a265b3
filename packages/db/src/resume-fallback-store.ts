/**
 * Resume fallbacks: a job that was to resume a trial from a checkpoint which turned out to be gone
 * or corrupt, and resumed from an earlier checkpoint or from scratch instead. The scheduler
 * records one row per fallback; the api shows them with the trial, so retrained epochs are
 * explained rather than silent.
 */
import type { DbOrTx } from './client.js';
import { DbInputError, NotFoundError, translateDbError } from './errors.js';
import { checkInt } from './trial-record.js';
import { isUuid } from './uuid.js';

export type ResumeFallbackProblem = 'missing' | 'corrupt';

export interface NewResumeFallback {
  readonly trialId: string;
  readonly attempt: number;
  readonly problem: ResumeFallbackProblem;
  /** The trial whose checkpoint was planned (this one, or the one it retries). */
  readonly checkpointTrialId: string;
  readonly checkpointEpoch: number;
  /** 0: from scratch. */
  readonly resumedFromEpoch: number;
}

export interface ResumeFallback extends NewResumeFallback {
  readonly id: string;
  readonly createdAt: Date;
}

export interface ResumeFallbackStore {
  record(input: NewResumeFallback): Promise<ResumeFallback>;
  /** The trial's fallbacks, oldest first. */
  list(trialId: string): Promise<ResumeFallback[]>;
}

const PROBLEMS: ReadonlySet<string> = new Set<ResumeFallbackProblem>(['missing', 'corrupt']);

const select = {
  id: true,
  trialId: true,
  attempt: true,
  problem: true,
  checkpointTrialId: true,
  checkpointEpoch: true,
  resumedFromEpoch: true,
  createdAt: true,
} as const;

export function createResumeFallbackStore(db: DbOrTx): ResumeFallbackStore {
  return {
    async record(input) {
      checkInt('attempt', input.attempt);
      checkInt('checkpointEpoch', input.checkpointEpoch);
      checkInt('resumedFromEpoch', input.resumedFromEpoch);
      if (!PROBLEMS.has(input.problem)) throw new DbInputError('problem', `must be missing or corrupt, got ${JSON.stringify(input.problem)}`);
      if (!isUuid(input.checkpointTrialId)) throw new DbInputError('checkpointTrialId', 'must be a uuid');
      if (!isUuid(input.trialId)) throw new NotFoundError('trial', input.trialId);
      try {
        const row = await db.resumeFallback.create({ data: { ...input }, select });
        return { ...row, problem: row.problem as ResumeFallbackProblem };
      } catch (err) {
        throw translateDbError(err, { entity: 'resume fallback', id: input.trialId, parent: { entity: 'trial', id: input.trialId } });
      }
    },

    async list(trialId) {
      if (!isUuid(trialId)) throw new NotFoundError('trial', trialId);
      const rows = await db.resumeFallback.findMany({ where: { trialId }, orderBy: [{ createdAt: 'asc' }, { attempt: 'asc' }], select });
      return rows.map((row) => ({ ...row, problem: row.problem as ResumeFallbackProblem }));
    },
  };
}
