import { describe, expect } from 'vitest';
import { AUTH, apiTest, cnnStudyBody, functionStudyBody } from './helpers.js';

describe('studies', () => {
  apiTest('creates a CNN study, stores the normalised spec and the submission, and reads it back', async ({ api }) => {
    const body = cnnStudyBody({ seed: 1234 });
    const res = await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: body });
    expect(res.statusCode).toBe(201);
    const study = res.json();
    expect(res.headers.location).toBe(`/studies/${study.id}`);
    expect(study).toMatchObject({
      name: 'cifar10 small',
      status: 'RUNNING',
      kind: 'cnn',
      objective: 'vloss',
      direction: 'minimize',
      seed: 1234,
      maxTrials: 20,
      parallelism: 2,
      finishedAt: null,
    });
    expect(study.spec).toMatchObject({
      v: 1,
      kind: 'cnn',
      sampler: { type: 'tpe', seed: 1234 },
      pruner: { type: 'asha', mode: 'stop', rule: 'optuna', minEpochs: 1, maxEpochs: 9, reductionFactor: 3 },
      prunerJSON: { type: 'successive-halving', minResource: 1, reductionFactor: 3 },
      dataset: { name: 'cifar10', trainSize: 2000, validationSize: 500, testSize: 0 },
      fixed: { batch_size: 100 },
      submitted: body,
    });

    const got = await api.app.inject({ method: 'GET', url: `/studies/${study.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      id: study.id,
      progress: {
        counts: { WAITING: 0, RUNNING: 0, PAUSED: 0, COMPLETE: 0, PRUNED: 0, FAILED: 0 },
        total: 0,
        finished: 0,
        remaining: 20,
        best: null,
        etaMs: null,
        meanTrialDurationMs: null,
      },
    });
  });

  apiTest('picks a seed when none is given and defaults a function study to value/minimize', async ({ api }) => {
    const res = await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() });
    expect(res.statusCode).toBe(201);
    const study = res.json();
    expect(study).toMatchObject({ kind: 'function', objective: 'value', direction: 'minimize' });
    expect(Number.isInteger(study.seed)).toBe(true);
    expect(study.spec.sampler).toEqual({ type: 'random', seed: study.seed });
  });

  apiTest('reports progress: counts, the best trial within the accuracy floor, mean duration and ETA', async ({ api, stores }) => {
    const created = await api.app.inject({
      method: 'POST',
      url: '/studies',
      headers: AUTH,
      payload: cnnStudyBody({ objective: 'accuracy', constraints: { minAccuracy: 0.5 }, maxTrials: 10, parallelism: 2 }),
    });
    const studyId = created.json().id as string;
    const params = { learning_rate: 0.001, cnn_layers: 6, activation: 'relu' };
    const finish = async (accuracy: number) => {
      const t = await stores.trials.create(studyId, { params });
      await stores.trials.apply(t.id, 'started');
      await stores.trials.apply(t.id, 'completed', { accuracy, objectiveValue: accuracy, vloss: 1 });
      return t;
    };
    await finish(0.45); // the most accurate would be this one without the floor? no: 0.45 < 0.6
    const best = await finish(0.6);
    await finish(0.55);
    await stores.trials.create(studyId, { params }); // WAITING
    const res = await api.app.inject({ method: 'GET', url: `/studies/${studyId}` });
    const { progress } = res.json();
    expect(progress.counts).toMatchObject({ COMPLETE: 3, WAITING: 1 });
    expect(progress).toMatchObject({ total: 4, finished: 3, remaining: 7 });
    expect(progress.best).toMatchObject({ trialId: best.id, number: best.number, value: 0.6, params });
    expect(progress.meanTrialDurationMs).toBeGreaterThanOrEqual(0);
    expect(progress.etaMs).toBe(Math.ceil(7 / 2) * progress.meanTrialDurationMs);
  });

  apiTest('lists studies newest first with a cursor and a status filter', async ({ api }) => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody({ name: `list ${i}` }) });
      ids.push(res.json().id);
    }
    const first = await api.app.inject({ method: 'GET', url: '/studies?limit=2' });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(2);
    expect(page1.items.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[1]]);
    expect(page1.nextCursor).toBe(ids[1]);
    const second = await api.app.inject({ method: 'GET', url: `/studies?limit=2&before=${page1.nextCursor}` });
    expect(second.json().items[0].id).toBe(ids[0]);

    await api.app.inject({ method: 'POST', url: `/studies/${ids[0]}/stop`, headers: AUTH });
    const stopped = await api.app.inject({ method: 'GET', url: '/studies?status=STOPPED&limit=500' });
    expect(stopped.json().items.map((s: { id: string }) => s.id)).toContain(ids[0]);
    expect(stopped.json().items.every((s: { status: string }) => s.status === 'STOPPED')).toBe(true);
  });

  apiTest('stops a running study once (409 after), and resumes a stopped one once (409 after)', async ({ api }) => {
    const id = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const stop = await api.app.inject({ method: 'POST', url: `/studies/${id}/stop`, headers: AUTH });
    expect(stop.statusCode).toBe(200);
    expect(stop.json()).toMatchObject({ status: 'STOPPED' });
    expect(stop.json().finishedAt).not.toBeNull();

    const again = await api.app.inject({ method: 'POST', url: `/studies/${id}/stop`, headers: AUTH });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ statusCode: 409, code: 'ILLEGAL_TRANSITION' });

    const resume = await api.app.inject({ method: 'POST', url: `/studies/${id}/resume`, headers: AUTH });
    expect(resume.statusCode).toBe(200);
    expect(resume.json()).toMatchObject({ status: 'RUNNING', finishedAt: null });
    const resumeAgain = await api.app.inject({ method: 'POST', url: `/studies/${id}/resume`, headers: AUTH });
    expect(resumeAgain.statusCode).toBe(409);
    expect(resumeAgain.json().code).toBe('ILLEGAL_TRANSITION');
    expect(resumeAgain.json().message).toBe('study in status RUNNING cannot be resumed; only a STOPPED study can');
    const unknown = await api.app.inject({ method: 'POST', url: '/studies/00000000-0000-4000-8000-000000000000/resume', headers: AUTH });
    expect(unknown.statusCode).toBe(404);
  });

  apiTest('refuses to stop a COMPLETE study', async ({ api, stores }) => {
    const id = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    await stores.studies.finish(id, 'COMPLETE');
    const res = await api.app.inject({ method: 'POST', url: `/studies/${id}/stop`, headers: AUTH });
    expect(res.statusCode).toBe(409);
  });

  apiTest('answers 404 for unknown and malformed study ids', async ({ api }) => {
    for (const url of ['/studies/00000000-0000-4000-8000-000000000000', '/studies/not-a-uuid', '/studies/..%2F..%2Fetc']) {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    const stop = await api.app.inject({ method: 'POST', url: '/studies/not-a-uuid/stop', headers: AUTH });
    expect(stop.statusCode).toBe(404);
  });
});
