import * as tf from '@tensorflow/tfjs';
import { makeConv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum.js';

/** Kernel names whose wasm implementation `installWasmTraining` provides or replaces. */
export const WASM_TRAINING_KERNELS = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.UnsortedSegmentSum,
] as const;

const installed = new Set<tf.KernelConfig>();

/**
 * Makes the wasm backend able to train this package's models, registering kernels under
 * `backendName: 'wasm'` only.
 *
 * Why kernels and not gradients: `tf.registerGradient` is global, so overriding the Conv2D
 * gradient would change what the cpu, webgl and tensorflow backends compute too. A kernel
 * registered for 'wasm' is looked up only when wasm runs, so every other backend keeps its
 * native kernels and the tfjs-core gradients stay untouched (they call Conv2DBackpropFilter,
 * Conv2DBackpropInput and UnsortedSegmentSum by name, which now resolve on wasm).
 *
 * Idempotent; safe to call before or after `tf.setBackend('wasm')`, and without the wasm
 * backend package loaded at all (the registrations then simply never run).
 */
export function installWasmTraining(): { registered: string[] } {
  const registered: string[] = [];
  const install = (config: tf.KernelConfig): void => {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current !== undefined && installed.has(current)) return;
    if (current !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    installed.add(config);
    registered.push(config.kernelName);
  };
  install(conv2DBackpropFilterWasmConfig);
  const originalBackpropInput = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (originalBackpropInput === undefined || !installed.has(originalBackpropInput)) {
    install(makeConv2DBackpropInputWasmConfig(originalBackpropInput));
  }
  install(unsortedSegmentSumWasmConfig);
  return { registered };
}
