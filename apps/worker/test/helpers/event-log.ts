/**
 * The scheduler's end of `trial-events`, reduced to a recorder: a BullMQ Worker that keeps every
 * message (validated against its contract) and lets a test await the one it expects.
 */
import {
  QUEUES,
  TRIAL_RUN_JOB_NAME,
  type TrialEventMessage,
  type TrialRunJob,
  bullmqPrefix,
  parseTrialEventMessage,
  trialRunJobId,
} from '@tunefleet/contracts';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './redis-namespace.js';

export interface EventLog {
  readonly messages: TrialEventMessage[];
  /** The trial's messages other than heartbeats, in arrival order. */
  of(trialId: string): TrialEventMessage[];
  /** Resolves with the first message (past or future) matching `match`. */
  waitFor<T extends TrialEventMessage>(match: (m: TrialEventMessage) => m is T, timeoutMs?: number): Promise<T>;
  waitFor(match: (m: TrialEventMessage) => boolean, timeoutMs?: number): Promise<TrialEventMessage>;
  /** Enqueues a `trial.run` job as the scheduler would. */
  enqueue(job: TrialRunJob, options?: { attempts?: number }): Promise<void>;
  /** The BullMQ `trial.run` job, to inspect its state and attempts. */
  trialJob(trialId: string, attempt: number): Promise<Job | undefined>;
  close(): Promise<void>;
}

export async function startEventLog(prefixName: string): Promise<EventLog> {
  const prefix = bullmqPrefix(prefixName);
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const messages: TrialEventMessage[] = [];
  const waiters = new Set<{ match: (m: TrialEventMessage) => boolean; resolve: (m: TrialEventMessage) => void }>();
  const trials = new Queue(QUEUES.trials, { connection, prefix });
  const worker = new Worker(
    QUEUES.trialEvents,
    async (job) => {
      const message = parseTrialEventMessage(job.data);
      messages.push(message);
      for (const waiter of waiters) {
        if (waiter.match(message)) {
          waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    },
    { connection, prefix, concurrency: 1 },
  );
  return {
    messages,
    of: (trialId) => messages.filter((m) => m.type !== 'heartbeat' && m.trialId === trialId),
    waitFor(match: (m: TrialEventMessage) => boolean, timeoutMs = 60_000): Promise<TrialEventMessage> {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (m: TrialEventMessage) => (clearTimeout(timer), resolve(m)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching trial event within ${timeoutMs} ms; got ${JSON.stringify(messages.filter((m) => m.type !== 'heartbeat'))}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async enqueue(job, options = {}) {
      await trials.add(TRIAL_RUN_JOB_NAME, job, {
        jobId: trialRunJobId(job.trialId, job.attempt),
        attempts: options.attempts ?? 3,
        backoff: { type: 'exponential', delay: 100 },
      });
    },
    trialJob: (trialId: string, attempt: number) => trials.getJob(trialRunJobId(trialId, attempt)),
    async close() {
      await worker.close();
      await trials.close();
      connection.disconnect();
    },
  } as EventLog;
}

export const isFinished = (trialId: string) => (m: TrialEventMessage): m is Extract<TrialEventMessage, { type: 'finished' }> =>
  m.type === 'finished' && m.trialId === trialId;

export const isEpoch = (trialId: string, epoch: number) => (m: TrialEventMessage): m is Extract<TrialEventMessage, { type: 'epoch' }> =>
  m.type === 'epoch' && m.trialId === trialId && m.epoch === epoch;
