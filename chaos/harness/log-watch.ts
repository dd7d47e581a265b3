/**
 * Awaitable log lines of a fleet: pass `watch.onLog` as the fleet's `onLog`, then `next(...)`
 * resolves with the first line (from now on) that matches, which is how a scenario times a fault
 * ("just after a worker reported an epoch"). The workers log `epoch reported` at debug level, so
 * scenarios that wait for it run the workers with LOG_LEVEL=debug.
 */
import type { LogLine } from '../../e2e/helpers/app-process.js';

export type LogMatch = (app: string, line: LogLine) => boolean;

export interface LogWatch {
  readonly onLog: (app: string, line: LogLine) => void;
  /** The first matching line after this call, with its app; rejects after `timeoutMs`. */
  next(what: string, match: LogMatch, timeoutMs: number): Promise<{ app: string; line: LogLine }>;
  /** Every line seen so far that matches (for after-the-fact checks). */
  seen(match: LogMatch): { app: string; line: LogLine }[];
}

export function createLogWatch(options: { keep?: LogMatch } = {}): LogWatch {
  const waiting = new Set<{ match: LogMatch; resolve: (hit: { app: string; line: LogLine }) => void }>();
  const kept: { app: string; line: LogLine }[] = [];
  return {
    onLog(app, line) {
      if (options.keep?.(app, line)) kept.push({ app, line });
      for (const waiter of waiting) {
        if (waiter.match(app, line)) {
          waiting.delete(waiter);
          waiter.resolve({ app, line });
        }
      }
    },
    next(what, match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (hit: { app: string; line: LogLine }) => {
            clearTimeout(timer);
            resolve(hit);
          },
        };
        const timer = setTimeout(() => {
          waiting.delete(waiter);
          reject(new Error(`no log line for ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.add(waiter);
      });
    },
    seen: (match) => kept.filter((hit) => match(hit.app, hit.line)),
  };
}

/** A worker's `epoch reported` line (debug level), optionally for one trial. */
export const isEpochReport =
  (trialId?: string): LogMatch =>
  (app, line) =>
    app.startsWith('worker') && line.msg === 'epoch reported' && (trialId === undefined || line.trialId === trialId);
