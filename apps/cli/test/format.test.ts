import { describe, expect, it } from 'vitest';
import type { LeaderboardEntry } from '../src/api-types.js';
import { LEADERBOARD_COLUMNS, leaderboardCsv } from '../src/commands/leaderboard.js';
import { csvField, formatCount, formatDuration, formatMetric, formatTable, toCsv } from '../src/format.js';

function entry(overrides: Partial<LeaderboardEntry>): LeaderboardEntry {
  return {
    rank: 1,
    trialId: '00000000-0000-4000-8000-000000000001',
    number: 0,
    value: 0.5,
    params: {},
    objectiveValue: 0.5,
    vloss: 0.5,
    accuracy: 0.8,
    f1: 0.79,
    parameterCount: 1000,
    efficiency: 0.002,
    log10Efficiency: -2.69897,
    ...overrides,
  };
}

describe('formatTable', () => {
  it('aligns columns, numbers to the right, with no trailing spaces', () => {
    const lines = formatTable(
      [
        { header: 'name', value: (r: { name: string; n: number }) => r.name },
        { header: 'n', value: (r) => String(r.n), align: 'right' },
      ],
      [
        { name: 'a', n: 1000 },
        { name: 'longer', n: 5 },
      ],
    );
    expect(lines).toEqual(['name       n', 'a       1000', 'longer     5']);
  });

  it('lays out the leaderboard with one row per trial', () => {
    const lines = formatTable(LEADERBOARD_COLUMNS, [entry({ rank: 1, number: 12, parameterCount: 875_592 }), entry({ rank: 2, number: 3, vloss: null })]);
    expect(lines[0]).toBe('rank  trial  value  vloss  accuracy    f1   params  log10 eff');
    expect(lines[1]).toBe('   1    #12    0.5    0.5       0.8  0.79  875,592     -2.699');
    expect(lines[2]).toBe('   2     #3    0.5      -       0.8  0.79    1,000     -2.699');
  });
});

describe('CSV (RFC 4180)', () => {
  it('quotes a field holding a comma, a quote or a line break, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.125)).toBe('0.125');
    expect(csvField(false)).toBe('false');
  });

  it('ends every record with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it('writes the leaderboard with full-precision metrics and one column per hyperparameter', () => {
    const csv = leaderboardCsv({
      items: [
        entry({ rank: 1, number: 4, value: 0.123456789, params: { activation: 'relu', lr: 0.001 } }),
        entry({ rank: 2, number: 9, params: { activation: 'odd, "quoted"', depth: 3 }, vloss: null }),
      ],
    });
    expect(csv.split('\r\n')).toEqual([
      'rank,trial,trial_id,value,vloss,accuracy,f1,parameters,log10_efficiency,param.activation,param.depth,param.lr',
      '1,4,00000000-0000-4000-8000-000000000001,0.123456789,0.5,0.8,0.79,1000,-2.69897,relu,,0.001',
      '2,9,00000000-0000-4000-8000-000000000001,0.5,,0.8,0.79,1000,-2.69897,"odd, ""quoted""",3,',
      '',
    ]);
  });
});

describe('numbers and durations', () => {
  it.each([
    [0.123456, '0.1235'],
    [2.302585, '2.303'],
    [1500, '1500'],
    [0.00001234, '1.234e-5'],
    [12345678, '1.235e+7'],
    [0, '0'],
    [null, '-'],
  ])('formatMetric(%s) = %s', (value, text) => {
    expect(formatMetric(value)).toBe(text);
  });

  it('formats counts and durations', () => {
    expect(formatCount(875592)).toBe('875,592');
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(200_000)).toBe('3m 20s');
    expect(formatDuration(3_725_000)).toBe('1h 02m');
    expect(formatDuration(null)).toBe('-');
  });
});
