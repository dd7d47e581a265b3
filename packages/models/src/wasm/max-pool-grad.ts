import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, heapOffset } from './wasm-heap.js';

/**
 * MaxPoolGrad (NHWC, float32) as one pass over the pooled windows: find each window's
 * maximum per channel, then add dy at that position. The first maximum in row-major window
 * order wins, as in the cpu backend (`pixel > maxValue` from −∞), so ties (common after relu)
 * route the gradient identically. The wasm backend's kernel cost ~70 ns per input element on
 * this model's stride-1 window-2 pools, the largest single cost of a training step; this
 * loop reads each window once with channels innermost (contiguous).
 */
export function makeMaxPoolGradWasmConfig(fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  function maxPoolGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
    const backend = args.backend as BackendWasm;
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (input.dtype !== 'float32' || input.shape.length !== 4) {
      if (fallback === undefined) throw new Error('wasm MaxPoolGrad: unsupported input');
      return fallback.kernelFunc(args);
    }
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
    const { filterHeight, filterWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const dx = backend.makeOutput(input.shape, 'float32');
    const heap = heapF32(backend);
    const xAt = heapOffset(backend, input);
    const dyAt = heapOffset(backend, dy);
    const dxAt = heapOffset(backend, dx);
    heap.fill(0, dxAt, dxAt + batchSize * inHeight * inWidth * c);
    const best = new Float32Array(c);
    const where = new Int32Array(c);
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < outHeight; yr++) {
        const r0 = yr * strideHeight - top;
        for (let yc = 0; yc < outWidth; yc++) {
          const c0 = yc * strideWidth - left;
          best.fill(Number.NEGATIVE_INFINITY);
          where.fill(-1);
          for (let wr = 0; wr < filterHeight; wr++) {
            const xr = r0 + wr;
            if (xr < 0 || xr >= inHeight) continue;
            for (let wc = 0; wc < filterWidth; wc++) {
              const xc = c0 + wc;
              if (xc < 0 || xc >= inWidth) continue;
              const base = ((b * inHeight + xr) * inWidth + xc) * c;
              for (let ch = 0; ch < c; ch++) {
                const v = heap[xAt + base + ch];
                if (v > best[ch]) {
                  best[ch] = v;
                  where[ch] = base + ch;
                }
              }
            }
          }
          const dyBase = dyAt + ((b * outHeight + yr) * outWidth + yc) * c;
          for (let ch = 0; ch < c; ch++) {
            const at = where[ch];
            if (at >= 0) heap[dxAt + at] += heap[dyBase + ch];
          }
        }
      }
    }
    return dx;
  }
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: 'wasm',
    kernelFunc: maxPoolGrad,
    ...(fallback?.setupFunc === undefined ? {} : { setupFunc: fallback.setupFunc }),
  };
}
