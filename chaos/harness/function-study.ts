/**
 * The request body of a function study (branin over two floats): trials cost no training, so a
 * scenario's time goes into the faults. Each epoch takes the workers' FUNCTION_EPOCH_MS, which the
 * scenario sets so that a kill timed just after an epoch report lands inside the next epoch.
 */
import type { ApiClient, StudyDetail } from '../../e2e/helpers/api-client.js';
import { waitFor } from '../../e2e/helpers/wait-for.js';

export interface FunctionStudyOptions {
  readonly name: string;
  readonly maxTrials: number;
  readonly parallelism: number;
  readonly seed: number;
  /** Epochs of every trial (no pruner), or the top of the ASHA ladder with `asha`. */
  readonly maxEpochs: number;
  readonly asha?: { readonly minEpochs: number; readonly reductionFactor: number };
  /** Default: TPE with 4 random start-up trials, so later trials depend on the history. */
  readonly sampler?: Readonly<Record<string, unknown>>;
}

export function functionStudy(options: FunctionStudyOptions): Record<string, unknown> {
  return {
    name: options.name,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    function: { name: 'branin' },
    maxTrials: options.maxTrials,
    parallelism: options.parallelism,
    seed: options.seed,
    sampler: options.sampler ?? { type: 'tpe', nStartupTrials: 4 },
    pruner:
      options.asha === undefined
        ? { type: 'none', maxEpochs: options.maxEpochs }
        : { type: 'asha', mode: 'stop', maxEpochs: options.maxEpochs, ...options.asha },
  };
}

/** Polls the api until the study is no longer RUNNING, and returns it. */
export function waitForStudyEnd(api: ApiClient, studyId: string, timeoutMs: number): Promise<StudyDetail> {
  return waitFor(
    `study ${studyId} to finish`,
    async () => {
      const study = await api.getStudy(studyId);
      return study.status === 'RUNNING' ? undefined : study;
    },
    { timeoutMs, intervalMs: 250 },
  );
}
