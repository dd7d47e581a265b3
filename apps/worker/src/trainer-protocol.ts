/**
 * The IPC messages between the worker process (trainer-client.ts) and its trainer child process
 * (trainer-process.ts). Both ends are deployed together, so these are plain types, not contracts.
 * Everything is JSON-serialisable (Node's default 'json' IPC serialisation).
 */
import type { EpochReport } from '@tunefleet/models';
import type { TrainingBackend } from '@tunefleet/contracts';

export interface TrainRequest {
  /** Model hyperparameters (the job's params). */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly seed: number;
  /**
   * Resuming another trial's checkpoint (a retry): continue that checkpoint's random streams, so
   * its seed replaces `seed`. The model's hyperparameters must still match.
   */
  readonly adoptCheckpointSeed: boolean;
  readonly dataset: { readonly trainSize: number; readonly validationSize: number };
  /** The last epoch to train. */
  readonly maxEpochs: number;
  /** Where `train()` writes `epoch-<n>/` checkpoint folders. */
  readonly checkpointDir: string;
  /** An unpacked `epoch-<n>/` checkpoint folder to continue from. */
  readonly resumeFrom?: string;
}

/** `train()`'s result without the model, as it crosses the process boundary. */
export interface TrainSummary {
  readonly outcome: 'complete' | 'stopped' | 'diverged';
  readonly epochsCompleted: number;
  readonly lastReport?: EpochReport;
  readonly parameterCount: number;
  readonly divergence?: { epoch: number; phase: 'train' | 'validation'; batch?: number; loss: number };
}

/** An error reduced to what classification and logs need. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export type ParentMessage =
  | { readonly type: 'init'; readonly backend?: TrainingBackend; readonly cifar10Dir?: string }
  | { readonly type: 'train'; readonly id: number; readonly request: TrainRequest }
  | { readonly type: 'abort'; readonly id: number }
  | { readonly type: 'epoch-ack'; readonly id: number; readonly epoch: number };

export type ChildMessage =
  | { readonly type: 'ready'; readonly backend: TrainingBackend; readonly gpu?: string; readonly detail: string }
  | { readonly type: 'init-failed'; readonly error: SerializedError }
  | { readonly type: 'log'; readonly msg: string; readonly data?: object }
  | { readonly type: 'epoch'; readonly id: number; readonly report: EpochReport }
  | { readonly type: 'result'; readonly id: number; readonly summary: TrainSummary }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' && { code }), ...(err.stack && { stack: err.stack }) };
  }
  return { name: 'Error', message: String(err) };
}

/** An error of the trainer process, rebuilt in the worker with its name and code. */
export class TrainerError extends Error {
  readonly code?: string;
  constructor(serialized: SerializedError) {
    super(serialized.message);
    this.name = serialized.name;
    if (serialized.code !== undefined) this.code = serialized.code;
    if (serialized.stack !== undefined) this.stack = serialized.stack;
  }
}

/** The trainer process ended while a trial was training; a retry gets a fresh process. */
export class TrainerCrashedError extends Error {
  readonly code = 'TRAINER_CRASHED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TrainerCrashedError';
  }
}
