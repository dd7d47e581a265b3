import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, heapOffset, isFourByte, sizeOf } from './wasm-heap.js';

/**
 * GatherV2 (batchDims 0, 4-byte dtypes) as row copies on the wasm heap: every gathered
 * slice is contiguous (all axes after `axis`), so the output is one `copyWithin` per
 * (outer index, gathered index). Pooling layers that pick rows and columns by index gather
 * whole activations; the backend's kernel computes each element's address separately
 * (~40 ns per element here) and cost more than the convolutions.
 */
export function makeGatherWasmConfig(fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  function gather(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
    const backend = args.backend as BackendWasm;
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    if (!isFourByte(x.dtype) || indices.dtype !== 'int32' || (batchDims ?? 0) !== 0 || x.shape.length === 0) {
      if (fallback === undefined) throw new Error('wasm GatherV2: unsupported input');
      return fallback.kernelFunc(args);
    }
    const a = tf.util.parseAxisParam(axis, x.shape)[0];
    const outer = sizeOf(x.shape.slice(0, a));
    const dim = x.shape[a];
    const slice = sizeOf(x.shape.slice(a + 1));
    const count = sizeOf(indices.shape);
    const outShape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
    const out = backend.makeOutput(outShape, x.dtype);
    const heap = heapF32(backend);
    const ids = new Int32Array(heap.buffer, heapOffset(backend, indices) * 4, count);
    for (let j = 0; j < count; j++) {
      if (ids[j] < 0 || ids[j] >= dim) throw new Error(`GatherV2: the index value ${ids[j]} is not in [0, ${dim - 1}]`);
    }
    const xAt = heapOffset(backend, x);
    const outAt = heapOffset(backend, out);
    // Short slices are copied element by element through an Int32 view: bitwise for both
    // dtypes, where a Float32 view could rewrite int32 patterns that read as NaN.
    const words = new Int32Array(heap.buffer);
    for (let o = 0; o < outer; o++) {
      const src = xAt + o * dim * slice;
      const dst = outAt + o * count * slice;
      for (let j = 0; j < count; j++) {
        const from = src + ids[j] * slice;
        if (slice < 16) {
          for (let k = 0; k < slice; k++) words[dst + j * slice + k] = words[from + k];
        } else {
          heap.copyWithin(dst + j * slice, from, from + slice);
        }
      }
    }
    return out;
  }
  return {
    kernelName: tf.GatherV2,
    backendName: 'wasm',
    kernelFunc: gather,
    ...(fallback?.setupFunc === undefined ? {} : { setupFunc: fallback.setupFunc }),
  };
}
