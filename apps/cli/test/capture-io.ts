/** A CliIo that records what the client writes, for tests. */
import type { CliIo } from '../src/command.js';

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

export function captureIo(options: Partial<CliIo> & { isTTY?: boolean; columns?: number } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (t: string) => out.push(t), isTTY: options.isTTY ?? false, columns: options.columns },
    stderr: { write: (t: string) => err.push(t) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    fetch: options.fetch,
    sleep: options.sleep,
    signal: options.signal,
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
