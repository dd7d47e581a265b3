import { describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../src/cli.js';
import { resolveConnection } from '../src/config.js';
import { captureIo } from './capture-io.js';

describe('runCli usage', () => {
  it('prints the commands with --help and exits 0; with no arguments exits 2', async () => {
    const help = captureIo();
    expect(await runCli(['--help'], help)).toBe(0);
    for (const c of COMMANDS) expect(help.out()).toContain(`  ${c.spec.name}`);
    expect(await runCli([], captureIo())).toBe(2);
  });

  it("prints a command's usage and options with <command> --help", async () => {
    const io = captureIo();
    expect(await runCli(['leaderboard', '--help'], io)).toBe(0);
    expect(io.out()).toContain('usage: tunefleet leaderboard <id> [--by efficiency|vloss|accuracy|f1|value|parameters]');
    expect(io.out()).toMatch(/--csv +RFC 4180 CSV/);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['leaderboard'], 'missing <id>'],
    [['leaderboard', 'x', '--json', '--csv'], '--json and --csv cannot be combined'],
    [['trials', 'x', '--limit', '501'], '--limit must be an integer from 1 to 500'],
    [['watch', 'x', '--interval', 'soon'], '--interval must be a number'],
    [['studies', '--url', 'ftp://host'], 'the api URL must be http(s)://host:port'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const io = captureIo({ fetch: () => Promise.reject(new Error('nothing may be sent')) });
    expect(await runCli(argv, io)).toBe(2);
    expect(io.err()).toContain(message);
  });
});

describe('resolveConnection', () => {
  it('takes flags first, then TUNEFLEET_URL and TUNEFLEET_API_KEY, then the default', () => {
    const env = { TUNEFLEET_URL: 'http://api:8080/', TUNEFLEET_API_KEY: 'from-env' };
    expect(resolveConnection({}, env)).toEqual({ url: 'http://api:8080', apiKey: 'from-env', apiKeySource: 'TUNEFLEET_API_KEY' });
    expect(resolveConnection({ url: 'http://x:1', apiKey: 'flag' }, env)).toEqual({ url: 'http://x:1', apiKey: 'flag', apiKeySource: '--api-key' });
    expect(resolveConnection({}, {})).toEqual({ url: 'http://127.0.0.1:3000', apiKey: null, apiKeySource: null });
  });
});
