import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, heapOffset, isFourByte, sizeOf } from './wasm-heap.js';

/**
 * Tile for 4-byte tensors as block copies on the wasm heap. tfjs-core's batch-norm gradient
 * tiles the per-channel factor to the full activation shape ([1,1,1,C] → [N,H,W,C]); the
 * wasm backend's Tile computes every output index separately and took a fifth of a training
 * step in the profile. Here the input is laid out once, then each axis, innermost first, is
 * replicated with `copyWithin` (memmove), so the cost is one pass of memory writes.
 */
export function makeTileWasmConfig(fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  function tile(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const reps = (args.attrs as { reps: number[] }).reps;
    if (!isFourByte(x.dtype) || x.shape.length === 0 || reps.length !== x.shape.length) {
      if (fallback === undefined) throw new Error(`wasm Tile: unsupported dtype ${x.dtype}`);
      return fallback.kernelFunc(args);
    }
    const rank = x.shape.length;
    const inShape = x.shape;
    const outShape = inShape.map((d, i) => d * reps[i]);
    const out = backend.makeOutput(outShape, x.dtype);
    if (sizeOf(outShape) === 0) return out;
    const heap = heapF32(backend);
    const xAt = heapOffset(backend, x);
    const outAt = heapOffset(backend, out);
    const outStrides = new Array<number>(rank);
    outStrides[rank - 1] = 1;
    for (let a = rank - 2; a >= 0; a--) outStrides[a] = outStrides[a + 1] * outShape[a + 1];
    // Block starts of the input's rows (all axes but the last) inside the output.
    const forEachStart = (axes: number, visit: (offset: number, index: number) => void): void => {
      const count = sizeOf(inShape.slice(0, axes));
      const idx = new Array<number>(axes).fill(0);
      for (let n = 0; n < count; n++) {
        let offset = 0;
        for (let a = 0; a < axes; a++) offset += idx[a] * outStrides[a];
        visit(offset, n);
        for (let a = axes - 1; a >= 0; a--) {
          if (++idx[a] < inShape[a]) break;
          idx[a] = 0;
        }
      }
    };
    const row = inShape[rank - 1];
    forEachStart(rank - 1, (offset, n) => heap.copyWithin(outAt + offset, xAt + n * row, xAt + (n + 1) * row));
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (reps[axis] === 1) continue;
      const segment = inShape[axis] * outStrides[axis];
      forEachStart(axis, (offset) => {
        const start = outAt + offset;
        for (let r = 1; r < reps[axis]; r++) heap.copyWithin(start + r * segment, start, start + segment);
      });
    }
    return out;
  }
  return {
    kernelName: tf.Tile,
    backendName: 'wasm',
    kernelFunc: tile,
    ...(fallback?.setupFunc === undefined ? {} : { setupFunc: fallback.setupFunc }),
  };
}
