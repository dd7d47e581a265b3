/**
 * The api's settings, validated once at start-up (STYLE §2.8). The only module that reads
 * `process.env`; everything else receives the frozen `Config`.
 */
import { HEARTBEAT_TTL_MS } from '@tunefleet/contracts';
import envSchema from 'env-schema';
import { type Static, Type } from 'typebox';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }), // 0 = any free port (tests)
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATABASE_URL: Type.String({ minLength: 1, default: 'postgresql://postgres@127.0.0.1:5432/tunefleet' }),
  REDIS_URL: Type.String({ minLength: 1, default: 'redis://127.0.0.1:6379' }),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  // Bearer key for mutating routes; at least 16 characters so it cannot be guessed by hand.
  API_KEY: Type.Optional(Type.String({ minLength: 16 })),
  // Without API_KEY the api refuses to start unless this is true: anyone could create and stop studies.
  ALLOW_NO_AUTH: Type.Boolean({ default: false }),
  // Reads (studies, trials, leaderboards, checkpoints, workers) need the key too; /healthz, /metrics and /docs stay open.
  READ_REQUIRES_KEY: Type.Boolean({ default: false }),
  // bytes; a study definition is a few KiB, so a larger body is a mistake or an attack (413).
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 256 * 1024 }),
  // Requests per window per client (the API key's holders together, else each IP); 0 = no limit.
  // Too low and dashboards polling several studies get 429s; /healthz and /metrics are never limited.
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, default: 600 }),
  // ms of the rate-limit window; a limited client is told to retry when its window ends (Retry-After).
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: 60_000 }),
  // Comma-separated origins allowed by CORS; empty = CORS off (browsers on other origins are refused).
  CORS_ORIGINS: Type.String({ default: '' }),
  // ms without a heartbeat after which GET /workers reports a worker dead (default: three missed heartbeats,
  // contracts' HEARTBEAT_TTL_MS); below the workers' heartbeat interval, every worker flaps.
  WORKER_HEARTBEAT_TIMEOUT_MS: Type.Integer({ minimum: 1, default: HEARTBEAT_TTL_MS }),
  // ms each /healthz probe may take before the dependency counts as down.
  HEALTH_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 1_000 }),
  // ms that stop() waits for in-flight requests before closing connections.
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
});

type Env = Static<typeof ConfigSchema>;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly apiKey: string | null;
  readonly allowNoAuth: boolean;
  readonly readRequiresKey: boolean;
  readonly bodyLimitBytes: number;
  readonly corsOrigins: readonly string[];
  /** Requests per window per client; 0 = rate limiting off. */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
  readonly workerHeartbeatTimeoutMs: number;
  readonly healthTimeoutMs: number;
  readonly shutdownGraceMs: number;
}

/** Every problem with the environment, in one message (one `fatal` line in main.ts). */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates `env` (all issues at once), checks dependent settings, returns a frozen camelCase config. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const data = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  let parsed: Env;
  try {
    parsed = envSchema<Env>({ schema: structuredClone(ConfigSchema), data, env: false });
  } catch (err) {
    const errors = (err as { errors?: { instancePath: string; message?: string }[] }).errors;
    throw new ConfigError(
      errors?.map((e) => `${e.instancePath.replace(/^\//, '') || 'env'} ${e.message ?? 'is invalid'}`) ?? [String(err)],
    );
  }
  if (parsed.API_KEY === undefined && !parsed.ALLOW_NO_AUTH) {
    throw new ConfigError([
      'API_KEY is not set: set API_KEY (16+ characters) to protect mutating routes, or ALLOW_NO_AUTH=true to run without authentication',
    ]);
  }
  if (parsed.API_KEY === undefined && parsed.READ_REQUIRES_KEY) {
    throw new ConfigError(['READ_REQUIRES_KEY=true needs API_KEY: there is no key to require']);
  }
  return Object.freeze({
    port: parsed.PORT,
    host: parsed.HOST,
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    logLevel: parsed.LOG_LEVEL,
    apiKey: parsed.API_KEY ?? null,
    allowNoAuth: parsed.ALLOW_NO_AUTH,
    readRequiresKey: parsed.READ_REQUIRES_KEY,
    bodyLimitBytes: parsed.BODY_LIMIT_BYTES,
    corsOrigins: Object.freeze(
      parsed.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    ),
    rateLimitMax: parsed.RATE_LIMIT_MAX,
    rateLimitWindowMs: parsed.RATE_LIMIT_WINDOW_MS,
    workerHeartbeatTimeoutMs: parsed.WORKER_HEARTBEAT_TIMEOUT_MS,
    healthTimeoutMs: parsed.HEALTH_TIMEOUT_MS,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
  });
}
