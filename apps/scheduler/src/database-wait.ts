/**
 * Waiting out a Postgres outage in place. A trial event that fails because the database cannot be
 * reached is repeated here, inside the consumer's serial section, until the database answers,
 * instead of being failed back to BullMQ: a failed event is retried only after a backoff, while
 * the events behind it go on, so an `epoch` report could land after its trial's `finished` and be
 * ignored as late — an intermediate value lost. Other errors are thrown at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable } from '@tunefleet/db';
import type { Logger } from 'pino';

export interface DatabaseWaitOptions {
  readonly log: Logger;
  /** Aborted when the scheduler stops: the last error is thrown and BullMQ retries the event later. */
  readonly signal: AbortSignal;
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
}

export async function whileDatabaseUnavailable<T>(work: () => Promise<T>, options: DatabaseWaitOptions): Promise<T> {
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  let delayMs = options.firstDelayMs ?? 200;
  let since: number | undefined;
  for (;;) {
    try {
      const result = await work();
      if (since !== undefined) options.log.info({ waitedMs: Date.now() - since }, 'database reachable again; event handled');
      return result;
    } catch (err) {
      if (!isDatabaseUnavailable(err) || options.signal.aborted) throw err;
      if (since === undefined) {
        since = Date.now();
        options.log.warn({ err }, 'database unavailable; holding the event until it answers');
      }
      try {
        await sleep(delayMs, undefined, { signal: options.signal });
      } catch {
        throw err;
      }
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
