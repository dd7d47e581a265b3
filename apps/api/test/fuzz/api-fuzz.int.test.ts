/**
 * Property-based fuzzing of every route the app serves (issue 6). For each route, random and
 * malformed requests — hostile ids and query values, mutated and malformed JSON bodies, bodies
 * over the limit, 10,000 levels of nesting, wrong content types and auth headers — must get a
 * 2xx, 3xx or 4xx in the api's error shape, whose message names the offending field when it is a
 * validation error; never a 5xx. After each route's batch the api still answers and the studies
 * it was not asked to change are unchanged, row for row.
 *
 * FUZZ_RUNS (inputs per route, default 300), FUZZ_ROUTE_MS (time cap per route, default 4 s unless
 * FUZZ_RUNS is set) and FUZZ_SEED (to replay a failure) tune a run.
 */
import fc from 'fast-check';
import type { Db, Stores } from '@tunefleet/db';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { describe, expect } from 'vitest';
import { STUDY_STATUSES, METRICS } from '../../src/schemas/studies.js';
import { AUTH, apiTest, cnnStudyBody, functionStudyBody } from '../helpers.js';
import {
  type AuthKind,
  authHeader,
  body,
  contentType,
  extraHeaders,
  pathSegment,
  queryString,
} from './arbitraries.js';
import { type RouteRef, listRoutes, takesNoParams } from './routes.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** Time cap per route, so a loaded machine sends fewer inputs rather than overrunning CI's budget. */
const ROUTE_TIME_LIMIT_MS = Number(process.env.FUZZ_ROUTE_MS ?? (process.env.FUZZ_RUNS === undefined ? 4_000 : 600_000));
const SEED = process.env.FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED);
const TRIAL_STATES = ['WAITING', 'RUNNING', 'PAUSED', 'COMPLETE', 'PRUNED', 'FAILED'];
/** Error codes whose issues must each name a field of the request. */
const FIELD_CODES = new Set(['VALIDATION_FAILED', 'STUDY_SPEC_INVALID', 'JSON_BODY_INVALID', 'SEARCH_SPACE_INVALID', 'ARCHITECTURE_INVALID', 'INVALID_INPUT']);

/** Studies and trials the fuzzer reads but must never change, and one it may stop and resume. */
interface Seeded {
  readonly protectedStudies: readonly string[];
  readonly finishedStudy: string;
  readonly sacrificialStudy: string;
  readonly trials: readonly string[];
  readonly checkpointTrial: string;
}

/** How to fuzz one route: an arbitrary per path parameter, per query key, and the body. */
interface RouteFuzz {
  readonly params?: Readonly<Record<string, fc.Arbitrary<string>>>;
  readonly query?: Readonly<Record<string, fc.Arbitrary<string>>>;
  readonly body?: fc.Arbitrary<string>;
}

const intString = (min: number, max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min, max }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom(String(min - 1), String(max + 1), '1.5', '1e3', '-0', '0x10', '', ' 1', '１', '99999999999999999999999', 'NaN', '1e400', 'Infinity', '-Infinity') },
  );

const validStudy = fc.oneof(
  fc.constant(cnnStudyBody()),
  fc.constant(functionStudyBody()),
  fc.record({ name: fc.string({ minLength: 1, maxLength: 30 }), seed: fc.integer({ min: 0, max: 1000 }) }).map((o) => functionStudyBody(o)),
);

/** The fuzz arbitraries of each route, keyed by `METHOD template`. */
function routeFuzz(seeded: Seeded): Record<string, RouteFuzz> {
  const studyIds = [...seeded.protectedStudies, seeded.sacrificialStudy];
  const study = pathSegment([...studyIds, seeded.trials[0]]);
  const trial = pathSegment([...seeded.trials, seeded.protectedStudies[0]]);
  const limit = intString(1, 500);
  const readStudy = (query: Record<string, fc.Arbitrary<string>> = {}): RouteFuzz => ({ params: { id: study }, query });
  return {
    'POST /studies': { body: body(validStudy) },
    'GET /studies': { query: { status: fc.constantFrom(...STUDY_STATUSES, 'running', 'DELETED'), limit, before: pathSegment(studyIds) } },
    'GET /studies/:id': readStudy(),
    'POST /studies/:id/stop': { params: { id: study }, body: body() },
    'POST /studies/:id/resume': { params: { id: study }, body: body() },
    'GET /studies/:id/trials': readStudy({ state: fc.constantFrom(...TRIAL_STATES, 'complete', 'DONE'), after: intString(-1, 100), limit }),
    'GET /studies/:id/leaderboard': readStudy({ by: fc.constantFrom(...METRICS, 'parameters', 'params', 'VLOSS'), limit }),
    'GET /studies/:id/pareto': readStudy({ frontOnly: fc.constantFrom('true', 'false', '1', '0', 'yes', '') }),
    'GET /studies/:id/history': readStudy({ limit: intString(1, 20_000) }),
    'GET /studies/:id/curves': readStudy({ limit: intString(1, 10_000) }),
    'GET /studies/:id/params': readStudy({ limit: intString(1, 20_000) }),
    'GET /studies/:id/importance': readStudy(),
    // Streams until the study ends, so only a finished study's id or ids of no study.
    'GET /studies/:id/events': { params: { id: pathSegment([seeded.finishedStudy]) } },
    'GET /trials/:id': { params: { id: trial } },
    'GET /trials/:id/checkpoints/:epoch': {
      params: { id: pathSegment([seeded.checkpointTrial, ...seeded.trials]), epoch: fc.oneof(intString(0, 3), pathSegment([])) },
    },
    'GET /workers': {},
    'GET /healthz': {},
    'GET /metrics': {},
    // The docs UI's static files: the wildcard is a file path inside the UI's folder.
    'GET /docs/*': {
      params: { '*': fc.array(pathSegment(['index.html', 'swagger-ui.css', 'static']), { minLength: 1, maxLength: 4 }).map((s) => s.join('/')) },
    },
  };
}

type Method = 'GET' | 'POST' | 'HEAD' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';

interface FuzzRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  auth: AuthKind;
}

function requestArbitrary(route: RouteRef, fuzz: RouteFuzz, seeded: Seeded): fc.Arbitrary<FuzzRequest> {
  const params = fc.record(fuzz.params ?? {});
  const query = queryString(fuzz.query ?? {});
  const payload = fuzz.body ?? fc.constant(undefined);
  // Now and then the path with a method it does not serve.
  const method = fc.oneof(
    { weight: 12, arbitrary: fc.constant(route.method as Method) },
    { weight: 1, arbitrary: fc.constantFrom<Method>('HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', route.method === 'GET' ? 'POST' : 'GET') },
  );
  return fc.record({ method, params, query, payload, auth: authHeader, contentType, extra: extraHeaders }).map((r) => {
    let url = route.url;
    for (const [name, value] of Object.entries(r.params as Record<string, string>)) {
      // A request that carries the key may only change the study set aside for it.
      const safe = r.method !== 'GET' && r.method !== 'HEAD' && r.auth.kind === 'valid' && seeded.protectedStudies.includes(value) ? seeded.sacrificialStudy : value;
      url = url.replace(name === '*' ? '*' : `:${name}`, safe);
    }
    const headers: Record<string, string> = { ...r.extra };
    if (r.auth.header !== undefined) headers.authorization = r.auth.header;
    if (r.payload !== undefined && r.contentType !== undefined) headers['content-type'] = r.contentType;
    return {
      method: r.method,
      url: url + r.query,
      headers,
      ...(r.payload !== undefined && { payload: r.payload }),
      auth: r.auth.kind,
    };
  });
}

/** What every answer must be, whatever was asked. */
function checkAnswer(request: FuzzRequest, res: InjectResponse): void {
  const where = `${request.method} ${request.url.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 500)}`;
  expect(res.statusCode, where).toBeGreaterThanOrEqual(200);
  expect(res.statusCode, where).toBeLessThan(500);
  expect(res.body, where).not.toMatch(/root:.*:0:0:/);
  if (res.statusCode < 400 || request.method === 'HEAD') return;
  expect(res.headers['content-type'], where).toMatch(/^application\/json/);
  const error = res.json() as { statusCode: unknown; code: unknown; message: unknown; issues?: { field: string; message: string }[] };
  expect(error.statusCode, where).toBe(res.statusCode);
  expect(typeof error.code, where).toBe('string');
  expect(typeof error.message, where).toBe('string');
  if (FIELD_CODES.has(error.code as string)) {
    expect(error.issues?.length, where).toBeGreaterThan(0);
    for (const issue of error.issues ?? []) {
      expect(issue.field, where).not.toBe('');
      expect(error.message as string, where).toContain(issue.field);
    }
  }
  if (res.statusCode === 401) expect(request.auth === 'valid' && !request.url.startsWith('/docs'), where).toBe(false);
}

async function seed(api: { app: import('../../src/route-deps.js').App }, stores: Stores): Promise<Seeded> {
  const create = async (payload: Record<string, unknown>) => {
    const res = await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const cnn = await create(cnnStudyBody({ name: 'protected cnn' }));
  const fn = await create(functionStudyBody({ name: 'protected function' }));
  const finished = await create(functionStudyBody({ name: 'finished function' }));
  const sacrificial = await create(functionStudyBody({ name: 'sacrificial' }));
  const trials: string[] = [];
  for (const [i, studyId] of [cnn, cnn, fn, finished].entries()) {
    const params: Record<string, number | string> = studyId === cnn ? { learning_rate: 0.001, cnn_layers: 5, activation: 'relu' } : { x1: i, x2: i + 1 };
    const trial = await stores.trials.create(studyId, { params });
    await stores.trials.apply(trial.id, 'started');
    await stores.trials.reportEpoch(trial.id, { epoch: 1, value: 1.5 - i / 10, vloss: 1.5 - i / 10, accuracy: 0.4 });
    await stores.trials.apply(trial.id, 'completed', {
      vloss: 1.2 - i / 10,
      accuracy: 0.5 + i / 20,
      macroF1: 0.5,
      parameterCount: 100_000 + i,
      efficiency: 1e-5,
      objectiveValue: 1.2 - i / 10,
    });
    trials.push(trial.id);
  }
  await stores.checkpoints.save({ trialId: trials[0], epoch: 1, data: new Uint8Array(2048).fill(7) });
  await stores.studies.finish(finished, 'COMPLETE');
  return { protectedStudies: [cnn, fn, finished], finishedStudy: finished, sacrificialStudy: sacrificial, trials, checkpointTrial: trials[0] };
}

/** Every row of the protected studies and what hangs off them, as text. */
async function snapshot(db: Db, studyIds: readonly string[]): Promise<string> {
  const rows = await db.$queryRawUnsafe<{ j: string }[]>(
    `SELECT row_to_json(s)::text AS j FROM "study" s WHERE s."id" = ANY($1::uuid[])
     UNION ALL SELECT row_to_json(t)::text FROM "trial" t WHERE t."study_id" = ANY($1::uuid[])
     UNION ALL SELECT row_to_json(i)::text FROM "intermediate_value" i JOIN "trial" t ON t."id" = i."trial_id" WHERE t."study_id" = ANY($1::uuid[])
     UNION ALL SELECT row_to_json(c)::text FROM "checkpoint" c JOIN "trial" t ON t."id" = c."trial_id" WHERE t."study_id" = ANY($1::uuid[])
     ORDER BY 1`,
    studyIds,
  );
  return rows.map((r) => r.j).join('\n');
}

describe('api fuzzing', () => {
  apiTest('has fuzz arbitraries for every route the app serves', async ({ api }) => {
    const id = '00000000-0000-4000-8000-000000000000';
    const fuzz = routeFuzz({ protectedStudies: [id], finishedStudy: id, sacrificialStudy: id, trials: [id], checkpointTrial: id });
    const routes = await listRoutes(api.app);
    expect(routes.length).toBeGreaterThan(10);
    // Routes with no input but headers and query (static files) share the generic arbitraries.
    const missing = routes.filter((r) => !(`${r.method} ${r.url}` in fuzz) && (r.documented || !takesNoParams(r) || r.method !== 'GET'));
    expect(missing.map((r) => `${r.method} ${r.url}`), 'add these routes to routeFuzz() in apps/api/test/fuzz/api-fuzz.int.test.ts').toEqual([]);
  });

  apiTest(
    'answers random and malformed requests to every route with 2xx–4xx, fields named, other studies untouched',
    async ({ api, db, stores }) => {
      const seeded = await seed(api, stores);
      const fuzz = routeFuzz(seeded);
      const routes = await listRoutes(api.app);
      const before = await snapshot(db, seeded.protectedStudies);
      const counts = new Map<string, { inputs: number; byStatus: Map<number, number>; ms: number }>();
      const started = Date.now();
      const failures: string[] = [];

      for (const route of routes) {
        const key = `${route.method} ${route.url}`;
        const spec = fuzz[key] ?? {};
        const tally = { inputs: 0, byStatus: new Map<number, number>(), ms: 0 };
        const routeStarted = Date.now();
        counts.set(key, tally);
        const property = fc.asyncProperty(requestArbitrary(route, spec, seeded), async (request) => {
          tally.inputs += 1;
          const { auth: _auth, ...inject } = request;
          const res = await api.app.inject(inject);
          tally.byStatus.set(res.statusCode, (tally.byStatus.get(res.statusCode) ?? 0) + 1);
          checkAnswer(request, res);
        });
        // Every route is fuzzed even when one fails, so one run reports every broken route.
        // Routes without inputs but headers and query (files, health, metrics) need fewer runs.
        const takesInput = spec.params !== undefined || spec.query !== undefined || spec.body !== undefined;
        const details = await fc.check(property, {
          numRuns: takesInput ? RUNS : Math.ceil(RUNS / 5),
          seed: SEED,
          interruptAfterTimeLimit: ROUTE_TIME_LIMIT_MS,
          markInterruptAsFailure: false,
        });
        tally.ms = Date.now() - routeStarted;
        if (details.failed) failures.push(`${key}: ${fc.defaultReportMessage(details)}`);

        // After each batch: the process still answers, and nothing it was not asked to change changed.
        expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, key).toBe(200);
        expect(await snapshot(db, seeded.protectedStudies), `${key} changed a study it was not asked to change`).toBe(before);
      }

      const total = [...counts.values()].reduce((sum, c) => sum + c.inputs, 0);
      const table = [...counts.entries()].map(([key, c]) => {
        const statuses = [...c.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
        return `  ${key.padEnd(40)} ${String(c.inputs).padStart(5)} ${String(c.ms).padStart(6)} ms  ${statuses}`;
      });
      // The figures the issue asks for: inputs tried per route and in total.
      process.stdout.write(
        `api fuzz (seed ${SEED}, ${RUNS} runs per route): ${total} inputs over ${counts.size} routes in ${((Date.now() - started) / 1000).toFixed(1)} s\n${table.join('\n')}\n`,
      );
      expect(failures, failures.join('\n\n')).toEqual([]);
      for (const [key, c] of counts) expect(c.inputs, key).toBeGreaterThanOrEqual(Math.min(10, RUNS));
    },
    // Under CI's 3 minutes with the time cap; a deeper run (FUZZ_RUNS) takes what it needs.
    process.env.FUZZ_RUNS === undefined ? 170_000 : 3_600_000,
  );
});
