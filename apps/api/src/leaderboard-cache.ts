/**
 * Serialised leaderboards kept under the version of their study's COMPLETE trials
 * (`study.complete_trials_version`, bumped by triggers whenever a COMPLETE trial appears, changes
 * or goes). A leaderboard ranks COMPLETE trials only, and the study's metric, direction and floor
 * never change, so a body kept under version v is exact for as long as the study's version is v:
 * a request reads the version (one primary-key lookup) and either sends the kept text or ranks
 * again. The version is read before the trials, so a body may be newer than its version, never
 * older: a change between the two reads costs one more miss, never a stale answer.
 * Bounded by total body size, least recently used first out.
 */
import type { Db } from '@tunefleet/db';

export interface LeaderboardCache {
  /** The study's current version, or null when the study does not exist. */
  version(studyId: string): Promise<string | null>;
  /** The body kept for `key` under `version`, if any. */
  get(key: string, version: string): string | undefined;
  set(key: string, version: string, body: string): void;
}

export function createLeaderboardCache(db: Db, maxBytes = 64 * 1024 * 1024): LeaderboardCache {
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  const entries = new Map<string, { version: string; body: string }>();
  let bytes = 0;
  const remove = (key: string): void => {
    const entry = entries.get(key);
    if (!entry) return;
    // UTF-16 length: a bound on memory, not an exact byte count.
    bytes -= entry.body.length;
    entries.delete(key);
  };
  return {
    async version(studyId) {
      const { rows } = await db.pool.query<{ version: string }>(
        `SELECT "complete_trials_version"::text AS "version" FROM "study" WHERE "id" = $1::uuid`,
        [studyId],
      );
      return rows[0]?.version ?? null;
    },
    get(key, version) {
      const entry = entries.get(key);
      if (!entry || entry.version !== version) return undefined;
      // Most recently used last: Map keeps insertion order.
      entries.delete(key);
      entries.set(key, entry);
      return entry.body;
    },
    set(key, version, body) {
      remove(key);
      if (body.length > maxBytes) return;
      entries.set(key, { version, body });
      bytes += body.length;
      for (const oldest of entries.keys()) {
        if (bytes <= maxBytes) break;
        remove(oldest);
      }
    },
  };
}
