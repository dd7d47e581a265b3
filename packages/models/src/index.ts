// The public surface of @tunefleet/models. The tfjs-free hyperparameter arithmetic is also
// available alone as `@tunefleet/models/config`, and backend selection as
// `@tunefleet/models/backend` (only a process entry point should choose a backend).
export * from './config.js';
export * from './randomness.js';
export * from './build-model.js';
export * from './data/cifar10.js';
export * from './data/make-batch.js';
export * from './data/default-cifar10-dir.js';
export * from './data/download.js';
export * from './data/verify-cifar10.js';
export * from './data/dataset-error.js';
export * from './metrics.js';
export * from './evaluate.js';
export * from './checkpoint.js';
export * from './train.js';
export * from './backend.js';
export { installWasmTraining, WASM_TRAINING_KERNELS } from './wasm/install-wasm-training.js';
export * from './fractional-max-pool.js';
export * from './layers/seeded-dropout.js';
