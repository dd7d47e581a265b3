/**
 * Redis keys outside BullMQ. Both live under the deployment namespace, beside BullMQ's keys
 * (see `bullmqPrefix`).
 */
import { assertContractId } from './contract-id.js';
import { DEFAULT_NAMESPACE, assertNamespace } from './queues.js';

/**
 * Set by the scheduler only after it moved the trial to PRUNED or FAILED; the worker checks it at
 * each epoch end and stops training. It expires so that keys of finished trials do not pile up.
 */
export function trialStopKey(trialId: string, namespace: string = DEFAULT_NAMESPACE): string {
  assertNamespace(namespace);
  assertContractId('trialId', trialId);
  return `${namespace}:trial:${trialId}:stop`;
}

/** Seconds a stop key lives: far longer than any epoch, so the worker always sees it. */
export const TRIAL_STOP_TTL_S = 24 * 60 * 60;

/**
 * The worker's liveness key: the JSON of its last heartbeat message, written every
 * HEARTBEAT_INTERVAL_MS with a TTL of HEARTBEAT_TTL_MS, so it vanishes when the worker dies.
 */
export function workerHeartbeatKey(workerId: string, namespace: string = DEFAULT_NAMESPACE): string {
  assertNamespace(namespace);
  assertContractId('workerId', workerId);
  return `${namespace}:worker:${workerId}:heartbeat`;
}

/**
 * A checkpoint archive (tar) in transit. The worker writes the archive of epoch `epoch` here (with
 * `TRIAL_CHECKPOINT_TTL_S`) and names it in its `epoch` message (`checkpoint { epoch, sha256, size }`);
 * the scheduler moves the bytes into Postgres and deletes the key. To resume a trial, the scheduler
 * puts the archive back under the key of `TrialRunJob.resumeCheckpoint { trialId, epoch }` before
 * enqueueing the job.
 */
export function trialCheckpointKey(trialId: string, epoch: number, namespace: string = DEFAULT_NAMESPACE): string {
  assertNamespace(namespace);
  assertContractId('trialId', trialId);
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw new RangeError(`epoch must be an integer >= 1, got ${epoch}`);
  return `${namespace}:trial:${trialId}:checkpoint:${epoch}`;
}

/** Seconds a checkpoint archive lives in Redis: long enough for a backlog of reports or queued jobs. */
export const TRIAL_CHECKPOINT_TTL_S = 24 * 60 * 60;

/** How often a worker sends a heartbeat (key and `heartbeat` message). */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A worker missing three heartbeats in a row is considered gone. */
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;
