/**
 * The study histories samplers and pruners read, kept in memory. Reading a study's whole history
 * from Postgres for every proposal and every pruning decision costs O(trials) each time, O(n²) over
 * a study. The scheduler is the only writer of trials (STYLE §2.5, one replica), so it can keep the
 * history it last read and apply its own writes to it: this decorator of the trial store patches
 * the cached history after every write that changes it (`create`, `apply`, `recordEpoch`) and
 * serves `history()` from memory. Postgres stays the source of truth: a restarted scheduler reads
 * it again, and `forget` drops a study that left RUNNING (its next read reloads it).
 */
import type { TrialStore } from '@tunefleet/db';
import type { FrozenTrial } from '@tunefleet/search';

export interface CachedTrialStore {
  readonly store: TrialStore;
  /** Drops a study's cached history. */
  forget(studyId: string): void;
}

export function cacheTrialHistory(trials: TrialStore): CachedTrialStore {
  const histories = new Map<string, FrozenTrial[]>();
  const positions = new Map<string, { readonly studyId: string; readonly number: number }>();

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

  const store: TrialStore = {
    ...trials,

    async create(studyId, input) {
      const trial = await trials.create(studyId, input);
      const history = histories.get(studyId);
      positions.set(trial.id, { studyId, number: trial.number });
      if (history !== undefined) {
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
      return trial;
    },

    async apply(id, event, data = {}) {
      const result = await trials.apply(id, event, data);
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
    },
  };
}
