/**
 * The worker's settings, validated once at start-up (STYLE §2.8). The only module that reads
 * `process.env`; everything else receives the frozen `Config`. The worker needs Redis only: it
 * never touches Postgres.
 */
import { randomBytes } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_NAMESPACE,
  HEARTBEAT_INTERVAL_MS,
  TRAINING_BACKENDS,
  TRIAL_CHECKPOINT_TTL_S,
  type TrainingBackend,
  assertNamespace,
  isContractId,
} from '@tunefleet/contracts';
import envSchema from 'env-schema';
import { type Static, Type } from 'typebox';

export const ConfigSchema = Type.Object({
  REDIS_URL: Type.String({ minLength: 1, default: 'redis://127.0.0.1:6379' }),
  // BullMQ prefix and Redis key namespace; must equal the scheduler's or the worker never sees a job.
  QUEUE_PREFIX: Type.String({ minLength: 1, default: DEFAULT_NAMESPACE }),
  // trials trained at once; one per GPU (two trials on one GPU fight over its memory).
  CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  // tensorflow-gpu | tensorflow | wasm | cpu; empty = the best one that loads. A forced backend that
  // cannot load stops the worker at start-up.
  TF_BACKEND: Type.Union([Type.Literal(''), ...TRAINING_BACKENDS.map((n) => Type.Literal(n))], { default: '' }),
  // true: fork the trainer process (and load tfjs) at the first CNN trial, not at start-up, so a
  // worker that only runs function objectives never loads tfjs (many workers on one host); a
  // backend that cannot load then fails that trial instead of stopping the start-up.
  LAZY_TRAINER: Type.Boolean({ default: false }),
  // folder of the CIFAR-10 batch files; empty = the first shared/datasets/cifar10 above the app.
  CIFAR10_DIR: Type.String({ default: '' }),
  // scratch space for checkpoints of the running trials (deleted after each job); must be writable.
  CHECKPOINT_TMP_DIR: Type.String({ minLength: 1, default: join(tmpdir(), 'tunefleet-worker') }),
  // s a checkpoint archive waits in Redis for the scheduler; shorter than an event backlog loses it.
  CHECKPOINT_TTL_S: Type.Integer({ minimum: 60, default: TRIAL_CHECKPOINT_TTL_S }),
  // ms between heartbeats; the key lives 3 intervals, so a longer interval makes death noticed later.
  HEARTBEAT_INTERVAL_MS: Type.Integer({ minimum: 100, default: HEARTBEAT_INTERVAL_MS }),
  // ms between checks of a running trial's stop key within an epoch; 0 = only at epoch ends.
  STOP_POLL_INTERVAL_MS: Type.Integer({ minimum: 0, default: 2_000 }),
  // ms each epoch of a function objective takes (0 = instant); > 0 emulates training for load tests.
  FUNCTION_EPOCH_MS: Type.Integer({ minimum: 0, default: 0 }),
  // ms a job may go without renewing its lock before BullMQ hands it to another worker.
  LOCK_DURATION_MS: Type.Integer({ minimum: 1_000, default: 30_000 }),
  // ms between BullMQ's checks for jobs whose lock expired (their worker died); such a job goes to
  // another worker within LOCK_DURATION_MS + STALLED_INTERVAL_MS, so a long one leaves it waiting.
  STALLED_INTERVAL_MS: Type.Integer({ minimum: 1_000, default: 30_000 }),
  // ms stop() waits for running trials to hand back before it abandons them to BullMQ's stall check.
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 60_000 }),
  // stable id in logs, heartbeats and `started` events; empty = <host>-<pid>-<random>.
  WORKER_ID: Type.String({ default: '' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
});

type Env = Static<typeof ConfigSchema>;

export interface Config {
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly concurrency: number;
  /** Undefined: choose the best backend that loads. */
  readonly tfBackend: TrainingBackend | undefined;
  /** Fork the trainer process at the first CNN trial instead of at start-up (LAZY_TRAINER). */
  readonly lazyTrainer: boolean;
  /** Undefined: the default CIFAR-10 folder of @tunefleet/models. */
  readonly cifar10Dir: string | undefined;
  readonly checkpointTmpDir: string;
  readonly checkpointTtlS: number;
  readonly heartbeatIntervalMs: number;
  readonly stopPollIntervalMs: number;
  readonly functionEpochMs: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly shutdownGraceMs: number;
  readonly workerId: string;
  readonly logLevel: string;
}

/** Every problem with the environment, in one message (one `fatal` line in main.ts). */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** `<host>-<pid>-<6 hex>`, cleaned to the contracts' id alphabet; stable for the process's life. */
export function defaultWorkerId(host = hostname(), pid = process.pid): string {
  const cleanHost = host.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100) || 'worker';
  return `${cleanHost}-${pid}-${randomBytes(3).toString('hex')}`;
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
  const issues: string[] = [];
  try {
    assertNamespace(parsed.QUEUE_PREFIX);
  } catch (err) {
    issues.push(`QUEUE_PREFIX ${(err as Error).message}`);
  }
  if (parsed.WORKER_ID !== '' && !isContractId(parsed.WORKER_ID)) {
    issues.push(`WORKER_ID must be letters, digits, '.', '_' or '-' (no ':' or spaces), got ${JSON.stringify(parsed.WORKER_ID)}`);
  }
  // A lock that expires between two renewals hands a healthy job to a second worker.
  if (parsed.LOCK_DURATION_MS < 2 * parsed.STOP_POLL_INTERVAL_MS) {
    issues.push(`LOCK_DURATION_MS (${parsed.LOCK_DURATION_MS}) must be at least twice STOP_POLL_INTERVAL_MS (${parsed.STOP_POLL_INTERVAL_MS})`);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({
    redisUrl: parsed.REDIS_URL,
    queuePrefix: parsed.QUEUE_PREFIX,
    concurrency: parsed.CONCURRENCY,
    tfBackend: parsed.TF_BACKEND === '' ? undefined : parsed.TF_BACKEND,
    lazyTrainer: parsed.LAZY_TRAINER,
    cifar10Dir: parsed.CIFAR10_DIR === '' ? undefined : parsed.CIFAR10_DIR,
    checkpointTmpDir: parsed.CHECKPOINT_TMP_DIR,
    checkpointTtlS: parsed.CHECKPOINT_TTL_S,
    heartbeatIntervalMs: parsed.HEARTBEAT_INTERVAL_MS,
    stopPollIntervalMs: parsed.STOP_POLL_INTERVAL_MS,
    functionEpochMs: parsed.FUNCTION_EPOCH_MS,
    lockDurationMs: parsed.LOCK_DURATION_MS,
    stalledIntervalMs: parsed.STALLED_INTERVAL_MS,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
    workerId: parsed.WORKER_ID === '' ? defaultWorkerId() : parsed.WORKER_ID,
    logLevel: parsed.LOG_LEVEL,
  });
}
