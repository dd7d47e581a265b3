import { describe, expect, it } from 'vitest';
import { summariseProgress } from '../src/study-progress.js';

const counts = { WAITING: 1, RUNNING: 2, PAUSED: 0, COMPLETE: 5, PRUNED: 3, FAILED: 1 };
const createdAt = new Date('2026-01-01T00:00:00Z');
const now = new Date('2026-01-01T01:00:00Z');

describe('summariseProgress', () => {
  it('estimates the remaining time in waves of parallel trials of the mean duration', () => {
    const p = summariseProgress({ counts, maxTrials: 20, parallelism: 3, open: true, meanTrialDurationMs: 60_000, createdAt, finishedAt: null, now });
    expect(p).toMatchObject({ total: 12, finished: 9, remaining: 11, etaMs: 4 * 60_000, elapsedMs: 3_600_000 });
  });

  it('has no estimate before a trial finished, and none left for a final study', () => {
    expect(summariseProgress({ counts, maxTrials: 20, parallelism: 3, open: true, meanTrialDurationMs: null, createdAt, finishedAt: null, now }).etaMs).toBeNull();
    const finishedAt = new Date('2026-01-01T00:30:00Z');
    const final = summariseProgress({ counts, maxTrials: 20, parallelism: 3, open: false, meanTrialDurationMs: 1, createdAt, finishedAt, now });
    expect(final).toMatchObject({ etaMs: 0, elapsedMs: 1_800_000 });
  });

  it('never counts a negative budget when more trials finished than planned', () => {
    expect(summariseProgress({ counts, maxTrials: 5, parallelism: 1, open: true, meanTrialDurationMs: 10, createdAt, finishedAt: null, now })).toMatchObject({
      remaining: 0,
      etaMs: 0,
    });
  });
});
