import type { Db, Stores } from '@tunefleet/db';
import { createTestStudy } from '@tunefleet/db/testing';
import type { Params } from '@tunefleet/search';
import { describe, expect, it } from 'vitest';
import { capHistory, prunedAtEpoch, rungEpochs } from '../src/routes/analysis.js';
import { AUTH, apiTest, buildTestApi, cnnStudyBody, functionStudyBody } from './helpers.js';

type End = 'completed' | 'pruned' | 'failed';

async function seedTrial(
  stores: Stores,
  studyId: string,
  params: Params,
  end: End | null,
  data: { objectiveValue?: number | null; parameterCount?: number; prunedAtRung?: number; vloss?: number[] } = {},
) {
  const trial = await stores.trials.create(studyId, { params });
  await stores.trials.apply(trial.id, 'started');
  for (const [i, vloss] of (data.vloss ?? []).entries()) await stores.trials.recordEpoch(trial.id, { epoch: i + 1, value: vloss, vloss });
  if (end !== null) {
    await stores.trials.apply(trial.id, end, {
      objectiveValue: data.objectiveValue ?? null,
      parameterCount: data.parameterCount ?? null,
      ...(data.prunedAtRung !== undefined && { prunedAtRung: data.prunedAtRung }),
    });
  }
  return trial;
}

/**
 * `count` COMPLETE trials in one INSERT, numbers from 0: objective value v(g) = 2 + sin(g) + g/count
 * (many improvements early, few late), params x = frac(0.618·g), y = frac(0.414·g), z = frac(0.732·g),
 * and three epochs of vloss each (2v, 1.5v, v) in one more.
 */
async function seedManyTrials(db: Db, studyId: string, count: number): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO "trial" ("study_id", "number", "params", "state", "objective_value", "vloss", "started_at", "finished_at")
     SELECT $1::uuid, g,
            jsonb_build_object('x', (g * 0.618034) - floor(g * 0.618034), 'y', (g * 0.414214) - floor(g * 0.414214),
                               'z', (g * 0.732051) - floor(g * 0.732051)),
            'COMPLETE'::"trial_state", 2 + sin(g) + g::float8 / $2, 2 + sin(g) + g::float8 / $2,
            now() - interval '1 minute', now()
     FROM generate_series(0, $2::int - 1) AS g`,
    studyId,
    count,
  );
  await db.$executeRawUnsafe(`UPDATE "study" SET "next_trial_number" = $2 WHERE "id" = $1::uuid`, studyId, count);
  await db.$executeRawUnsafe(
    `INSERT INTO "intermediate_value" ("trial_id", "epoch", "value", "vloss")
     SELECT "id", e, v, v
     FROM (SELECT t."id", e, t."vloss" * (CASE e WHEN 1 THEN 2 WHEN 2 THEN 1.5 ELSE 1 END) AS v
           FROM "trial" AS t CROSS JOIN generate_series(1, 3) AS e WHERE t."study_id" = $1::uuid) AS s`,
    studyId,
  );
}

const CUBE = {
  x: { type: 'float', low: 0, high: 1 },
  y: { type: 'float', low: 0, high: 1 },
  z: { type: 'float', low: 0, high: 1 },
};

describe('dashboard data', () => {
  apiTest('history: COMPLETE trials with a finite value by number, with the best so far', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const p = { x1: 1, x2: 2 };
    const t0 = await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 5 });
    await seedTrial(stores, studyId, p, 'pruned', { objectiveValue: 0.1 });
    const t2 = await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 3 });
    const t3 = await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 4 });
    await seedTrial(stores, studyId, p, 'completed', { objectiveValue: NaN });
    await seedTrial(stores, studyId, p, null);
    const t6 = await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 1 });

    const res = await api.app.inject({ method: 'GET', url: `/studies/${studyId}/history` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      studyId,
      objective: 'value',
      direction: 'minimize',
      total: 4,
      points: [
        { trialId: t0.id, number: 0, value: 5, best: 5, state: 'COMPLETE' },
        { trialId: t2.id, number: 2, value: 3, best: 3, state: 'COMPLETE' },
        { trialId: t3.id, number: 3, value: 4, best: 3, state: 'COMPLETE' },
        { trialId: t6.id, number: 6, value: 1, best: 1, state: 'COMPLETE' },
      ],
    });
    // Capped at 3: the improvements (0, 2, 6) stay.
    const capped = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/history?limit=3` })).json();
    expect(capped.total).toBe(4);
    expect(capped.points.map((pt: { number: number }) => pt.number)).toEqual([0, 2, 6]);
  });

  apiTest('curves: per-epoch vloss, best latest vloss first, with the rungs and where pruned trials stopped', async ({ api, stores }) => {
    // ASHA stop mode, minEpochs 1, η 3, maxEpochs 9: rungs at epochs 1, 3 and 9.
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody() })).json().id;
    const p = { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' };
    const a = await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 1.2, vloss: [2.0, 1.5, 1.2] });
    const b = await seedTrial(stores, studyId, p, 'pruned', { objectiveValue: 2.5, prunedAtRung: 0, vloss: [2.5] });
    const c = await seedTrial(stores, studyId, p, 'pruned', { objectiveValue: 1.4, prunedAtRung: 1, vloss: [2.2, 1.8, 1.4] });
    const d = await seedTrial(stores, studyId, p, null, { vloss: [1.9, 1.0] });
    await seedTrial(stores, studyId, p, 'failed');

    const body = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/curves` })).json();
    expect(body).toEqual({
      studyId,
      metric: 'vloss',
      rungs: [1, 3, 9],
      total: 4,
      trials: [
        { trialId: d.id, number: 3, state: 'RUNNING', prunedAtRung: null, values: [[1, 1.9], [2, 1.0]] },
        { trialId: a.id, number: 0, state: 'COMPLETE', prunedAtRung: null, values: [[1, 2.0], [2, 1.5], [3, 1.2]] },
        { trialId: c.id, number: 2, state: 'PRUNED', prunedAtRung: 3, values: [[1, 2.2], [2, 1.8], [3, 1.4]] },
        { trialId: b.id, number: 1, state: 'PRUNED', prunedAtRung: 1, values: [[1, 2.5]] },
      ],
    });
    const two = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/curves?limit=2` })).json();
    expect(two.total).toBe(4);
    expect(two.trials.map((t: { trialId: string }) => t.trialId)).toEqual([d.id, a.id]);

    // No pruner, no rungs.
    const none = (
      await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody({ pruner: { type: 'none', maxEpochs: 3 } }) })
    ).json().id;
    expect((await api.app.inject({ method: 'GET', url: `/studies/${none}/curves` })).json()).toMatchObject({ rungs: [], total: 0, trials: [] });
  });

  apiTest('params: the search space as dimensions and COMPLETE trials best first, an inactive parameter as null', async ({ api, stores }) => {
    // Dimensions in the parsed space's order: parents before children, as Postgres keeps the keys.
    const study = await createTestStudy(stores, {
      direction: 'maximize',
      spec: {
        searchSpace: {
          kind: { type: 'categorical', choices: ['a', 'b'] },
          only_b: { type: 'float', low: 0, high: 1, when: { kind: ['b'] } },
          layers: { type: 'int', low: 1, high: 8, log: true },
        },
      },
    });
    const t0 = await seedTrial(stores, study.id, { kind: 'a', layers: 2 }, 'completed', { objectiveValue: 0.5 });
    const t1 = await seedTrial(stores, study.id, { kind: 'b', only_b: 0.25, layers: 4 }, 'completed', { objectiveValue: 0.9 });
    const t2 = await seedTrial(stores, study.id, { kind: 'a', layers: 1 }, 'completed', { objectiveValue: null });
    await seedTrial(stores, study.id, { kind: 'a', layers: 8 }, 'pruned', { objectiveValue: 2 });

    const body = (await api.app.inject({ method: 'GET', url: `/studies/${study.id}/params` })).json();
    expect(body).toEqual({
      studyId: study.id,
      objective: 'value',
      direction: 'maximize',
      total: 3,
      dimensions: [
        { name: 'kind', type: 'categorical', choices: ['a', 'b'] },
        { name: 'layers', type: 'int', low: 1, high: 8, log: true },
        { name: 'only_b', type: 'float', low: 0, high: 1, log: false },
      ],
      rows: [
        { trialId: t1.id, number: 1, state: 'COMPLETE', values: ['b', 4, 0.25], objectiveValue: 0.9 },
        { trialId: t0.id, number: 0, state: 'COMPLETE', values: ['a', 2, null], objectiveValue: 0.5 },
        { trialId: t2.id, number: 2, state: 'COMPLETE', values: ['a', 1, null], objectiveValue: null },
      ],
    });
  });

  apiTest('importance: fANOVA over COMPLETE trials, recomputed when one more completes', async ({ api, stores, db }) => {
    const study = await createTestStudy(stores, { spec: { searchSpace: CUBE } });
    const url = `/studies/${study.id}/importance`;
    expect((await api.app.inject({ method: 'GET', url })).json()).toEqual({ studyId: study.id, method: 'fanova', trials: 0, importances: [] });
    await db.$executeRawUnsafe(
      `INSERT INTO "trial" ("study_id", "number", "params", "state", "objective_value")
       SELECT $1::uuid, g, jsonb_build_object('x', x, 'y', y, 'z', z), 'COMPLETE'::"trial_state", 10 * x + 3 * y
       FROM (SELECT g, (g * 0.618034) - floor(g * 0.618034) AS x, (g * 0.414214) - floor(g * 0.414214) AS y,
                    (g * 0.732051) - floor(g * 0.732051) AS z FROM generate_series(0, 199) AS g) AS s`,
      study.id,
    );
    await db.$executeRawUnsafe(`UPDATE "study" SET "next_trial_number" = 200 WHERE "id" = $1::uuid`, study.id);
    const first = (await api.app.inject({ method: 'GET', url })).json();
    expect(first.trials).toBe(200);
    expect(first.importances.map((i: { name: string }) => i.name)).toEqual(['x', 'y', 'z']);
    const [x, y, z] = first.importances.map((i: { importance: number }) => i.importance);
    expect(x).toBeGreaterThan(0.85);
    // Analytically y's share is 9/109 ≈ 0.08; a forest of 200 points finds about half of it.
    expect(y).toBeGreaterThan(0.02);
    expect(z).toBeLessThan(y / 5);
    expect(x + y + z).toBeCloseTo(1, 12);
    // Unchanged count: the same (cached) answer; one more COMPLETE trial: a new computation.
    expect((await api.app.inject({ method: 'GET', url })).json()).toEqual(first);
    await seedTrial(stores, study.id, { x: 0.5, y: 0.5, z: 0.5 }, 'completed', { objectiveValue: 6.5 });
    expect((await api.app.inject({ method: 'GET', url })).json().trials).toBe(201);
  });

  apiTest('caps a 3,000-trial study: history keeps every improvement, curves and params keep the best', async ({ api, stores, db }) => {
    const study = await createTestStudy(stores, {
      spec: { searchSpace: CUBE, prunerJSON: { type: 'hyperband', minResource: 1, maxResource: 9, reductionFactor: 3, bootstrapCount: 0 }, maxEpochs: 9 },
    });
    await seedManyTrials(db, study.id, 3000);
    const get = (path: string) => api.app.inject({ method: 'GET', url: `/studies/${study.id}/${path}` }).then((r) => r.json());

    const full = await get('history?limit=20000');
    expect(full.total).toBe(3000);
    expect(full.points).toHaveLength(3000);
    const improvements = full.points
      .filter((pt: { value: number; best: number }, i: number) => i === 0 || pt.value < full.points[i - 1].best)
      .map((pt: { number: number }) => pt.number);
    const capped = await get('history?limit=100');
    expect(capped.total).toBe(3000);
    expect(capped.points).toHaveLength(100);
    const cappedNumbers = capped.points.map((pt: { number: number }) => pt.number);
    expect(cappedNumbers).toEqual([...cappedNumbers].sort((a, b) => a - b));
    expect(cappedNumbers).toEqual(expect.arrayContaining(improvements));
    expect(capped.points.at(-1).best).toBe(full.points.at(-1).best);

    const curves = await get('curves?limit=50');
    expect(curves.rungs).toEqual([1, 3, 9]);
    expect(curves.total).toBe(3000);
    expect(curves.trials).toHaveLength(50);
    const latest = curves.trials.map((t: { values: [number, number][] }) => t.values.at(-1)?.[1]);
    expect(latest).toEqual([...latest].sort((a, b) => a - b));
    expect(curves.trials[0].values).toHaveLength(3);
    expect(latest[0]).toBe(Math.min(...full.points.map((pt: { value: number }) => pt.value)));

    const params = await get('params?limit=100');
    expect(params.total).toBe(3000);
    expect(params.rows).toHaveLength(100);
    expect(params.rows[0].objectiveValue).toBe(latest[0]);
    expect(params.rows.map((r: { objectiveValue: number }) => r.objectiveValue)).toEqual(
      [...params.rows.map((r: { objectiveValue: number }) => r.objectiveValue)].sort((a, b) => a - b),
    );

    const importance = await get('importance');
    expect(importance.trials).toBe(3000);
    expect(importance.importances).toHaveLength(3);
  });

  apiTest('answers 404 for an unknown study and 400 naming the query field', async ({ api, study }) => {
    for (const path of ['history', 'curves', 'params', 'importance']) {
      const missing = await api.app.inject({ method: 'GET', url: `/studies/00000000-0000-4000-8000-000000000000/${path}` });
      expect(missing.statusCode, path).toBe(404);
      expect((await api.app.inject({ method: 'GET', url: `/studies/not-a-uuid/${path}` })).statusCode, path).toBe(404);
    }
    const cases: [string, string][] = [
      ['history?limit=20001', 'querystring.limit'],
      ['curves?limit=10001', 'querystring.limit'],
      ['params?limit=0', 'querystring.limit'],
      ['params?limit=abc', 'querystring.limit'],
      ['history?limits=5', 'querystring'],
    ];
    for (const [path, field] of cases) {
      const res = await api.app.inject({ method: 'GET', url: `/studies/${study.id}/${path}` });
      expect(res.statusCode, path).toBe(400);
      expect(res.json().issues.map((i: { field: string }) => i.field).join(' '), path).toContain(field);
    }
  });

  apiTest('ranks the leaderboard by parameter count, fewest first, among trials that have one', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody() })).json().id;
    const p = { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' };
    const big = await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 0.5, parameterCount: 900_000 });
    const small = await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 0.9, parameterCount: 10_000 });
    await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 0.7 });
    const tie = await seedTrial(stores, studyId, p, 'completed', { objectiveValue: 0.6, parameterCount: 10_000 });
    await seedTrial(stores, studyId, p, 'pruned', { objectiveValue: 0.1, parameterCount: 5 });
    const board = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/leaderboard?by=parameters` })).json();
    expect(board).toMatchObject({ by: 'parameters', direction: 'minimize' });
    expect(board.items.map((i: { trialId: string; value: number }) => [i.trialId, i.value])).toEqual([
      [small.id, 10_000],
      [tie.id, 10_000],
      [big.id, 900_000],
    ]);
  });

  apiTest('documents the dashboard routes in OpenAPI', async ({ api }) => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of ['history', 'curves', 'params', 'importance', 'events']) expect(doc.paths).toHaveProperty([`/studies/{id}/${path}`, 'get']);
  });
});

describe('dashboard data rules', () => {
  it('keeps an even subsample of the improvements, the last one included, when they alone exceed the cap', () => {
    const falling = Array.from({ length: 10 }, (_, i) => ({ number: i, value: 10 - i }));
    expect(capHistory(falling, 'minimize', 4).map((p) => p.number)).toEqual([0, 3, 6, 9]);
    const rising = [3, 1, 4, 1, 5, 9, 2, 6].map((value, number) => ({ number, value }));
    expect(capHistory(rising, 'maximize', 8).map((p) => p.best)).toEqual([3, 3, 4, 4, 5, 9, 9, 9]);
    // Improvements 0, 2, 4, 5; one place left for the others (1, 3, 6, 7), thinned evenly from the first.
    expect(capHistory(rising, 'maximize', 5).map((p) => p.number)).toEqual([0, 1, 2, 4, 5]);
  });

  it("derives the rungs' epochs from the stored pruner", () => {
    const sha = (rule: 'optuna' | 'ray') =>
      rungEpochs({
        maxEpochs: 27,
        prunerJSON: { type: 'successive-halving', minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 0, bootstrapCount: 0, rule, maxResource: rule === 'ray' ? 27 : null },
      });
    expect(sha('optuna')).toEqual({ rungs: [1, 3, 9, 27], rungIndexed: true });
    expect(sha('ray').rungs).toEqual([1, 3, 9, 27]);
    expect(rungEpochs({ maxEpochs: 10, prunerJSON: { type: 'hyperband', minResource: 1, maxResource: 10, reductionFactor: 3, bootstrapCount: 0 } })).toEqual({
      rungs: [1, 3, 9],
      rungIndexed: false,
    });
    expect(rungEpochs({ maxEpochs: 10, prunerJSON: null, promotion: { minResource: 1, maxResource: 10, reductionFactor: 3 } }).rungs).toEqual([1, 3, 10]);
    expect(rungEpochs({ maxEpochs: 3, prunerJSON: { type: 'nop' } }).rungs).toEqual([]);
    // Hyperband's stored rung is per bracket: the last rung reached by the last report instead.
    expect(prunedAtEpoch({ rungs: [1, 3, 9], rungIndexed: false }, 0, 4)).toBe(3);
    expect(prunedAtEpoch({ rungs: [1, 3, 9], rungIndexed: true }, 1, 4)).toBe(3);
    expect(prunedAtEpoch({ rungs: [], rungIndexed: false }, null, 2)).toBe(2);
  });
});

describe('dashboard data with READ_REQUIRES_KEY', () => {
  apiTest('needs the key like every other read', async ({ db, study }) => {
    const api = await buildTestApi(db, { env: { READ_REQUIRES_KEY: 'true' } });
    try {
      for (const path of ['history', 'curves', 'params', 'importance', 'events']) {
        const res = await api.app.inject({ method: 'GET', url: `/studies/${study.id}/${path}` });
        expect(res.statusCode, path).toBe(401);
      }
      expect((await api.app.inject({ method: 'GET', url: `/studies/${study.id}/history`, headers: AUTH })).statusCode).toBe(200);
    } finally {
      await api.close();
    }
  });
});
