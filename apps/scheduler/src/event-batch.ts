/**
 * Reports handled in batches. The consumer takes several `trial-events` jobs at once (BullMQ
 * concurrency), and every report that arrives while the serial section is busy joins the next
 * batch. A batch handles its reports one at a time, in arrival order, as before; what changes is
 * the refill: the handlers' `loop.fill(studyId)` calls are collected, and each study is filled once
 * at the end of the batch, so the slots that several reports freed are filled by one fill, with
 * one statement and one bulk enqueue for all its new trials (dispatch.ts `createAndStartTrials`).
 *
 * A report's job completes only after the fill it asked for, as when the handler filled itself: a
 * report whose handler or fill failed is rejected (BullMQ retries it; handlers are idempotent), and
 * a crash mid-batch leaves its jobs to be redelivered.
 */
import type { Serial } from './serial.js';
import type { StudyLoop } from './study-loop.js';

interface Entry {
  readonly data: unknown;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  failed: boolean;
}

/** Handles one report with the loop it is given (`handleTrialEvent(ctx, loop, data)`). */
export type HandleReport = (loop: StudyLoop, data: unknown) => Promise<void>;

/**
 * Returns the consumer's processor: resolves when the report and the fill it asked for are done.
 * `onError` hears of a batch that failed outside any report (a bug; its reports are rejected too).
 */
export function createEventBatches(
  handle: HandleReport,
  loop: StudyLoop,
  serial: Serial,
  onError: (err: unknown) => void,
): (data: unknown) => Promise<void> {
  let pending: Entry[] = [];
  /** The batch being handled (settling a promise twice is a no-op, so a late reject is harmless). */
  let current: Entry[] = [];

  async function handleBatch(): Promise<void> {
    const batch = (current = pending);
    pending = [];
    const fills = new Map<string, Entry[]>();
    for (const entry of batch) {
      const deferred: StudyLoop = {
        ...loop,
        async fill(studyId) {
          const askers = fills.get(studyId) ?? [];
          askers.push(entry);
          fills.set(studyId, askers);
        },
      };
      try {
        await handle(deferred, entry.data);
      } catch (err) {
        entry.failed = true;
        entry.reject(err);
      }
    }
    for (const [studyId, askers] of fills) {
      try {
        await loop.fill(studyId);
      } catch (err) {
        for (const entry of askers) {
          if (entry.failed) continue;
          entry.failed = true;
          entry.reject(err);
        }
      }
    }
    for (const entry of batch) if (!entry.failed) entry.resolve();
  }

  return (data) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ data, resolve, reject, failed: false });
      // The first report of a batch queues its handling; later ones join it until it starts.
      if (pending.length === 1) {
        serial(handleBatch).catch((err: unknown) => {
          for (const entry of current) entry.reject(err);
          onError(err);
        });
      }
    });
}
