import type { Db, Stores } from '@tunefleet/db';
import { TRIAL_STATES } from '@tunefleet/search';
import { describe, expect } from 'vitest';
import { toTrialSummary } from '../src/routes/trials.js';
import { createStudyRankingCache } from '../src/study-ranking-cache.js';
import { AUTH, type TestApi, apiTest, cnnStudyBody, functionStudyBody } from './helpers.js';

const params = { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' };

/** The study page's progress against aggregates over the trial table itself. */
async function expectCountersToMatch(api: TestApi, db: Db, stores: Stores, studyId: string): Promise<void> {
  const { progress } = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}` })).json();
  const counts = await stores.trials.countByState(studyId);
  for (const state of TRIAL_STATES) expect(progress.counts[state], state).toBe(counts[state]);
  const [row] = await db.$queryRaw<{ mean_ms: number | null }[]>`
    SELECT (avg(extract(epoch FROM ("finished_at" - "started_at"))) * 1000)::float8 AS "mean_ms"
    FROM "trial" WHERE "study_id" = ${studyId}::uuid AND "finished_at" IS NOT NULL AND "started_at" IS NOT NULL`;
  if (row?.mean_ms === null || row?.mean_ms === undefined) expect(progress.meanTrialDurationMs).toBeNull();
  else expect(progress.meanTrialDurationMs).toBeCloseTo(row.mean_ms, 6);
}

describe('study progress from the maintained trial counters', () => {
  apiTest('follow every transition, bulk statements, deletes and other studies', async ({ api, db, stores }) => {
    const create = async () => (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody() })).json().id as string;
    const a = await create();
    const b = await create();
    await expectCountersToMatch(api, db, stores, a);

    const trials = [];
    for (let i = 0; i < 8; i++) trials.push(await stores.trials.create(a, { params }));
    const other = await stores.trials.create(b, { params });
    await stores.trials.apply(other.id, 'started');
    await expectCountersToMatch(api, db, stores, a);

    const [t0, t1, t2, t3, t4, t5] = trials as [(typeof trials)[number], ...(typeof trials)[number][]];
    for (const t of [t0, t1, t2, t3, t4]) await stores.trials.apply(t!.id, 'started');
    await stores.trials.apply(t0.id, 'completed', { vloss: 0.5, accuracy: 0.7, objectiveValue: 0.5 });
    await stores.trials.apply(t1!.id, 'pruned', { objectiveValue: 0.9 });
    await stores.trials.apply(t2!.id, 'failed', { failureType: 'diverged', failureMessage: 'loss is NaN' });
    // Repeated and ignored events change nothing.
    await stores.trials.apply(t0.id, 'completed', { vloss: 0.4 });
    await stores.trials.apply(t3!.id, 'started');
    await stores.trials.recordAttempt(t3!.id, 2, 'worker-2');
    await stores.trials.create(a, { params, retryOfId: t2!.id });
    await expectCountersToMatch(api, db, stores, a);
    await expectCountersToMatch(api, db, stores, b);

    // Statements that touch many rows at once, as a reconciliation or a data fix would.
    await db.$executeRaw`UPDATE "trial" SET "state" = 'FAILED', "finished_at" = now() WHERE "study_id" = ${a}::uuid AND "state" = 'RUNNING'`;
    await db.$executeRaw`UPDATE "trial" SET "started_at" = "started_at" - interval '90 seconds' WHERE "study_id" = ${a}::uuid AND "started_at" IS NOT NULL`;
    await db.$executeRaw`UPDATE "trial" SET "started_at" = NULL WHERE "id" = ${t0.id}::uuid`;
    await db.$executeRaw`DELETE FROM "trial" WHERE "id" = ${t5!.id}::uuid`;
    await expectCountersToMatch(api, db, stores, a);
    await expectCountersToMatch(api, db, stores, b);

    const page = (await api.app.inject({ method: 'GET', url: `/studies/${a}` })).json().progress;
    expect(page.counts).toEqual({ WAITING: 3, RUNNING: 0, PAUSED: 0, COMPLETE: 1, PRUNED: 1, FAILED: 3 });
    expect(page.meanTrialDurationMs).toBeGreaterThan(90_000);

    // Removing a study (its trials go by cascade) leaves the other study's counters alone.
    await stores.studies.remove(a);
    await expectCountersToMatch(api, db, stores, b);
    expect((await api.app.inject({ method: 'GET', url: `/studies/${b}` })).json().progress.counts.RUNNING).toBe(1);
  });
});

describe('trial listing', () => {
  apiTest('answers exactly the summary of each trial', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const t0 = await stores.trials.create(studyId, { params: { x1: 0.5, x2: -1 } });
    const t1 = await stores.trials.create(studyId, { params: { x1: 1, x2: 2 } });
    await stores.trials.apply(t0.id, 'started', { workerId: 'w-1', attempts: 1 });
    await stores.trials.apply(t0.id, 'completed', { objectiveValue: 0.25, vloss: 0.25, parameterCount: 12, efficiency: 1 / 3 });
    await stores.trials.apply(t1.id, 'failed', { failureType: 'worker-lost', failureMessage: 'no heartbeat' });
    const retry = await stores.trials.create(studyId, { params: { x1: 1, x2: 2 }, retryOfId: t1.id });

    const res = await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials` });
    expect(res.statusCode).toBe(200);
    const expected = await Promise.all([t0, t1, retry].map(async (t) => toTrialSummary(await stores.trials.get(t.id))));
    expect(res.json()).toEqual({ items: expected, nextCursor: null });
  });

  apiTest('answers 404 for a malformed study id and an empty page for a study without trials', async ({ api, study }) => {
    expect((await api.app.inject({ method: 'GET', url: '/studies/nope/trials' })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: `/studies/${study.id}/trials?state=COMPLETE` })).json()).toEqual({ items: [], nextCursor: null });
  });
});

describe('pareto', () => {
  apiTest('answers the same front with and without frontOnly, skipping non-finite losses', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody() })).json().id;
    const points: [number, number][] = [[0.9, 100], [0.5, 400], [0.5, 400], [0.7, 300], [0.4, 900], [0.6, 500], [Infinity, 1], [0.45, 900]];
    const ids: string[] = [];
    for (const [vloss, parameterCount] of points) {
      const t = await stores.trials.create(studyId, { params });
      await stores.trials.apply(t.id, 'started');
      await stores.trials.apply(t.id, 'completed', { vloss, parameterCount, accuracy: 0.5, objectiveValue: vloss });
      ids.push(t.id);
    }
    const all = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/pareto` })).json();
    expect(all.points.map((p: { trialId: string }) => p.trialId)).toEqual(ids.filter((_, i) => i !== 6));
    const onFront = all.points.filter((p: { onFront: boolean }) => p.onFront);
    expect(onFront.map((p: { trialId: string }) => p.trialId)).toEqual([ids[0], ids[1], ids[2], ids[3], ids[4]]);
    expect(all.frontSize).toBe(5);
    const front = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/pareto?frontOnly=true` })).json();
    expect(front).toEqual({ ...all, points: onFront });
  });
});

describe('study ranking cache', () => {
  apiTest('answers 404 for a remembered study once it is deleted', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody() })).json().id;
    const urls = [`/studies/${studyId}/leaderboard`, `/studies/${studyId}/pareto`, `/studies/${studyId}`];
    for (const url of urls) expect((await api.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    await stores.studies.remove(studyId);
    for (const url of urls) expect((await api.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
  });

  apiTest('reads metric, direction, floor, kind and fixed hyperparameters once, and refuses a capacity below one', async ({ db }) => {
    expect(() => createStudyRankingCache(db, 0)).toThrow(/capacity/);
    const studyId = (await db.$queryRaw<{ id: string }[]>`
      INSERT INTO "study" ("name", "spec", "objective", "metric", "direction", "seed", "max_trials", "parallelism")
      VALUES ('c', '{"constraints":{"minAccuracy":0.4},"fixed":{"batch_size":64}}', '{"kind":"cnn"}', 'accuracy', 'maximize', 1, 10, 1)
      RETURNING "id"::text AS "id"`)[0]!.id;
    const functionStudyId = (await db.$queryRaw<{ id: string }[]>`
      INSERT INTO "study" ("name", "spec", "objective", "metric", "direction", "seed", "max_trials", "parallelism")
      VALUES ('f', '{"fixed":null}', '{"kind":"function","name":"sphere"}', 'value', 'minimize', 1, 10, 1)
      RETURNING "id"::text AS "id"`)[0]!.id;
    const cache = createStudyRankingCache(db, 1);
    expect(await cache.get(studyId)).toEqual({
      id: studyId,
      metric: 'accuracy',
      direction: 'maximize',
      minAccuracy: 0.4,
      kind: 'cnn',
      fixed: { batch_size: 64 },
    });
    expect(await cache.get(functionStudyId)).toEqual({
      id: functionStudyId,
      metric: 'value',
      direction: 'minimize',
      minAccuracy: null,
      kind: 'function',
      fixed: {},
    });
    await expect(cache.get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(cache.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
