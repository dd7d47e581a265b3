import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Attribute bag accepted by a kernel function (the engine passes plain objects). */
export type KernelAttrs = tf.NamedAttrMap;

/**
 * Runs another kernel of the wasm backend directly on TensorInfos, the way the wasm
 * backend's own kernels compose (e.g. its GatherV2 calls Reshape). Going through the
 * kernel registry instead of `tf.*` ops keeps composed kernels off the gradient tape
 * and out of the engine's bookkeeping; the caller owns the returned TensorInfo and must
 * release it with `backend.disposeData` unless it is the kernel's output.
 */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: KernelAttrs = {},
): tf.TensorInfo {
  const config = tf.getKernel(kernelName, 'wasm');
  if (config === undefined) {
    throw new Error(`wasm kernel '${kernelName}' is not registered`);
  }
  const out = config.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) {
    throw new Error(`wasm kernel '${kernelName}' returned several outputs where one was expected`);
  }
  return out;
}

/** Releases intermediate TensorInfos created by `runWasmKernel`. */
export function disposeInfos(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
