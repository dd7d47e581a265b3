/**
 * What the read routes need to know about a study besides its trials: its metric, direction and
 * accuracy floor (to rank), its kind and fixed hyperparameters (to describe a trial's network).
 * They are fixed when the study is created (only status, finishedAt and the trial counters ever
 * change), so the read routes keep them in memory instead of reading the study row, spec
 * included, on every request; a leaderboard or a trial then costs one query. Bounded, oldest
 * entry first out.
 */
import { type Db, NotFoundError } from '@tunefleet/db';
import type { Direction } from '@tunefleet/search';
import { studyKind } from './routes/studies.js';
import { isUuid } from './uuid.js';

export interface StudyRanking {
  readonly id: string;
  readonly metric: string;
  readonly direction: Direction;
  /** `constraints.minAccuracy` of a CNN study's spec, or null. */
  readonly minAccuracy: number | null;
  readonly kind: 'cnn' | 'function';
  /** `spec.fixed`: hyperparameters every trial of a CNN study trains with; {} when none. */
  readonly fixed: Readonly<Record<string, unknown>>;
}

export interface StudyRankingCache {
  /** Throws NotFoundError for an unknown or malformed id. */
  get(id: string): Promise<StudyRanking>;
  /** Drops an entry, e.g. when a query finds the study gone. */
  forget(id: string): void;
}

export function createStudyRankingCache(db: Db, capacity = 10_000): StudyRankingCache {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  const entries = new Map<string, StudyRanking>();
  return {
    async get(id) {
      const cached = entries.get(id);
      if (cached) return cached;
      if (!isUuid(id)) throw new NotFoundError('study', id);
      const { rows } = await db.pool.query<{ metric: string; direction: Direction; min_accuracy: unknown; kind: string | null; fixed: unknown }>(
        `SELECT "metric", "direction"::text AS "direction", "spec" #> '{constraints,minAccuracy}' AS "min_accuracy",
                "objective" ->> 'kind' AS "kind", "spec" -> 'fixed' AS "fixed"
         FROM "study" WHERE "id" = $1::uuid`,
        [id],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError('study', id);
      const ranking: StudyRanking = {
        id: id.toLowerCase(),
        metric: row.metric,
        direction: row.direction,
        minAccuracy: typeof row.min_accuracy === 'number' ? row.min_accuracy : null,
        kind: studyKind({ objective: { kind: row.kind } }),
        fixed: row.fixed !== null && typeof row.fixed === 'object' && !Array.isArray(row.fixed) ? (row.fixed as Record<string, unknown>) : {},
      };
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(id, ranking);
      return ranking;
    },
    forget(id) {
      entries.delete(id);
    },
  };
}
