import { describe, expect } from 'vitest';
import { AUTH, apiTest, cnnStudyBody, functionStudyBody } from './helpers.js';
import { toTrialSummary } from '../src/routes/trials.js';

describe('trials', () => {
  apiTest('lists trials by number with a cursor and a state filter', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const trials = [];
    for (let i = 0; i < 5; i++) trials.push(await stores.trials.create(studyId, { params: { x1: i, x2: i } }));
    await stores.trials.apply(trials[1].id, 'started');
    await stores.trials.apply(trials[3].id, 'started');

    const page1 = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?limit=2` })).json();
    expect(page1.items.map((t: { number: number }) => t.number)).toEqual([0, 1]);
    expect(page1.nextCursor).toBe(1);
    const page2 = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?limit=2&after=1` })).json();
    expect(page2.items.map((t: { number: number }) => t.number)).toEqual([2, 3]);
    const page3 = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?limit=2&after=3` })).json();
    expect(page3.items.map((t: { number: number }) => t.number)).toEqual([4]);
    expect(page3.nextCursor).toBeNull();

    const running = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?state=RUNNING` })).json();
    expect(running.items.map((t: { number: number }) => t.number)).toEqual([1, 3]);
    const several = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?state=RUNNING&state=WAITING&limit=500` })).json();
    expect(several.items).toHaveLength(5);
    // Several states merge in number order, a repeated state once, and the cursor runs across them.
    const merged = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?state=WAITING&state=RUNNING&state=WAITING&limit=3` })).json();
    expect(merged.items.map((t: { number: number }) => t.number)).toEqual([0, 1, 2]);
    expect(merged.nextCursor).toBe(2);
    const rest = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?state=WAITING&state=RUNNING&after=2&limit=3` })).json();
    expect(rest).toMatchObject({ nextCursor: null });
    expect(rest.items.map((t: { number: number }) => t.number)).toEqual([3, 4]);
  });

  apiTest('answers each summary as toTrialSummary shows the stored trial, a non-finite metric as null', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody() })).json().id;
    const done = await stores.trials.create(studyId, { params: { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' } });
    await stores.trials.apply(done.id, 'started', { workerId: 'w-1', attempts: 1 });
    await stores.trials.apply(done.id, 'completed', { vloss: 1.25, accuracy: 0.5, macroF1: 0.49, objectiveValue: 1.25, parameterCount: 4321, efficiency: 1 / (1.25 * 4321) });
    const diverged = await stores.trials.create(studyId, { params: { learning_rate: 0.01, cnn_layers: 4, activation: 'elu' } });
    await stores.trials.apply(diverged.id, 'started');
    await stores.trials.apply(diverged.id, 'failed', { failureType: 'diverged', failureMessage: 'loss is "NaN"\n', vloss: Number.NaN, objectiveValue: Number.POSITIVE_INFINITY });
    const waiting = await stores.trials.create(studyId, { params: { learning_rate: 0.005, cnn_layers: 5, activation: 'gelu' } });

    const res = await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?limit=2` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const page = res.json();
    const expected = await Promise.all([done, diverged].map(async (t) => toTrialSummary(await stores.trials.get(t.id))));
    expect(page).toEqual({
      items: expected.map((t) => ({ ...t, vloss: Number.isFinite(t.vloss) ? t.vloss : null, objectiveValue: Number.isFinite(t.objectiveValue) ? t.objectiveValue : null })),
      nextCursor: 1,
    });
    expect(page.items[1]).toMatchObject({ vloss: null, objectiveValue: null, failureMessage: 'loss is "NaN"\n' });
    const last = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?after=1` })).json();
    expect(last).toEqual({ items: [toTrialSummary(await stores.trials.get(waiting.id))], nextCursor: null });
    expect((await api.app.inject({ method: 'GET', url: `/studies/${studyId}/trials?after=2` })).json()).toEqual({ items: [], nextCursor: null });
  });

  apiTest('rejects a bad state, a limit over 500 and a non-integer cursor, naming the field', async ({ api, study }) => {
    const cases: [string, string][] = [
      [`state=DONE`, 'querystring.state[0]'],
      [`limit=501`, 'querystring.limit'],
      [`after=abc`, 'querystring.after'],
    ];
    for (const [query, field] of cases) {
      const res = await api.app.inject({ method: 'GET', url: `/studies/${study.id}/trials?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().issues.map((i: { field: string }) => i.field), query).toContain(field);
    }
  });

  apiTest('shows a CNN trial in full: epochs, final metrics, checkpoints and architecture', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: cnnStudyBody() })).json().id;
    const params = { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' };
    const trial = await stores.trials.create(studyId, { params });
    await stores.trials.apply(trial.id, 'started');
    await stores.trials.recordEpoch(trial.id, { epoch: 1, value: 1.9, vloss: 1.9, accuracy: 0.3, macroF1: 0.28, trainLoss: 2.1 });
    await stores.trials.recordEpoch(trial.id, { epoch: 2, value: 1.5, vloss: 1.5, accuracy: 0.45, macroF1: 0.44, trainLoss: 1.7 });
    await stores.checkpoints.save({ trialId: trial.id, epoch: 2, data: new Uint8Array([1, 2, 3]) });
    const perClassAccuracy = Array.from({ length: 10 }, (_, i) => i / 10);
    const confusionMatrix = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 5 : 0)));
    await stores.trials.apply(trial.id, 'completed', {
      vloss: 1.5,
      accuracy: 0.45,
      macroF1: 0.44,
      objectiveValue: 1.5,
      parameterCount: 12345,
      perClassAccuracy,
      confusionMatrix,
    });

    await stores.resumeFallbacks.record({ trialId: trial.id, attempt: 2, problem: 'missing', checkpointTrialId: trial.id, checkpointEpoch: 2, resumedFromEpoch: 0 });

    const res = await api.app.inject({ method: 'GET', url: `/trials/${trial.id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ id: trial.id, number: 0, state: 'COMPLETE', params, vloss: 1.5, f1: 0.44, perClassAccuracy, confusionMatrix });
    expect(body.epochs.map((e: { epoch: number; vloss: number }) => [e.epoch, e.vloss])).toEqual([
      [1, 1.9],
      [2, 1.5],
    ]);
    expect(body.checkpoints).toEqual([
      expect.objectContaining({ epoch: 2, sizeBytes: 3, url: `/trials/${trial.id}/checkpoints/2` }),
    ]);
    // The one-statement read answers exactly what the stores hold.
    const stored = await stores.trials.get(trial.id);
    expect(body).toMatchObject({ ...toTrialSummary(stored), resumeFromEpoch: stored.resumeFromEpoch });
    expect(body.epochs).toEqual(
      (await stores.trials.intermediateValues(trial.id)).map((v) => ({
        epoch: v.epoch,
        value: v.value,
        vloss: v.vloss,
        accuracy: v.accuracy,
        f1: v.macroF1,
        trainLoss: v.trainLoss,
        imagesPerSec: v.imagesPerSec,
        elapsedMs: v.elapsedMs,
        createdAt: v.createdAt.toISOString(),
      })),
    );
    expect(body.checkpoints).toEqual(
      (await stores.checkpoints.list(trial.id)).map((c) => ({
        epoch: c.epoch,
        sizeBytes: c.sizeBytes,
        sha256: c.sha256,
        createdAt: c.createdAt.toISOString(),
        url: `/trials/${trial.id}/checkpoints/${c.epoch}`,
      })),
    );
    expect(body.resumeFallbacks).toEqual(
      (await stores.resumeFallbacks.list(trial.id)).map((f) => ({
        attempt: f.attempt,
        problem: f.problem,
        checkpointTrialId: f.checkpointTrialId,
        checkpointEpoch: f.checkpointEpoch,
        resumedFromEpoch: f.resumedFromEpoch,
        createdAt: f.createdAt.toISOString(),
      })),
    );
    expect(body.resumeFallbacks).toHaveLength(1);
    // batch_size is fixed by the study; the architecture resolves fixed and searched values together.
    expect(body.architecture.hyperparameters).toMatchObject({ batch_size: 100, cnn_layers: 6, activation: 'relu' });
    expect(body.architecture.channels).toHaveLength(6);
    expect(body.architecture.totalParams).toBeGreaterThan(0);
  });

  apiTest('has no architecture for a function trial, and 404 for unknown trials', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const trial = await stores.trials.create(studyId, { params: { x1: 1, x2: 2 } });
    expect((await api.app.inject({ method: 'GET', url: `/trials/${trial.id}` })).json().architecture).toBeNull();
    expect((await api.app.inject({ method: 'GET', url: '/trials/00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/trials/nope' })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/studies/00000000-0000-4000-8000-000000000000/trials' })).statusCode).toBe(404);
  });
});
