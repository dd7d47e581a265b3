import { describe, expect } from 'vitest';
import { API_KEY, AUTH, apiTest, buildTestApi, cnnStudyBody, functionStudyBody } from './helpers.js';

describe('auth', () => {
  apiTest('needs the API key for mutating routes: missing and wrong keys get 401, the right one passes', async ({ api }) => {
    const body = functionStudyBody();
    const missing = await api.app.inject({ method: 'POST', url: '/studies', payload: body });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    for (const authorization of [`Bearer ${API_KEY}x`, `Bearer ${API_KEY.slice(0, -1)}`, `Basic ${API_KEY}`, API_KEY, 'Bearer ']) {
      const res = await api.app.inject({ method: 'POST', url: '/studies', headers: { authorization }, payload: body });
      expect(res.statusCode, authorization).toBe(401);
    }
    const ok = await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: body });
    expect(ok.statusCode).toBe(201);
    // Stop is guarded too, before the study is even looked up.
    expect((await api.app.inject({ method: 'POST', url: `/studies/${ok.json().id}/stop` })).statusCode).toBe(401);
    // Reads are open by default.
    expect((await api.app.inject({ method: 'GET', url: '/studies' })).statusCode).toBe(200);
  });

  apiTest('guards reads too with READ_REQUIRES_KEY=true, but not health, metrics or docs', async ({ db }) => {
    const api = await buildTestApi(db, { env: { READ_REQUIRES_KEY: 'true' } });
    try {
      expect((await api.app.inject({ method: 'GET', url: '/studies' })).statusCode).toBe(401);
      expect((await api.app.inject({ method: 'GET', url: '/workers' })).statusCode).toBe(401);
      expect((await api.app.inject({ method: 'GET', url: '/studies', headers: AUTH })).statusCode).toBe(200);
      expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await api.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    } finally {
      await api.close();
    }
  });
});

describe('request validation', () => {
  apiTest('answers 400 naming the field for a sample of bad bodies', async ({ api }) => {
    const cases: [Record<string, unknown>, string][] = [
      [cnnStudyBody({ name: '' }), 'name'],
      [cnnStudyBody({ maxTrials: 0 }), 'maxTrials'],
      [cnnStudyBody({ parallelism: 257 }), 'parallelism'],
      [cnnStudyBody({ objective: 'speed' }), 'objective'],
      [cnnStudyBody({ colour: 'blue' }), 'colour'],
      [cnnStudyBody({ dataset: { name: 'cifar10', trainSize: 'many' } }), 'dataset.trainSize'],
      [cnnStudyBody({ pruner: { type: 'asha', minEpochs: 1 } }), 'pruner.maxEpochs'],
      [cnnStudyBody({ space: { learning_rate: { type: 'float', low: 1e-4, high: 2 } } }), 'space.learning_rate.high'],
      [cnnStudyBody({ space: { width: { type: 'int', low: 1, high: 4 } } }), 'space.width'],
      [cnnStudyBody({ direction: 'maximize' }), 'direction'],
      [cnnStudyBody({ pruner: { type: 'asha', minEpochs: 5, maxEpochs: 3 } }), 'pruner.minEpochs'],
      [cnnStudyBody({ dataset: { name: 'cifar10', trainSize: 48_000, validationSize: 5_000 } }), 'dataset.trainSize'],
      [functionStudyBody({ function: { name: 'ackley' } }), 'function.name'],
    ];
    for (const [body, field] of cases) {
      const res = await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: body });
      expect(res.statusCode, field).toBe(400);
      const json = res.json();
      expect(json, field).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(['VALIDATION_FAILED', 'STUDY_SPEC_INVALID'], field).toContain(json.code);
      expect(json.issues.map((i: { field: string }) => i.field), field).toContain(field);
    }
  });

  apiTest('answers 400 to malformed JSON, 415 to other media types and 413 to oversized bodies', async ({ api }) => {
    const bad = await api.app.inject({ method: 'POST', url: '/studies', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(bad.statusCode).toBe(400);
    const text = await api.app.inject({ method: 'POST', url: '/studies', headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    const huge = await api.app.inject({
      method: 'POST',
      url: '/studies',
      headers: AUTH,
      payload: functionStudyBody({ name: 'x'.repeat(300 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large', code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  });

  apiTest('answers unknown routes with the error shape and echoes a request id', async ({ api }) => {
    const res = await api.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'abc-123' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});

describe('operations', () => {
  apiTest('reports healthy when Postgres and Redis answer', async ({ api }) => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', checks: { postgres: { ok: true }, redis: { ok: true } } });
  });

  apiTest('answers 503 naming Redis when Redis is unreachable', async ({ db }) => {
    const api = await buildTestApi(db, { env: { REDIS_URL: 'redis://127.0.0.1:1', HEALTH_TIMEOUT_MS: '500' } });
    try {
      const res = await api.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(503);
      const body = res.json();
      expect(body.status).toBe('unavailable');
      expect(body.checks.postgres.ok).toBe(true);
      expect(body.checks.redis.ok).toBe(false);
      expect(body.checks.redis.error).toEqual(expect.any(String));
    } finally {
      await api.close();
    }
  });

  apiTest('lists workers with heartbeat age and liveness from the configured timeout', async ({ db, stores }) => {
    const now = new Date('2026-01-01T12:00:00Z');
    const api = await buildTestApi(db, { env: { WORKER_HEARTBEAT_TIMEOUT_MS: '30000' }, now: () => now });
    try {
      await stores.workers.heartbeat({ id: 'w-fresh', host: 'gpu-1', backend: 'tensorflow-gpu', gpu: 'H200', at: new Date(now.getTime() - 5_000) });
      await stores.workers.heartbeat({ id: 'w-stale', host: 'cpu-1', backend: 'cpu', at: new Date(now.getTime() - 60_000) });
      const res = await api.app.inject({ method: 'GET', url: '/workers' });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ heartbeatTimeoutMs: 30_000, alive: 1 });
      const byId = Object.fromEntries(body.items.map((w: { id: string }) => [w.id, w]));
      expect(byId['w-fresh']).toMatchObject({ host: 'gpu-1', backend: 'tensorflow-gpu', gpu: 'H200', heartbeatAgeMs: 5_000, alive: true });
      expect(byId['w-stale']).toMatchObject({ gpu: null, heartbeatAgeMs: 60_000, alive: false });

      const metrics = (await api.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^tunefleet_workers_alive 1$/m);
    } finally {
      await api.close();
    }
  });

  apiTest('exposes request durations by route and status, studies by status and trials by state', async ({ api }) => {
    const created = await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() });
    await api.app.inject({ method: 'GET', url: `/studies/${created.json().id}` });
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/tunefleet_api_http_request_duration_seconds_count\{method="POST",route="\/studies",status_code="201"\} \d+/);
    expect(res.body).toMatch(/tunefleet_api_http_request_duration_seconds_count\{method="GET",route="\/studies\/:id",status_code="200"\} 1/);
    expect(res.body).toMatch(/tunefleet_studies\{status="RUNNING"\} [1-9]\d*/);
    expect(res.body).toMatch(/tunefleet_trials\{state="COMPLETE"\} \d+/);
  });

  apiTest('publishes an OpenAPI document listing every route', async ({ api }) => {
    const res = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /studies',
        'GET /studies',
        'GET /studies/{id}',
        'POST /studies/{id}/stop',
        'POST /studies/{id}/resume',
        'GET /studies/{id}/trials',
        'GET /trials/{id}',
        'GET /studies/{id}/leaderboard',
        'GET /studies/{id}/pareto',
        'GET /studies/{id}/history',
        'GET /studies/{id}/curves',
        'GET /studies/{id}/params',
        'GET /studies/{id}/importance',
        'GET /studies/{id}/events',
        'GET /trials/{id}/checkpoints/{epoch}',
        'GET /workers',
        'GET /healthz',
        'GET /metrics',
      ].sort(),
    );
    expect(doc.paths['/studies'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/studies'].post.requestBody.content['application/json'].schema.required).toContain('space');
    expect((await api.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
