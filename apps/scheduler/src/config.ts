/**
 * The scheduler's settings, validated once at start-up (STYLE §2.8). The only module that reads
 * `process.env`; everything else receives the frozen `Config`.
 */
import { DEFAULT_NAMESPACE, HEARTBEAT_TTL_MS, assertNamespace } from '@tunefleet/contracts';
import envSchema from 'env-schema';
import { type Static, Type } from 'typebox';

export const ConfigSchema = Type.Object({
  DATABASE_URL: Type.String({ minLength: 1, default: 'postgresql://postgres@127.0.0.1:5432/tunefleet' }),
  REDIS_URL: Type.String({ minLength: 1, default: 'redis://127.0.0.1:6379' }),
  // BullMQ prefix and Redis key namespace; workers must use the same one or they never see a job.
  QUEUE_PREFIX: Type.String({ minLength: 1, default: DEFAULT_NAMESPACE }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  // ms between polls of Postgres for new, resumed and stopped studies; events drive everything else.
  POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1_000 }),
  // ms between reconciliations (lost jobs, silent workers); 0 = only at start-up.
  RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 0, default: 30_000 }),
  // ms a RUNNING trial may go without an event while no live worker names it; too low fails slow epochs.
  HEARTBEAT_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2 * HEARTBEAT_TTL_MS }),
  // Trials in a retry chain, the first included; 1 = a trial whose worker went silent is failed, never retried.
  MAX_TRIAL_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
  // BullMQ attempts of one trial.run job (transient worker errors are retried with backoff).
  JOB_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
  // ms of the first retry backoff of a trial.run job (doubled each time).
  JOB_BACKOFF_MS: Type.Integer({ minimum: 0, default: 5_000 }),
  // s a checkpoint archive put back into Redis for a resume lives; shorter than the queue wait loses it.
  CHECKPOINT_TTL_S: Type.Integer({ minimum: 60, default: 24 * 60 * 60 }),
  // Suggest trial n from the study as it will always be seen at n (trials before n − parallelism finished,
  // the rest pending), so a restarted scheduler proposes what an undisturbed one would. false: the live
  // history (Optuna's behaviour), no waiting on stragglers, no restart determinism.
  DETERMINISTIC_DISPATCH: Type.Boolean({ default: true }),
  // ms stop() waits for the event being handled before closing connections.
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
});

type Env = Static<typeof ConfigSchema>;

export interface Config {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly logLevel: string;
  readonly pollIntervalMs: number;
  readonly reconcileIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxTrialAttempts: number;
  readonly jobAttempts: number;
  readonly jobBackoffMs: number;
  readonly checkpointTtlS: number;
  readonly deterministicDispatch: boolean;
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
  try {
    assertNamespace(parsed.QUEUE_PREFIX);
  } catch (err) {
    throw new ConfigError([`QUEUE_PREFIX ${(err as Error).message}`]);
  }
  return Object.freeze({
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    queuePrefix: parsed.QUEUE_PREFIX,
    logLevel: parsed.LOG_LEVEL,
    pollIntervalMs: parsed.POLL_INTERVAL_MS,
    reconcileIntervalMs: parsed.RECONCILE_INTERVAL_MS,
    heartbeatTimeoutMs: parsed.HEARTBEAT_TIMEOUT_MS,
    maxTrialAttempts: parsed.MAX_TRIAL_ATTEMPTS,
    jobAttempts: parsed.JOB_ATTEMPTS,
    jobBackoffMs: parsed.JOB_BACKOFF_MS,
    checkpointTtlS: parsed.CHECKPOINT_TTL_S,
    deterministicDispatch: parsed.DETERMINISTIC_DISPATCH,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
  });
}
