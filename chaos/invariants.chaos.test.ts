/**
 * The invariant checker itself, on studies written straight into a database of its own: it must
 * pass a sound study (a retry lineage included) and name every broken rule of a damaged one, or
 * the scenarios' clean tables would prove nothing.
 */
import { QUEUES, bullmqPrefix } from '@tunefleet/contracts';
import type { Stores } from '@tunefleet/db';
import { DEFAULT_TEST_REDIS_URL, type TestDatabase, createRedisNamespace, createTestDatabase, createTestStudy } from '@tunefleet/db/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStudyInvariants } from './harness/index.js';

let testDb: TestDatabase;
let stores: Stores;

beforeAll(async () => {
  testDb = await createTestDatabase();
  stores = testDb.stores;
});
afterAll(async () => {
  await testDb?.drop();
});

const study = (maxTrials: number) =>
  createTestStudy(stores, { maxTrials, spec: { searchSpace: { x: { type: 'float', low: -5, high: 10 } }, maxEpochs: 3 } });

/** A RUNNING trial with `epochs` stored, then moved to `end`. */
async function trial(studyId: string, epochs: number[], end: 'completed' | 'failed' | 'running', retryOfId?: string): Promise<string> {
  const created = await stores.trials.create(studyId, { params: { x: 1 }, running: { parameterCount: null }, ...(retryOfId && { retryOfId }) });
  for (const epoch of epochs) await stores.trials.recordEpoch(created.id, { epoch, value: 10 - epoch });
  if (end === 'completed') await stores.trials.apply(created.id, 'completed', { objectiveValue: 7 });
  if (end === 'failed') await stores.trials.apply(created.id, 'failed', { failureType: 'worker-lost', failureMessage: 'silent' });
  return created.id;
}

describe('checkStudyInvariants', () => {
  it('passes a finished study whose lost trial was retried to completion', async () => {
    const s = await study(3);
    await trial(s.id, [1, 2, 3], 'completed');
    const lost = await trial(s.id, [1], 'failed');
    await trial(s.id, [1, 2, 3], 'completed');
    await trial(s.id, [1, 2, 3], 'completed', lost);
    await stores.studies.finish(s.id, 'COMPLETE');
    expect(await checkStudyInvariants(testDb.db, s.id)).toMatchObject({ trials: 4, originals: 3, retries: 1, lost: 0, duplicated: 0, stuck: 0, violations: [] });
  });

  it('counts a missing epoch, a trial left RUNNING and a lineage that ended FAILED', async () => {
    const s = await study(4);
    await trial(s.id, [1, 3], 'completed');
    await trial(s.id, [1], 'running');
    await trial(s.id, [1, 2], 'failed');
    await stores.studies.finish(s.id, 'COMPLETE');
    const report = await checkStudyInvariants(testDb.db, s.id);
    expect(report).toMatchObject({ lost: 2, stuck: 1, duplicated: 0 });
    expect(report.violations).toEqual([
      'trial #0 (COMPLETE) is missing epoch(s) 2',
      'trial #1 is RUNNING although the study is COMPLETE',
      'the study is COMPLETE with 3 original trials, not maxTrials 4',
      'lineage #2 FAILED (worker-lost) ended FAILED',
    ]);
    expect((await checkStudyInvariants(testDb.db, s.id, { allowFailedLineages: true })).lost).toBe(1);
  });

  it('counts a job of a finished study left waiting in the queue as stuck', async () => {
    const s = await study(1);
    await trial(s.id, [1, 2, 3], 'completed');
    await stores.studies.finish(s.id, 'COMPLETE');
    const redisUrl = process.env.TUNEFLEET_TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
    const namespace = await createRedisNamespace(redisUrl);
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const trials = new Queue(QUEUES.trials, { connection, prefix: bullmqPrefix(namespace.prefix) });
    try {
      const queue = { redisUrl, namespace: namespace.prefix, settleMs: 300 };
      expect((await checkStudyInvariants(testDb.db, s.id, { queue })).stuck).toBe(0);
      await trials.add('trial.run', { studyId: s.id });
      const report = await checkStudyInvariants(testDb.db, s.id, { queue });
      expect(report.stuck).toBe(1);
      expect(report.violations).toEqual(['1 trial.run job(s) still waiting in the queue although the study is COMPLETE']);
    } finally {
      await trials.close();
      connection.disconnect();
      await namespace.cleanup();
    }
  });

  it('counts an epoch stored twice, and says so when the database no longer refuses it', async () => {
    const s = await study(1);
    const id = await trial(s.id, [1, 2, 3], 'completed');
    await testDb.db.$executeRawUnsafe('ALTER TABLE intermediate_value DROP CONSTRAINT intermediate_value_pkey');
    await testDb.db.$executeRawUnsafe(`INSERT INTO intermediate_value (trial_id, epoch, value) VALUES ($1::uuid, 2, 0)`, id);
    const report = await checkStudyInvariants(testDb.db, s.id);
    expect(report.duplicated).toBe(1);
    expect(report.violations).toEqual(['intermediate_value has no unique key on (trial_id, epoch)', 'trial #0 stored 1 epoch(s) twice: 1,2,2,3']);
  });
});
