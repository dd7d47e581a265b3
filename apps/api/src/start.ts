/**
 * Starts the api in-process: the app factory plus the connections it needs and a listening
 * socket. `main.ts` calls it after loading config; tests and the e2e fleet call it directly.
 */
import { type Db, createDb } from '@tunefleet/db';
import { parseRedisUrl } from '@tunefleet/contracts';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';

export interface StartDeps {
  readonly log?: Logger;
  /** Connections to use instead of opening new ones; the caller keeps ownership and closes them. */
  readonly db?: Db;
  readonly redis?: Redis | Cluster;
  readonly now?: () => Date;
}

export interface RunningApi {
  /** `http://host:port` the api listens on. */
  readonly url: string;
  /** Stops accepting requests, lets in-flight ones finish (SHUTDOWN_GRACE_MS), closes what start opened. */
  stop(): Promise<void>;
}

/**
 * A Redis client for the api's only Redis use, the health check: no offline queue and one try per
 * command, so a PING against a dead Redis fails at once instead of waiting for a reconnect.
 */
export function createRedis(url: string, log: Logger): Redis | Cluster {
  const target = parseRedisUrl(url);
  const options = { maxRetriesPerRequest: 1, connectTimeout: 2_000 };
  const redis =
    target.kind === 'cluster'
      ? new Cluster([...target.nodes], { lazyConnect: true, enableOfflineQueue: false, redisOptions: { ...target.nodeOptions, ...options } })
      : new Redis(target.url, { lazyConnect: true, enableOfflineQueue: false, ...options });
  let down = false;
  redis.on('error', (err) => {
    if (!down) log.warn({ err }, 'redis connection failed');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis connection restored');
    down = false;
  });
  // Connection failures are reported by the listener above and by /healthz, not by start().
  redis.connect().catch(() => {});
  return redis;
}

export async function start(config: Config, deps: StartDeps = {}): Promise<RunningApi> {
  const log = deps.log ?? createLogger(config);
  const db = deps.db ?? createDb(config.databaseUrl);
  const redis = deps.redis ?? createRedis(config.redisUrl, log);
  const app = await buildApp({ config, log, db, redis, now: deps.now });
  if (config.apiKey === null) log.warn('API_KEY is not set: mutating routes accept requests without a key (ALLOW_NO_AUTH=true)');
  let url: string;
  try {
    url = await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    if (!deps.db) await db.close();
    if (!deps.redis) redis.disconnect();
    throw err;
  }
  return {
    url,
    async stop() {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ graceMs: config.shutdownGraceMs }, 'requests still open after the grace period; closing connections');
          app.server.closeAllConnections();
          resolve();
        }, config.shutdownGraceMs);
      });
      await Promise.race([app.close(), grace]);
      clearTimeout(timer);
      if (!deps.db) await db.close();
      if (!deps.redis) redis.disconnect();
    },
  };
}
