/**
 * Liveness: every `intervalMs` the worker writes its last heartbeat to
 * `workerHeartbeatKey(workerId)` (expiring after three intervals, so the key vanishes with the
 * worker) and sends it as a `heartbeat` message, which the scheduler stores for the api's worker
 * list. Both carry the backend, the GPU and the trial being trained.
 */
import { TRIAL_EVENT_VERSION, type TrainingBackend, type WorkerHeartbeatEvent, workerHeartbeatKey } from '@tunefleet/contracts';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SendEvent } from './event-sender.js';

export interface HeartbeatOptions {
  readonly redis: Redis | Cluster;
  readonly send: SendEvent;
  readonly namespace: string;
  readonly workerId: string;
  readonly host: string;
  readonly backend: TrainingBackend;
  readonly gpu?: string;
  /** The trial being trained now, if any. */
  readonly currentTrial: () => string | undefined;
  readonly intervalMs: number;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface Heartbeat {
  /** Sends one heartbeat now (also called on every interval). */
  beat(): Promise<void>;
  /** Stops the interval and deletes the key: this worker is gone, on purpose. */
  stop(): Promise<void>;
}

/** Three missed beats, as the contracts' HEARTBEAT_TTL_MS is for the default interval. */
const MISSED_BEATS = 3;

export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const key = workerHeartbeatKey(options.workerId, options.namespace);
  const now = options.now ?? Date.now;
  const beat = async (): Promise<void> => {
    const trialId = options.currentTrial();
    const message: WorkerHeartbeatEvent = {
      v: TRIAL_EVENT_VERSION,
      type: 'heartbeat',
      workerId: options.workerId,
      host: options.host,
      backend: options.backend,
      ...(options.gpu !== undefined && { gpu: options.gpu }),
      ...(trialId !== undefined && { trialId }),
      sentAtMs: now(),
    };
    await options.redis.set(key, JSON.stringify(message), 'PX', MISSED_BEATS * options.intervalMs);
    await options.send(message);
  };
  let beating: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    beating = beat().catch((err: unknown) => options.log.warn({ err }, 'heartbeat failed; retrying at the next interval'));
  }, options.intervalMs);
  return {
    beat,
    async stop() {
      clearInterval(timer);
      await beating;
      await options.redis.del(key);
    },
  };
}
