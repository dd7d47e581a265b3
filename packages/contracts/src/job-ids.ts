/**
 * Deterministic BullMQ job ids: adding a job whose id exists is a no-op, which makes redelivery
 * and double sends harmless. Ids never contain ':' and are never all digits (BullMQ job-ids.md:
 * ':' is its key separator and numeric ids clash with its own counters), hence the word prefixes.
 */
import { assertContractId } from './contract-id.js';
import type { TrialEventMessage } from './trial-events.js';

function positiveInt(field: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${field} must be an integer >= 1, got ${n}`);
}

/** `trial-<trialId>-a<attempt>`: one job per dispatch of a trial. */
export function trialRunJobId(trialId: string, attempt: number): string {
  assertContractId('trialId', trialId);
  positiveInt('attempt', attempt);
  return `trial-${trialId}-a${attempt}`;
}

/** `trial-<trialId>-a<attempt>-started`. */
export function trialStartedJobId(trialId: string, attempt: number): string {
  return `${trialRunJobId(trialId, attempt)}-started`;
}

/**
 * `trial-<trialId>-epoch-<n>`: not per attempt, so a job that re-trains an epoch after a crash
 * reports it under the same id and the first report wins.
 */
export function trialEpochJobId(trialId: string, epoch: number): string {
  assertContractId('trialId', trialId);
  positiveInt('epoch', epoch);
  return `trial-${trialId}-epoch-${epoch}`;
}

/** `trial-<trialId>-a<attempt>-finished`: a promoted trial finishes once per job. */
export function trialFinishedJobId(trialId: string, attempt: number): string {
  return `${trialRunJobId(trialId, attempt)}-finished`;
}

/** `heartbeat-<workerId>-<sentAtMs>`. */
export function workerHeartbeatJobId(workerId: string, sentAtMs: number): string {
  assertContractId('workerId', workerId);
  if (!Number.isSafeInteger(sentAtMs) || sentAtMs < 0) throw new RangeError(`sentAtMs must be an integer >= 0, got ${sentAtMs}`);
  return `heartbeat-${workerId}-${sentAtMs}`;
}

/** The job id of any `trial-events` message. */
export function trialEventJobId(message: TrialEventMessage): string {
  switch (message.type) {
    case 'started':
      return trialStartedJobId(message.trialId, message.attempt);
    case 'epoch':
      return trialEpochJobId(message.trialId, message.epoch);
    case 'finished':
      return trialFinishedJobId(message.trialId, message.attempt);
    case 'heartbeat':
      return workerHeartbeatJobId(message.workerId, message.sentAtMs);
  }
}
