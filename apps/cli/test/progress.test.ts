import { describe, expect, it } from 'vitest';
import type { StudyDetail } from '../src/api-types.js';
import { createProgressRenderer } from '../src/commands/watch.js';
import { finalSummary, progressBar, progressLine } from '../src/progress.js';

function detail(overrides: Partial<StudyDetail> = {}, progress: Partial<StudyDetail['progress']> = {}): StudyDetail {
  return {
    id: 's-1',
    name: 'study',
    status: 'RUNNING',
    kind: 'function',
    objective: 'value',
    direction: 'minimize',
    seed: 1,
    maxTrials: 50,
    parallelism: 2,
    createdAt: '2026-11-29T10:00:00.000Z',
    finishedAt: null,
    spec: {},
    ...overrides,
    progress: {
      counts: { WAITING: 0, RUNNING: 2, PAUSED: 0, COMPLETE: 10, PRUNED: 1, FAILED: 1 },
      total: 14,
      finished: 12,
      remaining: 38,
      best: { trialId: 't-7', number: 7, value: 0.397887, params: {}, vloss: null, accuracy: null, parameterCount: null },
      meanTrialDurationMs: 1000,
      etaMs: 200_000,
      elapsedMs: 65_000,
      ...progress,
    },
  };
}

describe('progress line', () => {
  it('shows a bar of finished trials over the budget', () => {
    expect(progressBar(12, 50, 10)).toBe('[██░░░░░░░░] 12/50 24%');
    expect(progressBar(60, 50, 4)).toBe('[████] 60/50 100%');
    expect(progressBar(0, 0, 4)).toBe('[░░░░] 0/0 0%');
  });

  it('shows the best trial, the ETA and the states that have trials', () => {
    expect(progressLine(detail())).toBe(
      '[█████░░░░░░░░░░░░░░░] 12/50 24%  best 0.3979 (#7)  ETA 3m 20s  running 2 · complete 10 · pruned 1 · failed 1',
    );
  });

  it('drops the ETA and names the status once the study is final', () => {
    const line = progressLine(detail({ status: 'COMPLETE' }, { etaMs: 0 }));
    expect(line).not.toContain('ETA');
    expect(line.endsWith('COMPLETE')).toBe(true);
    expect(finalSummary(detail({ status: 'COMPLETE' }))).toBe(
      'study s-1 COMPLETE after 1m 05s: 14 trials (running 2 · complete 10 · pruned 1 · failed 1), best 0.3979 (trial #7)',
    );
  });
});

describe('progress renderer', () => {
  it('redraws one line in place on a terminal, cut to its width', () => {
    const writes: string[] = [];
    const renderer = createProgressRenderer({ write: (t: string) => writes.push(t), isTTY: true, columns: 41 });
    renderer.update(detail());
    renderer.update(detail({}, { finished: 13 }));
    renderer.done();
    expect(writes).toEqual([
      '\r\x1b[2K[█████░░░░░░░░░░░░░░░] 12/50 24%  best 0',
      '\r\x1b[2K[█████░░░░░░░░░░░░░░░] 13/50 26%  best 0',
      '\n',
    ]);
  });

  it('prints a plain line elsewhere, only when more than the ETA changed', () => {
    const writes: string[] = [];
    const renderer = createProgressRenderer({ write: (t: string) => writes.push(t), isTTY: false });
    renderer.update(detail());
    renderer.update(detail({}, { etaMs: 190_000 }));
    renderer.update(detail({}, { finished: 13, etaMs: 180_000 }));
    renderer.done();
    expect(writes).toHaveLength(2);
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\x1b'))).toBe(true);
    expect(writes[1]).toContain('13/50');
  });
});
