/**
 * Publishing worker → scheduler messages on the `trial-events` queue. Job ids are the contracts'
 * deterministic ones, so a message sent twice (a retried BullMQ attempt, a redelivered job) is
 * stored once. Each message is validated against its contract before it leaves, so a bug here
 * shows up in the worker's log rather than as a dropped job in the scheduler's.
 */
import { type TrialEventMessage, parseTrialEventMessage, trialEventJobId } from '@tunefleet/contracts';
import type { Queue } from 'bullmq';

export type SendEvent = (message: TrialEventMessage) => Promise<void>;

/** Event jobs are retried by the scheduler when it fails transiently (a database outage). */
const EVENT_JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } } as const;
/** Heartbeats are superseded every interval; keeping them would only fill Redis. */
const HEARTBEAT_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true } as const;

export function createEventSender(queue: Queue): SendEvent {
  return async (message) => {
    const checked = parseTrialEventMessage(message);
    await queue.add(checked.type, checked, {
      jobId: trialEventJobId(checked),
      ...(checked.type === 'heartbeat' ? HEARTBEAT_JOB_OPTIONS : EVENT_JOB_OPTIONS),
    });
  };
}
