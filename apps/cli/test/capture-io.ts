/** A CliIo that records what the client writes, for tests. */
import type { CliIo } from '../src/command.js';

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
  /** Resolves once stdout matches `pattern` (a watch has drawn a line, say). */
  waitForOutput(pattern: RegExp): Promise<void>;
}

export function captureIo(options: Partial<CliIo> & { isTTY?: boolean; columns?: number } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const settle = (): void => {
    const text = out.join('');
    for (const w of waiters.filter((w) => w.pattern.test(text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  return {
    stdout: {
      write: (t: string) => {
        out.push(t);
        settle();
      },
      isTTY: options.isTTY ?? false, columns: options.columns },
    stderr: { write: (t: string) => err.push(t) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    fetch: options.fetch,
    sleep: options.sleep,
    signal: options.signal,
    out: () => out.join(''),
    err: () => err.join(''),
    waitForOutput: (pattern) =>
      new Promise<void>((resolve) => {
        waiters.push({ pattern, resolve });
        settle();
      }),
  };
}
