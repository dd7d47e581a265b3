/**
 * Decides what a failed job means (STYLE §2.9): a deterministic failure fails the trial at once
 * (BullMQ `UnrecoverableError`), a transient one is retried by BullMQ with backoff. Errors may come
 * from the trainer child process, where only their name, code and message survive, so the
 * decision reads those fields and never `instanceof` (trigger.dev's `runStatusFromError` style).
 * Divergence and stop requests never get here: they are outcomes, not exceptions.
 */
import type { TrialFailure } from '@tunefleet/contracts';

export interface TrainingErrorClass {
  /** True: rethrow so BullMQ retries the job; false: fail the trial now. */
  readonly retryable: boolean;
  /** What the `finished` event carries when the trial fails for this error. */
  readonly failure: TrialFailure;
}

/** The contracts cap `failure.message` at 4,000 characters. */
const MAX_MESSAGE = 4_000;

/**
 * Error codes of the workspace's own errors, each with its failure type and whether a retry can
 * help. Typed as a complete table so a new code is a compile-time decision, not a fall-through.
 */
const BY_CODE = {
  // @tunefleet/contracts: a payload that breaks the contract breaks it on every attempt.
  CONTRACT_INVALID: { type: 'invalid-job', retryable: false },
  // @tunefleet/models: hyperparameters the model cannot be built or trained with.
  ARCHITECTURE_INVALID: { type: 'invalid-params', retryable: false },
  TRAIN_OPTIONS_INVALID: { type: 'invalid-params', retryable: false },
  // function-objective.ts: parameters a test function cannot take.
  FUNCTION_PARAMS_INVALID: { type: 'invalid-params', retryable: false },
  // A checkpoint or its archive that fails verification fails it again.
  CHECKPOINT_INVALID: { type: 'checkpoint-corrupt', retryable: false },
  CHECKPOINT_ARCHIVE_INVALID: { type: 'checkpoint-corrupt', retryable: false },
  // Data set sizes the job asks for cannot be served by any worker.
  DATASET_OPTIONS_INVALID: { type: 'invalid-params', retryable: false },
  // This worker's copy of the data set is missing or damaged: another worker may have a good one.
  DATASET_NOT_FOUND: { type: 'dataset-unavailable', retryable: true },
  DATASET_CORRUPT: { type: 'dataset-unavailable', retryable: true },
  CHECKSUM_MISMATCH: { type: 'dataset-unavailable', retryable: true },
  DOWNLOAD_FAILED: { type: 'dataset-unavailable', retryable: true },
  // The machine's backend failed to load, or the trainer process died: the next attempt gets a
  // fresh process, possibly on another machine.
  BACKEND_UNAVAILABLE: { type: 'backend-unavailable', retryable: true },
  TRAINER_CRASHED: { type: 'worker-error', retryable: true },
} as const satisfies Record<string, { type: string; retryable: boolean }>;

type KnownCode = keyof typeof BY_CODE;

// Out of memory, as tfjs-node (TensorFlow's ResourceExhausted), wasm and V8 say it. A model that
// does not fit does not fit on the next attempt either, so it is deterministic.
const OUT_OF_MEMORY = /\bOOM\b|out of memory|ResourceExhausted|failed to allocate|allocation failed|Cannot allocate Wasm memory/i;
// Shape mismatches from tfjs-core ops and tfjs-layers' ValueError.
const SHAPE_MISMATCH = /could not be broadcast|shapes? .*(must match|incompatible|mismatch)|expected .* to have shape/i;

function fieldOf(err: unknown, key: string): unknown {
  return err !== null && typeof err === 'object' ? (err as Record<string, unknown>)[key] : undefined;
}

function messageOf(err: unknown): string {
  const message = err instanceof Error || typeof fieldOf(err, 'message') === 'string' ? String(fieldOf(err, 'message')) : String(err);
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
}

/** Classifies any thrown value; see the table above and the two patterns for tfjs's own errors. */
export function classifyTrainingError(err: unknown): TrainingErrorClass {
  const message = messageOf(err);
  const code = fieldOf(err, 'code');
  if (typeof code === 'string' && Object.hasOwn(BY_CODE, code)) {
    const { type, retryable } = BY_CODE[code as KnownCode];
    return { retryable, failure: { type, message } };
  }
  if (OUT_OF_MEMORY.test(message)) return { retryable: false, failure: { type: 'out-of-memory', message } };
  if (fieldOf(err, 'name') === 'ValueError' || SHAPE_MISMATCH.test(message)) {
    return { retryable: false, failure: { type: 'shape-error', message } };
  }
  // Anything else (Redis unreachable, a file system error, a bug) may pass on a fresh attempt.
  return { retryable: true, failure: { type: 'worker-error', message } };
}
