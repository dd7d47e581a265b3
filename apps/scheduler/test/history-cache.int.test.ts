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
    await store.apply(b.id, 'pruned', { objectiveValue: 0.8, prunedAtRung: 0 });
    await store.apply(b.id, 'completed', { objectiveValue: 0.1 }); // ignored: the prune came first
    await store.apply(a.id, 'completed', { objectiveValue: 0.4 });
    await store.apply(c.id, 'failed', { failureType: 'rejected' });
    const fresh = await stores.trials.history(study.id);
    expect(await store.history(study.id)).toEqual(fresh);
    expect(fresh.map((t) => t.state)).toEqual(['COMPLETE', 'PRUNED', 'FAILED']);

    // A write it did not see (another writer) is only picked up after forget().
    await stores.trials.create(study.id, { params: { x: 4 } });
    expect(await store.history(study.id)).toHaveLength(3);
    forget(study.id);
    expect(await store.history(study.id)).toEqual(await stores.trials.history(study.id));
  });
});
