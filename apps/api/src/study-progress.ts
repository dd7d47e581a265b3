import type { TrialState } from '@tunefleet/search';

export interface ProgressInput {
  readonly counts: Readonly<Record<TrialState, number>>;
  readonly maxTrials: number;
  readonly parallelism: number;
  /** Whether the study is still RUNNING; a final study has nothing left to wait for. */
  readonly open: boolean;
  /** Mean wall time of the trials that started and finished, or null when none has. */
  readonly meanTrialDurationMs: number | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
  readonly now: Date;
}

export interface Progress {
  readonly counts: Readonly<Record<TrialState, number>>;
  readonly total: number;
  readonly finished: number;
  readonly remaining: number;
  readonly meanTrialDurationMs: number | null;
  readonly etaMs: number | null;
  readonly elapsedMs: number;
}

/**
 * Counts, budget and a time estimate. The ETA assumes the unfinished budget runs in waves of
 * `parallelism` trials, each lasting the mean finished trial: ⌈remaining / parallelism⌉ × mean.
 * It ignores how far running trials have got and how much pruning will shorten the rest, so it is
 * an upper bound under a stop-mode pruner and a rough figure otherwise.
 */
export function summariseProgress(input: ProgressInput): Progress {
  const { counts } = input;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const finished = counts.COMPLETE + counts.PRUNED + counts.FAILED;
  const remaining = Math.max(0, input.maxTrials - finished);
  let etaMs: number | null;
  if (!input.open || remaining === 0) etaMs = 0;
  else if (input.meanTrialDurationMs === null) etaMs = null;
  else etaMs = Math.ceil(remaining / input.parallelism) * input.meanTrialDurationMs;
  const end = input.finishedAt ?? input.now;
  return {
    counts,
    total,
    finished,
    remaining,
    meanTrialDurationMs: input.meanTrialDurationMs,
    etaMs,
    elapsedMs: Math.max(0, end.getTime() - input.createdAt.getTime()),
  };
}
