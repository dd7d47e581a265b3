/**
 * What a many-worker run is judged by (issue 6): a Branin study with instant trials, the jobs each
 * worker started (from their `trial started` log lines), and from those and the trials: duplicate
 * runs, configurations that repeat, and how spread out the first trials are. Shared by
 * e2e/many-workers.e2e.test.ts and the 50-worker benchmark (e2e/bench/fleet-50.ts).
 */
import type { TrialSummary } from './api-client.js';
import type { LogLine } from './app-process.js';

export const BRANIN_SPACE = {
  x1: { type: 'float', low: -5, high: 10 },
  x2: { type: 'float', low: 0, high: 15 },
} as const;

/** A TPE study of instant Branin trials, one epoch each, `parallelism` at a time. */
export function braninStudyBody(options: { name: string; maxTrials: number; parallelism: number; seed: number }): Record<string, unknown> {
  return {
    name: options.name,
    space: BRANIN_SPACE,
    function: { name: 'branin' },
    maxTrials: options.maxTrials,
    parallelism: options.parallelism,
    seed: options.seed,
    sampler: { type: 'tpe' },
    pruner: { type: 'none', maxEpochs: 1 },
  };
}

/** One `trial started` line of a worker: a job of a trial that a worker began to run. */
export interface JobStart {
  readonly worker: string;
  readonly trialId: string;
  readonly attempt: number;
  readonly jobId: string;
}

/** Collects the job starts from the fleet's `onLog` (pass `record` as `onLog`). */
export function jobStarts(): { readonly starts: JobStart[]; record(app: string, line: LogLine): void } {
  const starts: JobStart[] = [];
  return {
    starts,
    record(app, line) {
      if (!app.startsWith('worker') || line.msg !== 'trial started') return;
      starts.push({ worker: app, trialId: String(line.trialId), attempt: Number(line.attempt), jobId: String(line.jobId) });
    },
  };
}

export interface Duplicates {
  /** Trial numbers that occur more than once. */
  readonly numbers: number[];
  /** Trials started more than once (by one worker or several), with who started them. */
  readonly runs: { trialId: string; workers: string[]; jobIds: string[] }[];
  /** Trials that needed more than one job attempt. */
  readonly retried: string[];
}

/** Every way a trial can have been run twice; all empty in a healthy run. */
export function findDuplicates(trials: readonly TrialSummary[], starts: readonly JobStart[]): Duplicates {
  const seen = new Set<number>();
  const numbers: number[] = [];
  for (const t of trials) {
    if (seen.has(t.number)) numbers.push(t.number);
    seen.add(t.number);
  }
  const byTrial = new Map<string, JobStart[]>();
  for (const s of starts) byTrial.set(s.trialId, [...(byTrial.get(s.trialId) ?? []), s]);
  const runs = [...byTrial]
    .filter(([, list]) => list.length > 1)
    .map(([trialId, list]) => ({ trialId, workers: list.map((s) => s.worker), jobIds: list.map((s) => s.jobId) }));
  return { numbers, runs, retried: trials.filter((t) => t.attempts > 1).map((t) => t.id) };
}

/** The first `n` trials by number as points of the unit square (each param scaled to [0, 1]). */
export function normalisedPoints(trials: readonly TrialSummary[], n: number): number[][] {
  return [...trials]
    .sort((a, b) => a.number - b.number)
    .slice(0, n)
    .map((t) => Object.entries(BRANIN_SPACE).map(([name, { low, high }]) => (Number(t.params[name]) - low) / (high - low)));
}

export function distinctCount(points: readonly number[][]): number {
  return new Set(points.map((p) => JSON.stringify(p))).size;
}

/** Mean Euclidean distance over all pairs of points. */
export function meanPairwiseDistance(points: readonly number[][]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      sum += Math.hypot(...points[i].map((v, k) => v - points[j][k]));
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

/**
 * The same figure for `n` uniform random points of the unit square, averaged over `draws` draws
 * from a fixed-seed generator (mulberry32): what random sampling would give (≈ 0.5214 for n → ∞).
 */
export function randomMeanPairwiseDistance(n: number, dims: number, draws = 200, seed = 1): number {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let total = 0;
  for (let d = 0; d < draws; d++) {
    total += meanPairwiseDistance(Array.from({ length: n }, () => Array.from({ length: dims }, next)));
  }
  return total / draws;
}
