/**
 * Why a running trial is interrupted, as one AbortSignal for the training loop:
 *
 * - `stop-requested`: the trial's stop key is set (the scheduler pruned or failed it). Checked at
 *   every epoch end, and every `pollIntervalMs` in between so a long epoch stops within a batch.
 *   The job ends with outcome `stopped`.
 * - `handed-back`: the worker is shutting down (SIGTERM/SIGINT) or BullMQ cancelled the job. The
 *   job ends with outcome `paused` at its last checkpointed epoch, which the scheduler reads as a
 *   hand-back and dispatches again (see @tunefleet/contracts, "Changes").
 *
 * The first reason wins.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

export type InterruptReason = 'stop-requested' | 'handed-back';

export interface TrialInterrupt {
  readonly signal: AbortSignal;
  /** Why `signal` was aborted, or null while it is not. */
  reason(): InterruptReason | null;
  /** Reads the stop key now; aborts with `stop-requested` when it is set. */
  checkStopKey(): Promise<boolean>;
  /** Stops polling and detaches from the outer signals. */
  dispose(): void;
}

export interface TrialInterruptOptions {
  readonly redis: Redis | Cluster;
  /** `trialStopKey(trialId, namespace)`. */
  readonly stopKey: string;
  /** ms between stop-key polls during an epoch; 0 = at epoch ends only. */
  readonly pollIntervalMs: number;
  /** Aborted when the worker shuts down, or by BullMQ's job cancellation. */
  readonly handBack: readonly (AbortSignal | undefined)[];
  readonly log: Logger;
}

export function createTrialInterrupt(options: TrialInterruptOptions): TrialInterrupt {
  const controller = new AbortController();
  let reason: InterruptReason | null = null;
  const interrupt = (why: InterruptReason): void => {
    if (reason !== null) return;
    reason = why;
    controller.abort(why);
  };

  const onHandBack = (): void => interrupt('handed-back');
  const outer = options.handBack.filter((s): s is AbortSignal => s !== undefined);
  for (const signal of outer) {
    if (signal.aborted) onHandBack();
    else signal.addEventListener('abort', onHandBack, { once: true });
  }

  const checkStopKey = async (): Promise<boolean> => {
    if ((await options.redis.exists(options.stopKey)) === 1) {
      interrupt('stop-requested');
      return true;
    }
    return false;
  };

  let polling = false;
  const timer =
    options.pollIntervalMs > 0
      ? setInterval(() => {
          if (polling || reason !== null) return;
          polling = true;
          checkStopKey()
            .catch((err: unknown) => options.log.warn({ err }, 'stop key check failed; retrying at the next poll'))
            .finally(() => {
              polling = false;
            });
        }, options.pollIntervalMs)
      : undefined;

  return {
    signal: controller.signal,
    reason: () => reason,
    checkStopKey,
    dispose() {
      if (timer !== undefined) clearInterval(timer);
      for (const signal of outer) signal.removeEventListener('abort', onHandBack);
    },
  };
}
