import type { Db } from '@tunefleet/db';
import type { Cluster, Redis } from 'ioredis';
import { HealthSchema } from '../schemas/workers.js';
import type { App, RouteDeps } from '../route-deps.js';

interface Check {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** Runs `probe` with a deadline; a probe that neither answers nor fails in time counts as down. */
async function check(probe: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: performance.now() - started };
  } catch (err) {
    return { ok: false, latencyMs: performance.now() - started, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness of the api's dependencies: Postgres (`SELECT 1`) and Redis (`PING`), each with a short
 * deadline. 503 names the one that failed, so an orchestrator's log says which to look at.
 */
export default async function healthRoutes(app: App, deps: RouteDeps & { redis: Redis | Cluster; db: Db }): Promise<void> {
  const { db, redis, config } = deps;
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Postgres and Redis reachability',
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (request, reply) => {
      const [postgres, redisCheck] = await Promise.all([
        check(() => db.$queryRaw`SELECT 1`, config.healthTimeoutMs),
        check(() => redis.ping(), config.healthTimeoutMs),
      ]);
      const ok = postgres.ok && redisCheck.ok;
      if (!ok) request.log.warn({ postgres, redis: redisCheck }, 'health check failed');
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { postgres, redis: redisCheck } });
    },
  );
}
