import { describe, expect } from 'vitest';
import { AUTH, apiTest, functionStudyBody } from './helpers.js';

describe('GET /trials/:id resume fallbacks', () => {
  apiTest('shows each resume that could not use its planned checkpoint, oldest first', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const trial = await stores.trials.create(studyId, { params: { x1: 1, x2: 2 } });
    await stores.trials.apply(trial.id, 'started');

    const before = (await api.app.inject({ method: 'GET', url: `/trials/${trial.id}` })).json();
    expect(before.resumeFallbacks).toEqual([]);

    await stores.resumeFallbacks.record({ trialId: trial.id, attempt: 2, problem: 'corrupt', checkpointTrialId: trial.id, checkpointEpoch: 2, resumedFromEpoch: 1 });
    await stores.resumeFallbacks.record({ trialId: trial.id, attempt: 3, problem: 'missing', checkpointTrialId: trial.id, checkpointEpoch: 1, resumedFromEpoch: 0 });
    const res = await api.app.inject({ method: 'GET', url: `/trials/${trial.id}` });
    expect(res.statusCode).toBe(200);
    const fallbacks = res.json().resumeFallbacks;
    expect(fallbacks).toMatchObject([
      { attempt: 2, problem: 'corrupt', checkpointTrialId: trial.id, checkpointEpoch: 2, resumedFromEpoch: 1 },
      { attempt: 3, problem: 'missing', checkpointTrialId: trial.id, checkpointEpoch: 1, resumedFromEpoch: 0 },
    ]);
    for (const f of fallbacks) expect(Number.isNaN(Date.parse(f.createdAt))).toBe(false);
  });
});
