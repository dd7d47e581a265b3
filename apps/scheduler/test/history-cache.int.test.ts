import type { Trial } from '@tunefleet/db';
import { dbTest as test } from '@tunefleet/db/testing';
import { describe, expect } from 'vitest';
import { cacheTrialHistory } from '../src/history-cache.js';

describe('the history cache', () => {
  test('agrees with Postgres after every kind of write, ignored ones included', async ({ stores, study }) => {
    const { store, forget } = cacheTrialHistory(stores.trials);
    const a = await store.create(study.id, { params: { x: 1 } });
    // Loaded after the first trial, then kept in step with later writes.
    expect(await store.history(study.id)).toEqual(await stores.trials.history(study.id));
    const b = await store.create(study.id, { params: { x: 2 } });
    const c = await store.create(study.id, { params: { x: 3 } });
    await store.apply(a.id, 'started');
    await store.apply(b.id, 'started');
    await store.recordEpoch(a.id, { epoch: 1, value: 0.5 });
    await store.recordEpoch(a.id, { epoch: 1, value: 0.9 }); // first write wins
    await store.recordEpoch(b.id, { epoch: 1, value: 0.8 });
    await store.reportEpoch(b.id, { epoch: 2, value: 0.7 });
    await store.reportEpoch(b.id, { epoch: 2, value: 0.1 }); // first write wins
    await store.reportEpoch(c.id, { epoch: 1, value: 0.6 }); // WAITING → RUNNING with its value
    await store.apply(b.id, 'pruned', { objectiveValue: 0.8, prunedAtRung: 0 });
    await store.apply(b.id, 'completed', { objectiveValue: 0.1 }); // ignored: the prune came first
    await store.apply(a.id, 'completed', { objectiveValue: 0.4 });
    await store.apply(c.id, 'failed', { failureType: 'rejected' });
    expect(await store.reportEpoch(c.id, { epoch: 2, value: 0.5 })).toMatchObject({ changed: false }); // ignored: FAILED
    const fresh = await stores.trials.history(study.id);
    expect(await store.history(study.id)).toEqual(fresh);
    expect(fresh.map((t) => t.state)).toEqual(['COMPLETE', 'PRUNED', 'FAILED']);

    // A write it did not see (another writer) is only picked up after forget().
    await stores.trials.create(study.id, { params: { x: 4 } });
    expect(await store.history(study.id)).toHaveLength(3);
    forget(study.id);
    expect(await store.history(study.id)).toEqual(await stores.trials.history(study.id));
  });

  test('serves the rows of open trials as Postgres has them, and reads finished ones from Postgres', async ({ stores, study }) => {
    const { store, forget } = cacheTrialHistory(stores.trials);
    /** Equal fields, timestamps within a second of each other (patched with this process's clock). */
    const expectAgrees = (cached: Trial, fresh: Trial): void => {
      const { lastEventAt, startedAt, finishedAt, ...rest } = cached;
      const { lastEventAt: l, startedAt: s, finishedAt: f, ...freshRest } = fresh;
      expect(rest).toEqual(freshRest);
      for (const [x, y] of [[lastEventAt, l], [startedAt, s], [finishedAt, f]]) {
        expect(x === null).toBe(y === null);
        if (x !== null && y !== null) expect(Math.abs(x.getTime() - y.getTime())).toBeLessThan(1000);
      }
    };
    const a = await store.create(study.id, { params: { x: 1 } });
    const b = await store.create(study.id, { params: { x: 2 }, running: { parameterCount: 5 } });
    await store.apply(a.id, 'started', { parameterCount: 9 });
    await store.recordAttempt(a.id, 1, 'w1');
    await store.apply(a.id, 'epochReported');
    await store.reportEpoch(a.id, { epoch: 1, value: 0.3 });
    await store.recordAttempt(b.id, 2, 'w2');
    expect(await store.recordAttempt(b.id, 1, 'w3')).toBe(false); // an older attempt: no change
    for (const t of [a, b]) expectAgrees(await store.get(t.id), await stores.trials.get(t.id));
    expect(await store.get(a.id)).toMatchObject({ state: 'RUNNING', parameterCount: 9, attempts: 1, workerId: 'w1' });

    // Served from memory: a write the cache did not make is not seen while the trial is open …
    await stores.trials.recordAttempt(a.id, 4, 'elsewhere');
    expect(await store.get(a.id)).toMatchObject({ attempts: 1, workerId: 'w1' });
    // … and is read from Postgres once the trial finished.
    await store.apply(a.id, 'completed', { objectiveValue: 0.5 });
    expect(await store.get(a.id)).toMatchObject({ state: 'COMPLETE', attempts: 4, workerId: 'elsewhere', objectiveValue: 0.5 });
    // A write that is ignored drops the row, and forget() drops the study's rows.
    await store.apply(b.id, 'paused');
    expect(await store.apply(b.id, 'started')).toEqual({ changed: false, state: 'PAUSED' });
    await stores.trials.recordAttempt(b.id, 3, 'elsewhere');
    expect(await store.get(b.id)).toMatchObject({ state: 'PAUSED', attempts: 3 });
    await stores.trials.recordAttempt(b.id, 5, 'again');
    forget(study.id);
    expect(await store.get(b.id)).toMatchObject({ attempts: 5, workerId: 'again' });
  });
});
