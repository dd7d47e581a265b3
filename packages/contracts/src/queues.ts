/** The two BullMQ queues of the fleet. */
export const QUEUES = {
  /** scheduler → worker: TrialRunJob. */
  trials: 'trials',
  /** worker → scheduler: TrialEventMessage (started, epoch, finished, heartbeat). */
  trialEvents: 'trial-events',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** BullMQ job name of a TrialRunJob; event jobs are named after their `type`. */
export const TRIAL_RUN_JOB_NAME = 'trial.run';

/** The Redis namespace of a deployment; tests use a unique one each (see @tunefleet/db/testing). */
export const DEFAULT_NAMESPACE = 'tunefleet';

/**
 * A plain name, or one name in braces: a Redis Cluster hash tag, so that every key of the
 * deployment (BullMQ's multi-key scripts included) hashes to one slot.
 */
const NAMESPACE = /^(?:[a-z0-9][a-z0-9_-]{0,63}|\{[a-z0-9][a-z0-9_-]{0,61}\})$/;

export function assertNamespace(namespace: string): void {
  if (!NAMESPACE.test(namespace)) {
    throw new RangeError(`namespace must match ${NAMESPACE.source} (no ':'), got ${JSON.stringify(namespace)}`);
  }
}

/**
 * The BullMQ prefix rule: every Queue, Worker and QueueEvents of a deployment passes
 * `prefix: bullmqPrefix(namespace)`, and the prefix IS the namespace. BullMQ's keys are then
 * `<namespace>:<queue>:…` and ours `<namespace>:trial:…` / `<namespace>:worker:…` (redis-keys.ts),
 * which cannot collide because no queue is named `trial` or `worker` (a unit test holds that).
 * One namespace per deployment or test means one `SCAN <namespace>:*` finds everything.
 */
export function bullmqPrefix(namespace: string = DEFAULT_NAMESPACE): string {
  assertNamespace(namespace);
  return namespace;
}
