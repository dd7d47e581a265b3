/**
 * Many workers against one scheduler (issue 6): ten worker processes take the jobs of one study of
 * instant Branin trials, ten at a time. No trial may run twice (no repeated number, no trial
 * started by two workers or twice by one, no retried job), every trial ends final, and the first
 * ten trials, proposed together for ten free slots, are ten different configurations (the
 * constant liar shows each proposal the ones before it as pending).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { StudyDetail, TrialSummary } from './helpers/api-client.js';
import { braninStudyBody, distinctCount, findDuplicates, jobStarts, normalisedPoints } from './helpers/many-workers.js';
import { startTestFleet, stopFleetAfterAll, type TestFleet } from './helpers/test-fleet.js';
import { waitFor } from './helpers/wait-for.js';

const WORKERS = 10;
const MAX_TRIALS = 60;

let env: TestFleet;
const log = jobStarts();
let study: StudyDetail | undefined;

beforeAll(async () => {
  env = await startTestFleet({
    workers: WORKERS,
    // Function trials only: no worker needs a trainer process (tfjs), which keeps ten of them light.
    workerEnv: { LAZY_TRAINER: 'true' },
    schedulerEnv: { POLL_INTERVAL_MS: '250' },
    onLog: log.record,
  });
});

stopFleetAfterAll(() => env, () => study !== undefined);

describe(`${WORKERS} workers against one scheduler`, () => {
  it('runs every trial exactly once, each first configuration different', async () => {
    const created = await env.api.createStudy(braninStudyBody({ name: 'many workers', maxTrials: MAX_TRIALS, parallelism: WORKERS, seed: 5 }));
    study = await waitFor(
      'the study to finish',
      async () => {
        const s = await env.api.getStudy(created.id);
        return s.status === 'RUNNING' ? undefined : s;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(study.status).toBe('COMPLETE');
    const trials: TrialSummary[] = await env.api.listTrials(created.id);
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: MAX_TRIALS }, (_, i) => i));
    expect(trials.filter((t) => t.state !== 'COMPLETE')).toEqual([]);

    expect(findDuplicates(trials, log.starts)).toEqual({ numbers: [], runs: [], retried: [] });
    // Every trial was started by a worker, and more than one worker took part.
    expect(new Set(log.starts.map((s) => s.trialId))).toEqual(new Set(trials.map((t) => t.id)));
    expect(new Set(log.starts.map((s) => s.worker)).size).toBeGreaterThan(1);

    expect(distinctCount(normalisedPoints(trials, WORKERS))).toBe(WORKERS);
  });
});
