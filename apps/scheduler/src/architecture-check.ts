/**
 * Configurations that would be too big, or cannot be built, are never trained: the model's
 * architecture is computed from the hyperparameters (`@tunefleet/models/config`, no TensorFlow)
 * before a trial is dispatched.
 */
import { ArchitectureError, describeArchitecture, resolveHyperparameters } from '@tunefleet/models/config';
import { type Params, violatesConstraints } from '@tunefleet/search';
import type { StudyRuntime } from './study-runtime.js';

export type ArchitectureVerdict =
  | { readonly ok: true; readonly parameterCount: number | null }
  | { readonly ok: false; readonly failureType: 'rejected' | 'invalid-params'; readonly message: string; readonly parameterCount: number | null };

/** The params a worker trains: CNN jobs get the study's fixed hyperparameters too. */
export function jobParams(runtime: StudyRuntime, params: Params): Params {
  return runtime.objective.kind === 'cnn' ? ({ ...runtime.fixed, ...params } as Params) : params;
}

/**
 * Function objectives have no model (`parameterCount: null`). A CNN whose trainable parameters
 * exceed `constraints.maxParams` is `rejected`; one that cannot be built is `invalid-params`.
 */
export function checkArchitecture(runtime: StudyRuntime, params: Params): ArchitectureVerdict {
  if (runtime.objective.kind !== 'cnn') return { ok: true, parameterCount: null };
  let parameterCount: number;
  try {
    parameterCount = describeArchitecture(resolveHyperparameters(jobParams(runtime, params))).totalParams;
  } catch (err) {
    if (!(err instanceof ArchitectureError)) throw err;
    return { ok: false, failureType: 'invalid-params', message: err.message, parameterCount: null };
  }
  const { maxParams } = runtime.constraints;
  // Accuracy is unknown before training; only the size constraint is judged here.
  if (maxParams !== null && violatesConstraints({ params: parameterCount, accuracy: 1 }, { maxParams })) {
    return {
      ok: false,
      failureType: 'rejected',
      message: `the model has ${parameterCount} trainable parameters, more than constraints.maxParams (${maxParams})`,
      parameterCount,
    };
  }
  return { ok: true, parameterCount };
}
