import { ContractError } from '@tunefleet/contracts';
import { ArchitectureError } from '@tunefleet/models/config';
import { describe, expect, it } from 'vitest';
import { CheckpointArchiveError } from '../src/checkpoint-archive.js';
import { classifyTrainingError } from '../src/classify-training-error.js';
import { FunctionParamsError } from '../src/function-objective.js';
import { TrainerCrashedError, TrainerError } from '../src/trainer-protocol.js';

/** An error as it arrives from the trainer process: name, code and message only. */
const remote = (name: string, message: string, code?: string) => new TrainerError({ name, message, ...(code && { code }) });

describe('classifyTrainingError', () => {
  it.each([
    ['a payload that breaks the contract', new ContractError('trial.run', [{ path: '/seed', message: 'is required' }]), 'invalid-job'],
    ['invalid hyperparameters', new ArchitectureError([{ field: 'cnn_layers', message: 'must be at most 16' }]), 'invalid-params'],
    ['invalid hyperparameters from the trainer', remote('ArchitectureError', 'invalid model hyperparameters', 'ARCHITECTURE_INVALID'), 'invalid-params'],
    ['invalid training options', remote('TrainOptionsError', 'invalid training options', 'TRAIN_OPTIONS_INVALID'), 'invalid-params'],
    ['function params', new FunctionParamsError('params.x', 'must be a finite number'), 'invalid-params'],
    ['dataset sizes', remote('DatasetError', 'trainSize: too large', 'DATASET_OPTIONS_INVALID'), 'invalid-params'],
    ['a corrupt checkpoint', remote('CheckpointError', 'weights.bin checksum mismatch', 'CHECKPOINT_INVALID'), 'checkpoint-corrupt'],
    ['a missing archive', new CheckpointArchiveError('missing', 'no checkpoint archive'), 'checkpoint-corrupt'],
    ['a tfjs-layers ValueError', remote('ValueError', 'Input 0 is incompatible with layer dense_Dense1'), 'shape-error'],
    ['a shape mismatch', new Error('Error in matMul: inner shapes (840) and (841) of Tensors with shapes 2,840 and 841,10 must match'), 'shape-error'],
    ['broadcasting', new Error('Operands could not be broadcast together with shapes 2,3 and 4.'), 'shape-error'],
    ['TensorFlow out of memory', remote('Error', 'OOM when allocating tensor with shape[4096,210,32,32]'), 'out-of-memory'],
    ['wasm out of memory', new RangeError('WebAssembly.Memory.grow(): Cannot allocate Wasm memory for new instance'), 'out-of-memory'],
  ])('fails the trial at once for %s', (_, err, type) => {
    expect(classifyTrainingError(err)).toEqual({ retryable: false, failure: { type, message: err.message } });
  });

  it.each([
    ['a crashed trainer process', new TrainerCrashedError('trainer process exited while training (code null, signal SIGKILL)'), 'worker-error'],
    ['a missing data set on this machine', remote('DatasetError', 'CIFAR10_DIR: not set', 'DATASET_NOT_FOUND'), 'dataset-unavailable'],
    ['a damaged data set on this machine', remote('DatasetError', 'data_batch_1: truncated', 'DATASET_CORRUPT'), 'dataset-unavailable'],
    ['a backend that did not load', remote('BackendUnavailableError', 'no tfjs backend could be loaded', 'BACKEND_UNAVAILABLE'), 'backend-unavailable'],
    ['Redis going away', new Error('Connection is closed.'), 'worker-error'],
    ['a file system error', Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }), 'worker-error'],
  ])('retries %s', (_, err, type) => {
    expect(classifyTrainingError(err)).toEqual({ retryable: true, failure: { type, message: err.message } });
  });

  it('classifies thrown values that are not errors', () => {
    expect(classifyTrainingError('boom')).toEqual({ retryable: true, failure: { type: 'worker-error', message: 'boom' } });
    expect(classifyTrainingError(undefined).retryable).toBe(true);
  });

  it('caps the message at the 4,000 characters the contract allows', () => {
    const { failure } = classifyTrainingError(new Error('x'.repeat(10_000)));
    expect(failure.message).toHaveLength(4_000);
  });
});
