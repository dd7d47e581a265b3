import type { Stores } from '@tunefleet/db';
import { describe, expect } from 'vitest';
import { AUTH, apiTest, cnnStudyBody } from './helpers.js';

interface Metrics {
  vloss: number;
  accuracy: number;
  f1: number;
  params: number;
}

async function seedTrial(stores: Stores, studyId: string, end: 'completed' | 'pruned' | 'failed', m: Metrics) {
  const trial = await stores.trials.create(studyId, { params: { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' } });
  await stores.trials.apply(trial.id, 'started');
  await stores.trials.apply(trial.id, end, {
    vloss: m.vloss,
    accuracy: m.accuracy,
    macroF1: m.f1,
    parameterCount: m.params,
    efficiency: 1 / (m.vloss * m.params),
    objectiveValue: -Math.log10(m.vloss * m.params),
  });
  return trial;
}

describe('leaderboard', () => {
  apiTest('never answers from a kept leaderboard once a COMPLETE trial appears, changes or goes; ETag revalidates', async ({ api, db, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody({ objective: 'vloss' }) })).json().id;
    const url = `/studies/${studyId}/leaderboard?by=vloss`;
    const read = async () => {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      return { etag: res.headers.etag as string, board: res.json().items.map((i: { number: number; vloss: number }) => [i.number, i.vloss]) };
    };
    expect((await read()).board).toEqual([]);
    const done = await stores.trials.create(studyId, { params: { learning_rate: 0.002, cnn_layers: 6, activation: 'relu' } });
    await stores.trials.apply(done.id, 'started');
    await stores.trials.apply(done.id, 'completed', { vloss: 0.9, accuracy: 0.7, macroF1: 0.69, objectiveValue: 0.9, parameterCount: 1000 });
    const first = await read();
    expect(first.board).toEqual([[0, 0.9]]);
    // Kept and revalidated: the same answer, and 304 for the same ETag.
    expect(await read()).toEqual(first);
    const notModified = await api.app.inject({ method: 'GET', url, headers: { 'if-none-match': first.etag } });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    // A running trial's reports do not touch the COMPLETE set, so the kept answer stays valid.
    const running = await stores.trials.create(studyId, { params: { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' } });
    await stores.trials.apply(running.id, 'started');
    await stores.trials.recordEpoch(running.id, { epoch: 1, value: 0.1, vloss: 0.1 });
    expect((await read()).etag).toBe(first.etag);

    // A new COMPLETE trial is in the next read.
    await stores.trials.apply(running.id, 'completed', { vloss: 0.5, accuracy: 0.8, macroF1: 0.79, objectiveValue: 0.5, parameterCount: 1000 });
    const second = await read();
    expect(second.board).toEqual([[1, 0.5], [0, 0.9]]);
    expect(second.etag).not.toBe(first.etag);
    expect((await api.app.inject({ method: 'GET', url, headers: { 'if-none-match': first.etag } })).statusCode).toBe(200);
    // A COMPLETE trial changed in place, then deleted, behind the api's back.
    await db.$executeRaw`UPDATE "trial" SET "vloss" = 0.3, "objective_value" = 0.3 WHERE "study_id" = ${studyId}::uuid AND "number" = 0`;
    expect((await read()).board).toEqual([[0, 0.3], [1, 0.5]]);
    await db.$executeRaw`DELETE FROM "trial" WHERE "study_id" = ${studyId}::uuid AND "number" = 1`;
    expect((await read()).board).toEqual([[0, 0.3]]);
    // A deleted study is 404, not its kept leaderboard.
    await stores.studies.remove(studyId);
    expect((await api.app.inject({ method: 'GET', url })).statusCode).toBe(404);
  });

  apiTest('ranks COMPLETE trials only, by each metric, with ties broken by trial number', async ({ api, stores }) => {
    const studyId = (
      await api.app.inject({
        method: 'POST',
        url: '/studies',
        headers: AUTH,
        payload: cnnStudyBody({ objective: 'efficiency', constraints: { minAccuracy: 0.5 } }),
      })
    ).json().id;
    const t0 = await seedTrial(stores, studyId, 'completed', { vloss: 0.9, accuracy: 0.7, f1: 0.69, params: 100_000 });
    const t1 = await seedTrial(stores, studyId, 'completed', { vloss: 0.6, accuracy: 0.8, f1: 0.79, params: 500_000 });
    // Chance level and tiny: by far the most "efficient", but below the accuracy floor.
    const t2 = await seedTrial(stores, studyId, 'completed', { vloss: 2.303, accuracy: 0.1, f1: 0.02, params: 1_000 });
    const t3 = await seedTrial(stores, studyId, 'completed', { vloss: 0.6, accuracy: 0.8, f1: 0.79, params: 500_000 }); // tie with t1
    await seedTrial(stores, studyId, 'pruned', { vloss: 0.1, accuracy: 0.99, f1: 0.99, params: 10 });
    await seedTrial(stores, studyId, 'failed', { vloss: 0.1, accuracy: 0.99, f1: 0.99, params: 10 });

    const ids = (url: string) => api.app.inject({ method: 'GET', url }).then((r) => r.json().items.map((i: { trialId: string }) => i.trialId));

    const efficiency = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/leaderboard?by=efficiency` })).json();
    expect(efficiency).toMatchObject({ by: 'efficiency', direction: 'maximize', minAccuracy: 0.5 });
    expect(efficiency.items.map((i: { trialId: string }) => i.trialId)).toEqual([t0.id, t1.id, t3.id]);
    expect(efficiency.items.map((i: { rank: number }) => i.rank)).toEqual([1, 2, 3]);
    expect(efficiency.items[0].log10Efficiency).toBeCloseTo(-Math.log10(0.9 * 100_000), 12);
    expect(efficiency.items[0].value).toBeCloseTo(1 / (0.9 * 100_000), 15);

    expect(await ids(`/studies/${studyId}/leaderboard?by=vloss`)).toEqual([t1.id, t3.id, t0.id, t2.id]);
    expect(await ids(`/studies/${studyId}/leaderboard?by=accuracy`)).toEqual([t1.id, t3.id, t0.id, t2.id]);
    expect(await ids(`/studies/${studyId}/leaderboard?by=f1&limit=2`)).toEqual([t1.id, t3.id]);
    // The default is the study's objective.
    expect((await api.app.inject({ method: 'GET', url: `/studies/${studyId}/leaderboard` })).json().by).toBe('efficiency');
  });

  apiTest("ranks by the study's own metric through the objective value, ties by trial number", async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody({ objective: 'vloss' }) })).json().id;
    const seedVloss = async (end: 'completed' | 'pruned', vloss: number) => {
      const t = await stores.trials.create(studyId, { params: { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' } });
      await stores.trials.apply(t.id, 'started');
      await stores.trials.apply(t.id, end, { vloss, accuracy: 0.6, objectiveValue: vloss, parameterCount: 1000 });
      return t.id;
    };
    const a = await seedVloss('completed', 0.8);
    const b = await seedVloss('completed', 0.7);
    const c = await seedVloss('completed', 0.8);
    await seedVloss('pruned', 0.1);
    const board = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/leaderboard` })).json();
    expect(board).toMatchObject({ by: 'vloss', direction: 'minimize', minAccuracy: null });
    expect(board.items.map((i: { trialId: string; value: number }) => [i.trialId, i.value])).toEqual([
      [b, 0.7],
      [a, 0.8],
      [c, 0.8],
    ]);
  });

  apiTest('rejects an unknown ranking, naming the field', async ({ api, study }) => {
    const res = await api.app.inject({ method: 'GET', url: `/studies/${study.id}/leaderboard?by=speed` });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues[0].field).toBe('querystring.by');
  });

  apiTest('flags the Pareto front of vloss against parameters', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody() })).json().id;
    const small = await seedTrial(stores, studyId, 'completed', { vloss: 1.2, accuracy: 0.6, f1: 0.6, params: 10_000 });
    const big = await seedTrial(stores, studyId, 'completed', { vloss: 0.5, accuracy: 0.85, f1: 0.85, params: 900_000 });
    const dominated = await seedTrial(stores, studyId, 'completed', { vloss: 1.3, accuracy: 0.5, f1: 0.5, params: 20_000 });
    await seedTrial(stores, studyId, 'pruned', { vloss: 0.1, accuracy: 0.9, f1: 0.9, params: 5 });

    const res = await api.app.inject({ method: 'GET', url: `/studies/${studyId}/pareto` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.frontSize).toBe(2);
    const flags = Object.fromEntries(body.points.map((p: { trialId: string; onFront: boolean }) => [p.trialId, p.onFront]));
    expect(flags).toEqual({ [small.id]: true, [big.id]: true, [dominated.id]: false });

    const front = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/pareto?frontOnly=true` })).json();
    expect(front.points.map((p: { trialId: string }) => p.trialId)).toEqual([small.id, big.id]);
  });
});
