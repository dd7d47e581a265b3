import { describe, expect, it } from 'vitest';
import { formatCompact, formatDuration, formatNumber, formatParams, formatPercent } from '../src/format.js';
import { parseRoute } from '../src/router.js';
import { parseSse } from '../src/sse.js';

describe('parseRoute', () => {
  it.each([
    ['', { page: 'studies' }],
    ['#/', { page: 'studies' }],
    ['#/fleet', { page: 'fleet' }],
    ['#/studies/abc-1', { page: 'study', id: 'abc-1' }],
    ['#/trials/t%2F1', { page: 'trial', id: 't/1' }],
    ['#/nowhere', { page: 'not-found', path: '/nowhere' }],
  ])('%s → %o', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });
});

describe('parseSse', () => {
  it('returns complete events and keeps the unfinished tail', () => {
    const { events, rest } = parseSse('event: progress\ndata: {"a":1}\n\n: keep-alive\n\nevent: end\ndata: {}\n\nevent: progr');
    expect(events).toEqual([
      { event: 'progress', data: '{"a":1}' },
      { event: 'end', data: '{}' },
    ]);
    expect(rest).toBe('event: progr');
  });

  it('joins multi-line data, defaults the event name and accepts CRLF', () => {
    expect(parseSse('data: a\r\ndata: b\r\n\r\n').events).toEqual([{ event: 'message', data: 'a\nb' }]);
  });
});

describe('format', () => {
  it('writes numbers, percentages, durations and params for people', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1234567)).toBe('1.23e+6');
    expect(formatNumber(null)).toBe('—');
    expect(formatPercent(0.8123)).toBe('81.2%');
    expect([formatCompact(950), formatCompact(20_000), formatCompact(1_500_000)]).toEqual(['950', '20k', '1.5M']);
    expect(formatDuration(93_000)).toBe('1 min 33 s');
    expect(formatDuration(300_000)).toBe('5 min');
    expect(formatDuration(3 * 3600_000 + 120_000)).toBe('3 h 2 min');
    expect(formatParams({ learning_rate: 0.00123, activation: 'relu', augment: true })).toBe('learning_rate=0.00123, activation=relu, augment=true');
  });
});
