/**
 * What can go wrong, each with its exit code: 2 for the caller's mistake (arguments, an invalid
 * study file), 1 for the server's answer or its absence. `runCli` prints `lines` and exits.
 */

export const EXIT_OK = 0;
export const EXIT_API = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

export abstract class CliError extends Error {
  abstract readonly exitCode: number;
  /** What to print to stderr, one entry per line. */
  lines(): string[] {
    return [`error: ${this.message}`];
  }
}

/** Bad arguments; `command` names the command whose help to point at. */
export class UsageError extends CliError {
  readonly exitCode = EXIT_USAGE;
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
  override lines(): string[] {
    return [`error: ${this.message}`, `run: tunefleet ${this.command ? `${this.command} ` : ''}--help`];
  }
}

/** A study file that cannot be read, parsed or that fails validation; `problems` are located lines. */
export class InvalidFileError extends CliError {
  readonly exitCode = EXIT_USAGE;
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'InvalidFileError';
  }
  override lines(): string[] {
    return [`error: ${this.message}`, ...this.problems.map((p) => `  ${p}`)];
  }
}

/** One problem the api named, `field` a JSON path into the request. */
export interface ApiIssue {
  readonly field: string;
  readonly message: string;
}

/** An error answer from the api (4xx or 5xx), with its hint for the user. */
export class ApiError extends CliError {
  readonly exitCode = EXIT_API;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly ApiIssue[] = [],
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  override lines(): string[] {
    return [
      `error: ${this.message} (${this.status} ${this.code})`,
      ...this.issues.map((i) => `  ${i.field}: ${i.message}`),
      ...(this.hint ? [this.hint] : []),
    ];
  }
}

/** No answer at all: refused connection, unknown host, timeout. */
export class UnreachableError extends CliError {
  readonly exitCode = EXIT_API;
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`cannot reach the Tunefleet api at ${url} (${reason})`);
    this.name = 'UnreachableError';
  }
  override lines(): string[] {
    return [
      `error: ${this.message}`,
      'start it with `pnpm --filter @tunefleet/api start`, or point the client at it with --url or TUNEFLEET_URL',
    ];
  }
}

/** The api answered, but not with what the command needs (a trial without checkpoints, a bad checksum). */
export class CommandFailedError extends CliError {
  readonly exitCode = EXIT_API;
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailedError';
  }
}
