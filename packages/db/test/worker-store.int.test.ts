import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { NotFoundError } from '../src/index.js';
import { dbTest } from '../src/testing.js';

describe('WorkerStore', () => {
  dbTest('creates a worker on its first heartbeat and refreshes it on the next', async ({ stores }) => {
    const id = `w-${randomUUID()}`;
    const trialId = randomUUID();
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await stores.workers.heartbeat({ id, host: 'gpu-box', backend: 'tensorflow-gpu', gpu: 'H200', at: t0 });
    expect(first).toMatchObject({ id, host: 'gpu-box', backend: 'tensorflow-gpu', gpu: 'H200', currentTrialId: null, lastHeartbeatAt: t0 });
    const t1 = new Date('2026-01-01T00:00:10Z');
    const second = await stores.workers.heartbeat({ id, host: 'gpu-box', backend: 'tensorflow-gpu', gpu: 'H200', trialId, at: t1 });
    expect(second).toMatchObject({ currentTrialId: trialId, lastHeartbeatAt: t1, firstSeenAt: first.firstSeenAt });
    expect(await stores.workers.get(id)).toEqual(second);
  });

  dbTest('lists workers and the ones whose heartbeat is stale', async ({ stores }) => {
    const old = `old-${randomUUID()}`;
    const live = `live-${randomUUID()}`;
    await stores.workers.heartbeat({ id: old, host: 'a', backend: 'cpu', at: new Date(Date.now() - 600_000) });
    await stores.workers.heartbeat({ id: live, host: 'b', backend: 'wasm' });
    const ids = (await stores.workers.list()).map((w) => w.id);
    expect(ids.indexOf(live)).toBeLessThan(ids.indexOf(old));
    const stale = (await stores.workers.listStale(new Date(Date.now() - 60_000))).map((w) => w.id);
    expect(stale).toContain(old);
    expect(stale).not.toContain(live);
  });

  dbTest('removes a worker; unknown ids are NotFoundError', async ({ stores }) => {
    const id = `gone-${randomUUID()}`;
    await stores.workers.heartbeat({ id, host: 'a', backend: 'cpu' });
    await stores.workers.remove(id);
    await expect(stores.workers.get(id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(stores.workers.remove(id)).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'worker', id });
  });

  dbTest('rejects heartbeats with missing fields or a malformed trial id', async ({ stores }) => {
    await expect(stores.workers.heartbeat({ id: '', host: 'a', backend: 'cpu' })).rejects.toMatchObject({ field: 'id' });
    await expect(stores.workers.heartbeat({ id: 'w', host: 'a', backend: '' })).rejects.toMatchObject({ field: 'backend' });
    await expect(stores.workers.heartbeat({ id: 'w', host: 'a', backend: 'cpu', trialId: 'x' })).rejects.toMatchObject({
      field: 'trialId',
    });
  });
});
