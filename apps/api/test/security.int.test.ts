/**
 * The api's defences as a client sees them: rate limits, body limits, CORS, security headers, log
 * redaction, and study specs that try to smuggle code or pollute prototypes.
 */
import { Writable } from 'node:stream';
import { describe, expect } from 'vitest';
import { buildApp } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { createRedis } from '../src/start.js';
import { API_KEY, AUTH, apiTest, buildTestApi, cnnStudyBody, functionStudyBody, testConfig } from './helpers.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('rate limiting', () => {
  apiTest('answers 429 with Retry-After past RATE_LIMIT_MAX, per IP, and never limits /healthz or /metrics', async ({ db }) => {
    const api = await buildTestApi(db, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' } });
    try {
      for (let i = 0; i < 3; i++) expect((await api.app.inject({ method: 'GET', url: '/studies' })).statusCode).toBe(200);
      const limited = await api.app.inject({ method: 'GET', url: '/studies' });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED' });
      // Made-up keys count against the caller's address, so they buy no fresh budget.
      const forged = await api.app.inject({ method: 'GET', url: '/studies', headers: { authorization: 'Bearer not-the-key-0123456789' } });
      expect(forged.statusCode).toBe(429);
      // Another address has its own budget.
      expect((await api.app.inject({ method: 'GET', url: '/studies', remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) {
        expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
        expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      }
    } finally {
      await api.close();
    }
  });

  apiTest("counts the API key's holders in one budget of their own", async ({ db }) => {
    const api = await buildTestApi(db, { env: { RATE_LIMIT_MAX: '2' } });
    try {
      const fromKey = (remoteAddress: string) => api.app.inject({ method: 'GET', url: '/studies', headers: AUTH, remoteAddress });
      expect((await fromKey('10.0.0.1')).statusCode).toBe(200);
      expect((await fromKey('10.0.0.2')).statusCode).toBe(200);
      expect((await fromKey('10.0.0.3')).statusCode).toBe(429);
      // The key's budget is not the address's.
      expect((await api.app.inject({ method: 'GET', url: '/studies', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    } finally {
      await api.close();
    }
  });

  apiTest('is off in tests unless a test turns it on', async ({ api }) => {
    for (let i = 0; i < 30; i++) expect((await api.app.inject({ method: 'GET', url: '/workers' })).statusCode).toBe(200);
  });
});

describe('request limits', () => {
  apiTest('answers 413 above BODY_LIMIT_BYTES on every route that takes a body, before parsing it', async ({ db }) => {
    const api = await buildTestApi(db, { env: { BODY_LIMIT_BYTES: '2048' } });
    try {
      const payload = `{"name":"${'x'.repeat(4096)}"}`;
      for (const url of ['/studies', `/studies/${UNKNOWN_ID}/stop`, `/studies/${UNKNOWN_ID}/resume`]) {
        const res = await api.app.inject({ method: 'POST', url, headers: { ...AUTH, 'content-type': 'application/json' }, payload });
        expect(res.statusCode, url).toBe(413);
        expect(res.json().code, url).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
      }
    } finally {
      await api.close();
    }
  });

  apiTest('answers 400 naming the field to 10,000 levels of nesting, and stores nothing', async ({ api }) => {
    const deep = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
    const body = JSON.stringify(functionStudyBody({ name: 'deep' })).replace('"sampler":{', `"sampler":{"deep":${deep},`);
    const res = await api.app.inject({ method: 'POST', url: '/studies', headers: { ...AUTH, 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('JSON_BODY_INVALID');
    expect(res.json().issues[0].field).toMatch(/^sampler\.deep\[0\]/);
    const list = await api.app.inject({ method: 'GET', url: '/studies?limit=500' });
    expect(list.json().items.map((s: { name: string }) => s.name)).not.toContain('deep');
  });
});

describe('CORS and headers', () => {
  apiTest('sends no Access-Control-Allow-Origin unless CORS_ORIGINS names the origin', async ({ api, db }) => {
    const origin = 'https://evil.example';
    const plain = await api.app.inject({ method: 'GET', url: '/studies', headers: { origin } });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await api.app.inject({
      method: 'OPTIONS',
      url: '/studies',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

    const withCors = await buildTestApi(db, { env: { CORS_ORIGINS: 'https://dash.example' } });
    try {
      const allowed = await withCors.app.inject({ method: 'GET', url: '/studies', headers: { origin: 'https://dash.example' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://dash.example');
      const other = await withCors.app.inject({ method: 'GET', url: '/studies', headers: { origin } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });

  apiTest('sets security headers on answers and errors, and the docs UI still loads', async ({ api }) => {
    for (const url of ['/studies', '/nope', '/docs/json']) {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
    const ui = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    expect(ui.headers['content-security-policy']).toBeUndefined();
    const script = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(script.statusCode).toBe(200);
  });
});

describe('log redaction', () => {
  apiTest('never writes the API key, passwords or connection URLs to the logs', async ({ db }) => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const databaseUrl = 'postgresql://tunefleet:s3cret-db-pass@db.internal:5432/tunefleet';
    const config = testConfig({ LOG_LEVEL: 'trace', DATABASE_URL: databaseUrl, REDIS_URL: 'redis://:s3cret-redis-pass@127.0.0.1:6379' });
    const log = createLogger(config, 'test', sink);
    const redis = createRedis('redis://127.0.0.1:6379', log);
    const app = await buildApp({ config, log, db, redis });
    try {
      await app.ready();
      await app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() });
      await app.inject({ method: 'POST', url: '/studies', headers: { authorization: `Bearer ${API_KEY}-wrong` }, payload: {} });
      await app.inject({ method: 'GET', url: '/studies', headers: { ...AUTH, cookie: `session=${API_KEY}` } });
      // What a careless log call could pass: the config, request headers, credentials by name.
      log.info({ config }, 'configuration');
      log.info({ req: { headers: { authorization: `Bearer ${API_KEY}`, cookie: `k=${API_KEY}` } } }, 'request headers');
      log.warn({ redis: { password: 's3cret-redis-pass' }, apiKey: API_KEY }, 'credentials');
      log.error({ err: Object.assign(new Error('connect failed'), { databaseUrl }) }, 'database down');
    } finally {
      await app.close();
      redis.disconnect();
    }
    const output = lines.join('');
    expect(lines.length).toBeGreaterThan(4);
    for (const secret of [API_KEY, 's3cret-db-pass', 's3cret-redis-pass']) expect(output).not.toContain(secret);
    expect(output).toContain('[redacted]');
  });
});

describe('study specs carry data, never code', () => {
  const codeLike = [
    "require('child_process').execSync('id')",
    'constructor',
    '__proto__',
    'process.exit(1)',
    '${7*7}',
    "'); DROP TABLE study; --",
  ];

  apiTest('refuses code-like names and values in the space, fixed and sampler with 400 naming the field', async ({ api }) => {
    const studyIds = async () => (await api.app.inject({ method: 'GET', url: '/studies?limit=500' })).json().items.map((s: { id: string }) => s.id);
    const before = await studyIds();
    const cases: [string, Record<string, unknown> | string, string][] = [];
    for (const code of codeLike) {
      if (code !== '__proto__') {
        cases.push([`cnn space name ${code}`, cnnStudyBody({ space: { [code]: { type: 'float', low: 0, high: 1 } } }), `space.${code}`]);
        cases.push([`fixed name ${code}`, cnnStudyBody({ fixed: { [code]: 1 } }), `fixed.${code}`]);
        cases.push([`function input ${code}`, functionStudyBody({ space: { x1: { type: 'float', low: 0, high: 1 }, [code]: { type: 'float', low: 0, high: 1 } } }), `space.${code}`]);
      }
      cases.push([`choice ${code}`, cnnStudyBody({ space: { activation: { type: 'categorical', choices: ['relu', code] } } }), 'space.activation.choices[1]']);
      cases.push([`fixed value ${code}`, cnnStudyBody({ fixed: { activation: code } }), 'fixed.activation']);
      cases.push([`function choice ${code}`, functionStudyBody({ space: { x1: { type: 'categorical', choices: [code] }, x2: { type: 'float', low: 0, high: 1 } } }), 'space.x1.choices[0]']);
      cases.push([`function name ${code}`, functionStudyBody({ function: { name: code } }), 'function.name']);
      cases.push([`sampler option ${code}`, functionStudyBody({ sampler: { type: 'tpe', nStartupTrials: code } }), 'sampler']);
    }
    // Prototype-pollution keys, written as JSON text (an object literal would set the prototype instead).
    const base = JSON.stringify(functionStudyBody());
    cases.push(['__proto__ in space', base.replace('"space":{', '"space":{"__proto__":{"type":"float","low":0,"high":1},'), 'space.__proto__']);
    cases.push(['__proto__ at the top', base.replace('{', '{"__proto__":{"isAdmin":true},'), '__proto__']);
    cases.push(['constructor.prototype in sampler', base.replace('"sampler":{', '"sampler":{"constructor":{"prototype":{"x":1}},'), 'sampler.constructor.prototype']);
    cases.push(['__proto__ in fixed', JSON.stringify(cnnStudyBody()).replace('"fixed":{', '"fixed":{"__proto__":{"cnn_layers":99},'), 'fixed.__proto__']);

    for (const [label, body, field] of cases) {
      const res = await api.app.inject({
        method: 'POST',
        url: '/studies',
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expect(res.statusCode, label).toBe(400);
      expect(res.json().issues.map((i: { field: string }) => i.field), label).toContain(field);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await studyIds()).toEqual(before);
  });
});

describe('checkpoint downloads', () => {
  apiTest('serve only the stored archive: traversal, encoded NULs, absolute paths and out-of-range epochs get 400 or 404', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const trial = await stores.trials.create(studyId, { params: { x1: 0, x2: 0 } });
    await stores.checkpoints.save({ trialId: trial.id, epoch: 1, data: new Uint8Array(64).fill(9) });
    const ok = await api.app.inject({ method: 'GET', url: `/trials/${trial.id}/checkpoints/1` });
    expect(ok.statusCode).toBe(200);

    const attempts = [
      `/trials/${trial.id}%00/checkpoints/1`,
      `/trials/${trial.id}%2500/checkpoints/1`,
      `/trials/${trial.id}%2F..%2F${trial.id}/checkpoints/1`,
      `/trials/..%2F${trial.id}/checkpoints/1`,
      `/trials/%2Fetc%2Fpasswd/checkpoints/1`,
      `/trials/%2Fproc%2Fself%2Fenviron/checkpoints/1`,
      `/trials/C:%5CWindows%5Cwin.ini/checkpoints/1`,
      `/trials/%2e%2e%2f%2e%2e%2f/checkpoints/1`,
      `/trials/${trial.id}/checkpoints/1%00`,
      `/trials/${trial.id}/checkpoints/%00`,
      `/trials/${trial.id}/checkpoints/..%2F1`,
      `/trials/${trial.id}/checkpoints/%2Fetc%2Fpasswd`,
      `/trials/${trial.id}/checkpoints/-1`,
      `/trials/${trial.id}/checkpoints/2147483648`,
      `/trials/${trial.id}/checkpoints/99999999999999999999`,
      `/trials/${trial.id}/checkpoints/2`,
    ];
    for (const url of attempts) {
      const res = await api.app.inject({ method: 'GET', url });
      expect([400, 404], url).toContain(res.statusCode);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
      expect(res.headers['content-disposition'], url).toBeUndefined();
    }
    // Numeric spellings of an epoch (1e0, 0x1) are coerced to it and name the same stored archive.
    expect((await api.app.inject({ method: 'GET', url: `/trials/${trial.id}/checkpoints/1e0` })).rawPayload).toEqual(ok.rawPayload);
    const huge = await api.app.inject({ method: 'GET', url: `/trials/${trial.id}/checkpoints/2147483648` });
    expect(huge.json().issues[0].field).toBe('params.epoch');
  });
});
