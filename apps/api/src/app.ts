/**
 * The app factory: a Fastify instance with every route, the error handler, auth, metrics and the
 * OpenAPI document, over connections the caller owns. Tests build it and call `app.inject`.
 */
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FUNCTION_OBJECTIVE_NAMES } from '@tunefleet/contracts';
import { type Db, createStores } from '@tunefleet/db';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createAuth } from './auth.js';
import type { Config } from './config.js';
import { handleError, handleNotFound } from './errors.js';
import { checkedJsonParser } from './json-body-parser.js';
import { createMetrics } from './metrics.js';
import { rejectNonFiniteNumbers } from './non-finite-numbers.js';
import { registerRateLimit } from './rate-limit.js';
import type { App, RouteDeps } from './route-deps.js';
import { createStudyRankingCache } from './study-ranking-cache.js';
import analysisRoutes from './routes/analysis.js';
import checkpointRoutes from './routes/checkpoints.js';
import dashboardRoutes from './routes/dashboard.js';
import healthRoutes from './routes/health.js';
import leaderboardRoutes from './routes/leaderboard.js';
import metricsRoutes from './routes/metrics.js';
import studyEventRoutes, { createStudyEventHub } from './routes/study-events.js';
import studyRoutes, { studyDetail } from './routes/studies.js';
import trialRoutes from './routes/trials.js';
import workerRoutes from './routes/workers.js';

export interface AppDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Db;
  readonly redis: Redis | Cluster;
  /** The clock (worker liveness, ETA, elapsed); tests pass a fixed one. */
  readonly now?: () => Date;
}

/** A request id from the caller's `x-request-id` when it is a plain token, else a fresh UUID. */
function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(header) ? header : randomUUID();
}

export async function buildApp({ config, log, db, redis, now = () => new Date() }: AppDeps): Promise<App> {
  const app: App = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    genReqId: (req) => requestId(req.headers['x-request-id']),
    // Every issue at once; unknown properties are errors rather than silently dropped.
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const auth = createAuth(config);
  const metrics = createMetrics({ db, heartbeatTimeoutMs: config.workerHeartbeatTimeoutMs, now });
  const deps: RouteDeps = {
    config,
    db,
    stores: createStores(db),
    rankings: createStudyRankingCache(db),
    auth,
    now,
    functionNames: FUNCTION_OBJECTIVE_NAMES,
  };

  // One watcher per study for every events stream; streams end before the server closes.
  const studyEvents = createStudyEventHub({ db, log: app.log, studyPage: (id) => studyDetail(deps, id) });
  app.decorate('studyEvents', studyEvents);
  app.addHook('preClose', async () => studyEvents.close());

  // JSON only: a text/plain body is answered 415, not parsed as a string and then misreported.
  app.removeContentTypeParser('text/plain');
  // Fastify's JSON parser plus depth, prototype-key and unstorable-character checks naming the field.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, checkedJsonParser(app.getDefaultJsonParser('ignore', 'ignore')));
  app.addHook('preHandler', rejectNonFiniteNumbers);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  await registerRateLimit(app, config, auth);
  // Security headers (nosniff, frame and referrer policies). No Content-Security-Policy: the api
  // answers JSON, and a policy strict enough to matter would break the /docs UI and the dashboard.
  // No HSTS: whether the api is reached over TLS is the proxy's business, and HSTS with
  // includeSubDomains from here would bind every sibling host to HTTPS for a year.
  await app.register(helmet, { contentSecurityPolicy: false, strictTransportSecurity: false });

  if (config.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...config.corsOrigins], methods: ['GET', 'POST'] });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tunefleet API',
        version: '0.1.0',
        description: 'Hyperparameter-tuning studies, their trials, leaderboards and checkpoints.',
      },
      tags: [
        { name: 'studies' },
        { name: 'trials' },
        { name: 'leaderboard' },
        { name: 'analysis' },
        { name: 'workers' },
        { name: 'operations' },
      ],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API_KEY' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(async (scope) => {
    const typed = scope as App;
    await studyRoutes(typed, deps);
    await trialRoutes(typed, deps);
    await leaderboardRoutes(typed, deps);
    await analysisRoutes(typed, deps);
    await studyEventRoutes(typed, { ...deps, studyEvents });
    await checkpointRoutes(typed, deps);
    await workerRoutes(typed, deps);
    await healthRoutes(typed, { ...deps, redis });
    await metricsRoutes(typed, { metrics });
    await dashboardRoutes(typed);
  });

  return app;
}
