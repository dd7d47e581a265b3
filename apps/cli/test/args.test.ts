import { describe, expect, it } from 'vitest';
import { choiceOption, integerOption, parseCommand, splitCommand } from '../src/args.js';
import { leaderboard } from '../src/commands/leaderboard.js';
import { trials } from '../src/commands/trials.js';
import { UsageError } from '../src/errors.js';

describe('splitCommand', () => {
  it.each([
    [['leaderboard', 'abc', '--by', 'vloss'], 'leaderboard', ['abc', '--by', 'vloss']],
    [['--url', 'http://h:1', 'studies'], 'studies', ['--url', 'http://h:1']],
    [['--api-key', 'k', 'stop', 'id'], 'stop', ['--api-key', 'k', 'id']],
    [['--url=http://h:1', 'workers', '--json'], 'workers', ['--url=http://h:1', '--json']],
    [['--help'], null, ['--help']],
    [[], null, []],
  ])('%j → command %j', (argv, command, rest) => {
    expect(splitCommand(argv)).toEqual({ command, rest });
  });
});

describe('parseCommand', () => {
  it('parses the command options with the global ones', () => {
    const parsed = parseCommand(leaderboard.spec, ['abc', '--by', 'f1', '--limit=5', '--csv', '--url', 'http://x:1', '--api-key', 'k']);
    expect(parsed.positionals).toEqual(['abc']);
    expect(parsed.values).toMatchObject({ by: 'f1', limit: '5', csv: true });
    expect(parsed).toMatchObject({ url: 'http://x:1', apiKey: 'k', help: false });
  });

  it('collects a repeated option', () => {
    expect(parseCommand(trials.spec, ['id', '--state', 'COMPLETE', '--state', 'pruned']).values.state).toEqual(['COMPLETE', 'pruned']);
  });

  it.each([
    [['abc', '--bye', 'vloss'], /Unknown option '--bye'/],
    [[], /missing <id>/],
    [['a', 'b'], /unexpected argument "b"/],
    [['abc', '--by'], /--by/],
  ])('refuses %j as a usage error naming the problem', (args, message) => {
    const call = () => parseCommand(leaderboard.spec, args);
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });

  it('does not ask for positionals when help is wanted', () => {
    expect(parseCommand(leaderboard.spec, ['--help']).help).toBe(true);
  });
});

describe('option values', () => {
  it('reads integers within bounds and refuses anything else', () => {
    expect(integerOption({ limit: '20' }, 'limit', 'x', 1, 100)).toBe(20);
    expect(integerOption({}, 'limit', 'x', 1, 100)).toBeUndefined();
    for (const bad of ['0', '101', '2.5', 'ten', '']) {
      expect(() => integerOption({ limit: bad }, 'limit', 'x', 1, 100)).toThrow(/--limit must be an integer from 1 to 100/);
    }
  });

  it('reads a choice and names the allowed ones when it is not one', () => {
    expect(choiceOption({ by: 'vloss' }, 'by', 'x', ['vloss', 'f1'])).toBe('vloss');
    expect(() => choiceOption({ by: 'loss' }, 'by', 'x', ['vloss', 'f1'])).toThrow('--by must be one of vloss, f1, got "loss"');
  });
});
