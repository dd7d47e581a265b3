import { createHash } from 'node:crypto';
import { describe, expect } from 'vitest';
import { AUTH, apiTest, functionStudyBody } from './helpers.js';

describe('checkpoint download', () => {
  apiTest('sends the stored archive with its type, a safe file name and its sha256', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const trial = await stores.trials.create(studyId, { params: { x1: 0, x2: 0 } });
    const data = new Uint8Array(4096).map((_, i) => (i * 31) % 256);
    await stores.checkpoints.save({ trialId: trial.id, epoch: 3, data });
    const sha256 = createHash('sha256').update(data).digest('hex');

    const res = await api.app.inject({ method: 'GET', url: `/trials/${trial.id}/checkpoints/3` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="trial-${trial.id}-epoch-3.tar"`);
    expect(res.headers['x-checksum-sha256']).toBe(sha256);
    expect(res.headers.etag).toBe(`"${sha256}"`);
    expect(new Uint8Array(res.rawPayload)).toEqual(data);

    const cached = await api.app.inject({ method: 'GET', url: `/trials/${trial.id}/checkpoints/3`, headers: { 'if-none-match': `"${sha256}"` } });
    expect(cached.statusCode).toBe(304);
    expect(cached.rawPayload.byteLength).toBe(0);

    expect((await api.app.inject({ method: 'GET', url: `/trials/${trial.id}/checkpoints/4` })).statusCode).toBe(404);
  });

  apiTest('answers 400 or 404 to traversal attempts and malformed ids or epochs, reading nothing', async ({ api }) => {
    const cases: [string, number][] = [
      ['/trials/..%2F..%2Fetc/checkpoints/1', 404],
      ['/trials/..%2F..%2Fetc%2Fpasswd/checkpoints/1', 404],
      ['/trials/%2Fetc%2Fpasswd/checkpoints/1', 404],
      ['/trials/../../etc/checkpoints/1', 404],
      ['/trials/00000000-0000-4000-8000-000000000000/checkpoints/..%2F1', 400],
      ['/trials/00000000-0000-4000-8000-000000000000/checkpoints/1.5', 400],
      ['/trials/00000000-0000-4000-8000-000000000000/checkpoints/-1', 400],
      ['/trials/00000000-0000-4000-8000-000000000000/checkpoints/1', 404],
    ];
    for (const [url, status] of cases) {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(status);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
      expect(res.body, url).not.toContain('root:');
    }
    const bad = await api.app.inject({ method: 'GET', url: '/trials/00000000-0000-4000-8000-000000000000/checkpoints/x' });
    expect(bad.json().issues[0].field).toBe('params.epoch');
  });
});
