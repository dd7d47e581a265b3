/**
 * The study histories samplers and pruners read, kept in memory. Reading a study's whole history
 * from Postgres for every proposal and every pruning decision costs O(trials) each time, O(n²) over
 * a study. The scheduler is the only writer of trials (STYLE §2.5, one replica), so it can keep the
 * history it last read and apply its own writes to it: this decorator of the trial store patches
 * the cached history after every write that changes it (`create`, `createMany`, `apply`,
 * `recordEpoch`, `reportEpoch`) and serves `history()` from memory. Postgres stays the source of truth: a
 * restarted scheduler reads it again, and `forget` drops a study that left RUNNING (its next read
 * reloads it).
 *
 * For the same reason it keeps the rows of open trials it has created or read, so the reports of a
 * trial (`started`, `epoch`, `finished`) do not read the row again each time: `get` is served from
 * memory while the trial is open, patched by `apply`, `reportEpoch` and `recordAttempt` (the only
 * writes to a trial row). The timestamps of a patched row are this process's clock at the write, as the store
 * writes them (`new Date()` in `apply` and `recordAttempt`), give or take the statement's latency;
 * nothing in the scheduler reads them from `get` (reconcile lists rows from Postgres). A row is
 * dropped when its trial finishes, when a write does not go as patched (an `ignore`, a missed
 * attempt) and with its study (`forget`), so a late report of a finished trial reads Postgres.
 */
import type { Trial, TrialStore, TrialUpdate } from '@tunefleet/db';
import { type FrozenTrial, type TrialEvent, isFinished } from '@tunefleet/search';

/** The row after `apply(event, data)` changed it to `state` at `now` (what the store writes). */
function appliedRow(row: Trial, event: TrialEvent, state: Trial['state'], data: TrialUpdate, now: Date): Trial {
  const defined = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined)) as Partial<Trial>;
  return {
    ...row,
    ...defined,
    state,
    lastEventAt: now,
    ...(event === 'started' && { startedAt: now }),
  };
}

export interface CachedTrialStore {
  readonly store: TrialStore;
  /** Drops a study's cached history. */
  forget(studyId: string): void;
}

export function cacheTrialHistory(trials: TrialStore): CachedTrialStore {
  const histories = new Map<string, FrozenTrial[]>();
  const positions = new Map<string, { readonly studyId: string; readonly number: number }>();
  /** Rows of open trials, by id. */
  const rows = new Map<string, Trial>();

  function keep(trial: Trial): Trial {
    if (isFinished(trial.state)) rows.delete(trial.id);
    else rows.set(trial.id, trial);
    return trial;
  }

  function patch(trialId: string, change: (trial: FrozenTrial) => FrozenTrial): void {
    const at = positions.get(trialId);
    const history = at && histories.get(at.studyId);
    if (at && history) history[at.number] = change(history[at.number]);
  }

  async function load(studyId: string): Promise<FrozenTrial[]> {
    const [history, rows] = await Promise.all([trials.history(studyId), trials.list(studyId)]);
    for (const row of rows) positions.set(row.id, { studyId, number: row.number });
    const copy = [...history];
    histories.set(studyId, copy);
    return copy;
  }

  /** Appends trials the store just created (ordered by number) to their study's cached history. */
  function added(studyId: string, created: readonly Trial[]): void {
    const history = histories.get(studyId);
    for (const trial of created) {
      keep(trial);
      positions.set(trial.id, { studyId, number: trial.number });
      if (history === undefined || !histories.has(studyId)) continue;
      if (trial.number === history.length) {
        history.push({
          number: trial.number,
          state: trial.state,
          params: trial.params,
          value: trial.objectiveValue,
          intermediate: {},
          prunedAtRung: trial.prunedAtRung,
        });
      } else {
        histories.delete(studyId); // out of step: read it again
      }
    }
  }

  const store: TrialStore = {
    ...trials,

    async create(studyId, input) {
      const trial = await trials.create(studyId, input);
      added(studyId, [trial]);
      return trial;
    },

    async createMany(studyId, inputs) {
      const created = await trials.createMany(studyId, inputs);
      added(studyId, created);
      return created;
    },

    async get(id) {
      return rows.get(id) ?? keep(await trials.get(id));
    },

    async apply(id, event, data = {}) {
      const now = new Date();
      let result;
      try {
        result = await trials.apply(id, event, data);
      } catch (err) {
        rows.delete(id);
        throw err;
      }
      const row = rows.get(id);
      if (row !== undefined) {
        if (result.changed && !isFinished(result.state)) rows.set(id, appliedRow(row, event, result.state, data, now));
        else rows.delete(id);
      }
      if (result.changed) {
        patch(id, (t) => ({
          ...t,
          state: result.state,
          ...(data.objectiveValue !== undefined && { value: data.objectiveValue }),
          ...(data.prunedAtRung !== undefined && { prunedAtRung: data.prunedAtRung }),
        }));
      }
      return result;
    },

    async recordAttempt(id, attempt, workerId) {
      const now = new Date();
      let recorded;
      try {
        recorded = await trials.recordAttempt(id, attempt, workerId);
      } catch (err) {
        rows.delete(id);
        throw err;
      }
      const row = rows.get(id);
      if (row !== undefined) {
        if (recorded) rows.set(id, { ...row, attempts: attempt, workerId, lastEventAt: now });
        else rows.delete(id);
      }
      return recorded;
    },

    async reportEpoch(trialId, report) {
      const now = new Date();
      let result;
      try {
        result = await trials.reportEpoch(trialId, report);
      } catch (err) {
        rows.delete(trialId);
        throw err;
      }
      const row = rows.get(trialId);
      if (row !== undefined) {
        if (result.changed) rows.set(trialId, appliedRow(row, 'epochReported', result.state, {}, now));
        else rows.delete(trialId);
      }
      if (result.changed) {
        patch(trialId, (t) => ({
          ...t,
          state: result.state,
          ...(result.stored && { intermediate: { ...t.intermediate, [report.epoch]: report.value } }),
        }));
      }
      return result;
    },

    async recordEpoch(trialId, report) {
      const stored = await trials.recordEpoch(trialId, report);
      if (stored) patch(trialId, (t) => ({ ...t, intermediate: { ...t.intermediate, [report.epoch]: report.value } }));
      return stored;
    },

    async history(studyId) {
      return [...(histories.get(studyId) ?? (await load(studyId)))];
    },
  };

  return {
    store,
    forget(studyId) {
      histories.delete(studyId);
      for (const [id, at] of positions) if (at.studyId === studyId) positions.delete(id);
      for (const [id, row] of rows) if (row.studyId === studyId) rows.delete(id);
    },
  };
}
