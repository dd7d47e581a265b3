/**
 * `runCli(argv, io)`: the whole client as a function of its arguments and its process, returning
 * the exit code (0 ok, 1 the api failed or refused, 2 bad usage or an invalid file). `main.ts`
 * runs it on the real process; tests run it against an api in the same process.
 */
import { parseCommand, splitCommand } from './args.js';
import { type ApiClient, createApiClient } from './client.js';
import type { CliIo, Command } from './command.js';
import { download } from './commands/download.js';
import { leaderboard } from './commands/leaderboard.js';
import { resume, stop, studies } from './commands/studies.js';
import { submit } from './commands/submit.js';
import { trials } from './commands/trials.js';
import { watch } from './commands/watch.js';
import { workers } from './commands/workers.js';
import { resolveConnection } from './config.js';
import { CliError, EXIT_API, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import { commandHelp, mainHelp } from './help.js';

export const COMMANDS: readonly Command[] = [submit, watch, studies, leaderboard, trials, stop, resume, download, workers];

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const print = (line = ''): void => {
    io.stdout.write(`${line}\n`);
  };
  const fail = (lines: readonly string[]): void => {
    for (const line of lines) io.stderr.write(`${line}\n`);
  };
  try {
    const { command: name, rest } = splitCommand(argv);
    if (name === null) {
      if (rest.length === 0 || rest.includes('--help') || rest.includes('-h')) {
        for (const line of mainHelp(COMMANDS)) print(line);
        return rest.length === 0 ? EXIT_USAGE : EXIT_OK;
      }
      throw new UsageError(`no command given (${rest.join(' ')})`);
    }
    const command = COMMANDS.find((c) => c.spec.name === name);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.spec.name).join(', ')}`);
    const args = parseCommand(command.spec, rest);
    if (args.help) {
      for (const line of commandHelp(command)) print(line);
      return EXIT_OK;
    }
    let client: ApiClient | undefined;
    const connection = resolveConnection({ url: args.url, apiKey: args.apiKey }, io.env);
    if (!URL.canParse(connection.url) || !/^https?:$/.test(new URL(connection.url).protocol)) {
      throw new UsageError(`the api URL must be http(s)://host:port, got ${JSON.stringify(connection.url)}`);
    }
    return await command.run({
      io,
      args,
      print,
      client: () => (client ??= createApiClient(connection, io.fetch)),
    });
  } catch (err) {
    if (err instanceof CliError) {
      fail(err.lines());
      return err.exitCode;
    }
    if (io.signal?.aborted) return EXIT_INTERRUPTED;
    fail([`error: ${(err as Error).stack ?? String(err)}`]);
    return EXIT_API;
  }
}

export { EXIT_API, EXIT_OK, EXIT_USAGE };
