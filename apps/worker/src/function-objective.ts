/**
 * Function objectives (`objective.kind = 'function'`): a closed-form test function of the trial's
 * params, evaluated in the worker process itself (no trainer process, no tfjs). To exercise
 * pruners and promotion exactly as a CNN trial would, each epoch reports a point of a fixed
 * learning curve that falls towards the function's value, and stores a small checkpoint archive,
 * so a paused or handed-back trial resumes where it stopped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EpochMetrics, FinalMetrics, FunctionObjectiveName, TrialRunJob } from '@tunefleet/contracts';
import { evaluateTestFunction } from '@tunefleet/search';
import { type CheckpointArchive, CheckpointArchiveError, archiveFiles, readCheckpointFiles } from './checkpoint-archive.js';

/** Params a test function cannot take; names the offending param. Deterministic. */
export class FunctionParamsError extends Error {
  readonly code = 'FUNCTION_PARAMS_INVALID' as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'FunctionParamsError';
  }
}

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

/**
 * The function's input vector: every param, in natural key order (x0, x1, …, x9, x10, so x10 is
 * not taken for the second input). All params must be finite numbers.
 */
export function functionInputs(params: Readonly<Record<string, unknown>>): number[] {
  const names = Object.keys(params).sort(naturalOrder);
  return names.map((name) => {
    const value = params[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new FunctionParamsError(`params.${name}`, `must be a finite number for a function objective, got ${JSON.stringify(value)}`);
    }
    return value;
  });
}

/** The objective value of `params`; throws FunctionParamsError for params the function cannot take. */
export function evaluateFunctionObjective(name: FunctionObjectiveName, params: Readonly<Record<string, unknown>>): number {
  const inputs = functionInputs(params);
  try {
    return evaluateTestFunction(name, inputs);
  } catch (err) {
    if (err instanceof RangeError) throw new FunctionParamsError('params', err.message);
    throw err;
  }
}

/** How far above the final value the curve starts (at epoch 1). */
export const CURVE_GAP = 10;

/**
 * The value reported at `epoch` (1-based): value + CURVE_GAP/epoch. At every epoch it orders
 * trials exactly as their final values do, so rung decisions on it are the decisions the final
 * values would give, and it improves (falls) monotonically like a training loss.
 */
export function curveValue(value: number, epoch: number): number {
  return value + CURVE_GAP / epoch;
}

const FORMAT = 'tunefleet-function-checkpoint';
const STATE_FILE = 'state.json';

interface FunctionCheckpointState {
  format: typeof FORMAT;
  version: 1;
  objective: FunctionObjectiveName;
  epoch: number;
  inputs: number[];
}

export function functionCheckpoint(name: FunctionObjectiveName, inputs: number[], epoch: number): CheckpointArchive {
  const state: FunctionCheckpointState = { format: FORMAT, version: 1, objective: name, epoch, inputs };
  return archiveFiles(epoch, { [STATE_FILE]: Buffer.from(JSON.stringify(state)) });
}

/**
 * Checks that an archive is the checkpoint of this function and these params at `epoch`; anything
 * else (a CNN checkpoint, other params) is `corrupt` for this job.
 */
export function verifyFunctionCheckpoint(data: Uint8Array, name: FunctionObjectiveName, inputs: number[], epoch: number): void {
  const files = readCheckpointFiles(data, epoch);
  const raw = files.get(STATE_FILE);
  let state: Partial<FunctionCheckpointState> | undefined;
  try {
    state = raw === undefined ? undefined : JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    state = undefined;
  }
  const same =
    state?.format === FORMAT &&
    state.objective === name &&
    state.epoch === epoch &&
    Array.isArray(state.inputs) &&
    state.inputs.length === inputs.length &&
    state.inputs.every((v, i) => v === inputs[i]);
  if (!same) {
    throw new CheckpointArchiveError('corrupt', `checkpoint archive of epoch ${epoch} is not a ${name} checkpoint of these params`);
  }
}

export interface FunctionRunOptions {
  /** Simulated duration of one epoch (0: instant). */
  readonly epochMs: number;
  /** Aborting ends the run before the next epoch. */
  readonly signal: AbortSignal;
  /** Awaited after each epoch with its metrics and checkpoint; may abort `signal`. */
  readonly onEpochEnd: (epoch: number, metrics: EpochMetrics, checkpoint: CheckpointArchive) => Promise<void>;
}

export interface FunctionRunResult {
  readonly outcome: 'complete' | 'interrupted';
  /** The last epoch completed, counting those before a resume. */
  readonly epochsCompleted: number;
  readonly metrics: FinalMetrics;
}

/** Runs epochs startEpoch + 1 … maxEpochs of a function objective. */
export async function runFunctionObjective(
  job: TrialRunJob & { objective: { kind: 'function' } },
  options: FunctionRunOptions,
): Promise<FunctionRunResult> {
  const { name } = job.objective;
  const inputs = functionInputs(job.params);
  const value = evaluateFunctionObjective(name, job.params);
  const metrics: FinalMetrics = { value };
  let epoch = job.startEpoch;
  while (epoch < job.maxEpochs) {
    if (options.signal.aborted) return { outcome: 'interrupted', epochsCompleted: epoch, metrics };
    const started = performance.now();
    if (options.epochMs > 0) {
      try {
        await sleep(options.epochMs, undefined, { signal: options.signal });
      } catch {
        return { outcome: 'interrupted', epochsCompleted: epoch, metrics };
      }
    }
    epoch += 1;
    const elapsedMs = Math.round(performance.now() - started);
    await options.onEpochEnd(epoch, { value: curveValue(value, epoch), elapsedMs }, functionCheckpoint(name, inputs, epoch));
  }
  return { outcome: 'complete', epochsCompleted: epoch, metrics };
}
