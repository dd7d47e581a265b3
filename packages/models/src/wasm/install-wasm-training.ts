import * as tf from '@tensorflow/tfjs';
import { makeBatchMatMulWasmConfig } from './batch-mat-mul.js';
import { makeConv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { makeGatherWasmConfig } from './gather.js';
import { makeMeanWasmConfig, makeSumWasmConfig } from './leading-axes-reduce.js';
import { makeMaxPoolGradWasmConfig } from './max-pool-grad.js';
import { makeTileWasmConfig } from './tile.js';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum.js';

type ConfigFactory = (original: tf.KernelConfig | undefined) => tf.KernelConfig;

/**
 * What `installWasmTraining` registers for 'wasm', each built from the backend's original
 * kernel (if any), which the replacement falls back to outside its fast path.
 * Missing on wasm: Conv2DBackpropFilter and UnsortedSegmentSum (the gradients of conv2d and
 * gather). Present but slow enough to dominate a training step (see bench/speed.ts
 * --profile): the rest.
 */
const FACTORIES: ReadonlyArray<[string, ConfigFactory]> = [
  [tf.Conv2DBackpropFilter, () => conv2DBackpropFilterWasmConfig],
  [tf.Conv2DBackpropInput, makeConv2DBackpropInputWasmConfig],
  [tf.UnsortedSegmentSum, () => unsortedSegmentSumWasmConfig],
  [tf.MaxPoolGrad, makeMaxPoolGradWasmConfig],
  [tf.GatherV2, makeGatherWasmConfig],
  [tf.Tile, makeTileWasmConfig],
  [tf.Sum, makeSumWasmConfig],
  [tf.Mean, makeMeanWasmConfig],
  [tf.BatchMatMul, makeBatchMatMulWasmConfig],
];

/** Kernel names whose wasm implementation `installWasmTraining` provides or replaces. */
export const WASM_TRAINING_KERNELS: readonly string[] = FACTORIES.map(([name]) => name);

const installed = new WeakSet<tf.KernelConfig>();

/**
 * Makes the wasm backend train this package's models quickly, registering kernels under
 * `backendName: 'wasm'` only.
 *
 * Why kernels and not gradients: `tf.registerGradient` is global, so overriding the Conv2D
 * gradient would change what the cpu, webgl and tensorflow backends compute too. A kernel
 * registered for 'wasm' is looked up only when wasm runs, so every other backend keeps its
 * native kernels and the tfjs-core gradients stay as they are: they call
 * Conv2DBackpropFilter, Conv2DBackpropInput, UnsortedSegmentSum, MaxPoolGrad, Tile, Sum,
 * Mean and BatchMatMul by name, which now resolve to these implementations on wasm.
 *
 * Idempotent; safe to call before or after `tf.setBackend('wasm')`, and without the wasm
 * backend package loaded (the registrations then never run). Returns the kernels it
 * registered on this call.
 */
export function installWasmTraining(): { registered: string[] } {
  const registered: string[] = [];
  for (const [name, factory] of FACTORIES) {
    const current = tf.getKernel(name, 'wasm');
    if (current !== undefined && installed.has(current)) continue;
    const config = factory(current);
    if (current !== undefined) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
    installed.add(config);
    registered.push(name);
  }
  return { registered };
}
