/** What every command receives and returns. */
import type { CommandSpec, ParsedCommand } from './args.js';
import type { ApiClient } from './client.js';

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width when a TTY. */
  readonly columns?: number;
}

/** The process around the client; tests pass their own. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative file names (study files, downloads) resolve against this. */
  readonly cwd: string;
  readonly fetch?: typeof fetch;
  /** Resolves after `ms`, or rejects when `signal` aborts; the real clock by default. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborts a long-running command (watch) from outside, e.g. on SIGINT. */
  readonly signal?: AbortSignal;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly args: ParsedCommand;
  /** Built on first use, so `submit --dry-run` never needs a server. */
  client(): ApiClient;
  /** Writes one line to stdout. */
  print(line?: string): void;
}

export interface Command {
  readonly spec: CommandSpec;
  /** Returns the exit code; throws a CliError for anything that is not a success. */
  run(context: CommandContext): Promise<number>;
}
