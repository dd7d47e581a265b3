import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * The wasm heap as one Float32Array plus a tensor's element offset in it. Kernels written in
 * JavaScript over the heap can move whole rows with `copyWithin` (a memmove, and bitwise, so
 * it serves int32 tensors too). Take the view after every allocation (`makeOutput`): growing
 * the heap replaces the buffer and detaches older views.
 */
export function heapF32(backend: BackendWasm): Float32Array {
  return (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
}

/** Element offset (4-byte units) of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('tensor data is not on the wasm backend');
  return data.memoryOffset / 4;
}

/** Whether a dtype is stored as 4-byte elements on the wasm heap. */
export function isFourByte(dtype: tf.DataType): boolean {
  return dtype === 'float32' || dtype === 'int32';
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
