import { NotFoundError, ConflictError, DbInputError } from '@tunefleet/db';
import { ArchitectureError } from '@tunefleet/models/config';
import { IllegalTransitionError, SearchSpaceError } from '@tunefleet/search';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_STATUS, StudySpecError, UnauthorizedError, handleError, handleNotFound, pointerToPath, validationIssues } from '../src/errors.js';

describe('error handler', () => {
  const logged: Record<string, unknown>[] = [];
  let app: FastifyInstance;

  beforeAll(async () => {
    const stream = { write: (line: string) => logged.push(JSON.parse(line)) };
    app = Fastify({ loggerInstance: pino({ level: 'error' }, stream) as FastifyBaseLogger, ajv: { customOptions: { allErrors: true, removeAdditional: false } } });
    app.setErrorHandler(handleError);
    app.setNotFoundHandler(handleNotFound);
    const errors: Record<string, () => Error> = {
      'not-found': () => new NotFoundError('study', 'abc'),
      conflict: () => new ConflictError('trial', 'already retried'),
      'db-input': () => new DbInputError('limit', 'must be an integer'),
      illegal: () => new IllegalTransitionError('COMPLETE', 'STOPPED'),
      space: () => new SearchSpaceError([{ param: 'lr', message: 'low must not exceed high' }]),
      architecture: () => new ArchitectureError([{ field: 'cnn_layers', message: 'too deep' }]),
      spec: () => new StudySpecError([{ field: 'pruner.minEpochs', message: 'must be <= maxEpochs' }]),
      auth: () => new UnauthorizedError(),
      secret: () => new Error('connection to postgresql://admin:hunter2@db failed'),
      'db-down': () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'db-dropped': () => new Error('Connection terminated unexpectedly'),
      'db-full': () => Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
    };
    app.get('/throw/:kind', async (request) => {
      throw errors[(request.params as { kind: string }).kind]();
    });
    app.post('/validate', { schema: { body: Type.Object({ a: Type.Integer({ minimum: 1 }), b: Type.Object({ c: Type.String() }) }, { additionalProperties: false }) } }, async () => 'ok');
    await app.ready();
  });
  afterAll(() => app.close());

  it.each([
    ['not-found', 404, 'NOT_FOUND', undefined],
    ['conflict', 409, 'CONFLICT', undefined],
    ['db-input', 400, 'INVALID_INPUT', [{ field: 'limit', message: 'limit: must be an integer' }]],
    ['illegal', 409, 'ILLEGAL_TRANSITION', undefined],
    ['space', 400, 'SEARCH_SPACE_INVALID', [{ field: 'lr', message: 'low must not exceed high' }]],
    ['architecture', 400, 'ARCHITECTURE_INVALID', [{ field: 'cnn_layers', message: 'too deep' }]],
    ['spec', 400, 'STUDY_SPEC_INVALID', [{ field: 'pruner.minEpochs', message: 'must be <= maxEpochs' }]],
    ['auth', 401, 'UNAUTHORIZED', undefined],
  ])('maps %s to %i with code %s', async (kind, status, code, issues) => {
    const res = await app.inject({ method: 'GET', url: `/throw/${kind}` });
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body).toMatchObject({ statusCode: status, code });
    expect(body.issues).toEqual(issues);
    expect(typeof body.error).toBe('string');
    expect(HTTP_STATUS[code as keyof typeof HTTP_STATUS]).toBe(status);
  });

  it('logs an unknown error with its request id and route, and answers a generic 500', async () => {
    logged.length = 0;
    const res = await app.inject({ method: 'GET', url: '/throw/secret' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', code: 'INTERNAL_ERROR', message: 'Internal Server Error' });
    expect(res.body).not.toContain('hunter2');
    const entry = logged.find((l) => l.msg === 'request failed');
    expect(entry).toMatchObject({ level: 50, route: '/throw/:kind', reqId: expect.any(String) });
    expect((entry?.err as { message: string }).message).toContain('connection to');
  });

  it.each(['db-down', 'db-dropped', 'db-full'])('answers %s with 503 and a Retry-After, never a 500', async (kind) => {
    logged.length = 0;
    const res = await app.inject({ method: 'GET', url: `/throw/${kind}` });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', code: 'DATABASE_UNAVAILABLE', message: 'the database is unavailable; retry shortly' });
    expect(logged.find((l) => l.msg === 'request failed')).toBeUndefined();
  });

  it('answers schema violations with 400 and one issue per field, missing and unknown ones by name', async () => {
    const res = await app.inject({ method: 'POST', url: '/validate', payload: { a: 0, b: {}, extra: 1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.issues.map((i: { field: string }) => i.field).sort()).toEqual(['a', 'b.c', 'extra']);
  });

  it('answers unknown routes 404 in the same shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/missing?x=1' });
    expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: 'route GET /missing not found' });
  });
});

describe('validation issue paths', () => {
  it('turns JSON pointers into dotted paths with indices', () => {
    expect(pointerToPath('/space/learning_rate/low')).toBe('space.learning_rate.low');
    expect(pointerToPath('/space/kernel/choices/1')).toBe('space.kernel.choices[1]');
    expect(pointerToPath('/a~1b/c~0d')).toBe('a/b.c~d');
    expect(pointerToPath('')).toBe('');
  });

  it('prefixes parts other than the body and names the body itself', () => {
    expect(validationIssues([{ instancePath: '/limit', keyword: 'maximum', message: 'must be <= 500' }], 'querystring')).toEqual([
      { field: 'querystring.limit', message: 'must be <= 500' },
    ]);
    expect(validationIssues([{ instancePath: '', keyword: 'type', message: 'must be object' }], 'body')).toEqual([
      { field: 'body', message: 'must be object' },
    ]);
  });
});
