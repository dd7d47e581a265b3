import { expect } from 'vitest';
import { AUTH, apiTest, functionStudyBody } from './helpers.js';

apiTest('answers 410 naming the epoch when stored checkpoint bytes no longer match their sha256', async ({ api, stores, db }) => {
  const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
  const trial = await stores.trials.create(studyId, { params: { x1: 0, x2: 0 } });
  await stores.checkpoints.save({ trialId: trial.id, epoch: 1, data: new Uint8Array(512).fill(1) });
  await stores.checkpoints.save({ trialId: trial.id, epoch: 2, data: new Uint8Array(512).fill(2) });
  await db.$executeRawUnsafe(
    `UPDATE checkpoint_blob SET data = '\\x00'::bytea FROM checkpoint c WHERE c.id = checkpoint_blob.checkpoint_id AND c.trial_id = $1::uuid AND c.epoch = 2`,
    trial.id,
  );

  const corrupt = await api.app.inject({ method: 'GET', url: `/trials/${trial.id}/checkpoints/2` });
  expect(corrupt.statusCode).toBe(410);
  expect(corrupt.json()).toMatchObject({ code: 'CHECKPOINT_CORRUPT', message: expect.stringContaining(`${trial.id}@2`) });
  // The other epoch is intact and still downloads.
  const intact = await api.app.inject({ method: 'GET', url: `/trials/${trial.id}/checkpoints/1` });
  expect(intact.statusCode).toBe(200);
  expect(new Uint8Array(intact.rawPayload)).toEqual(new Uint8Array(512).fill(1));
});
