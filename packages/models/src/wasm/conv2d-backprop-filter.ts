import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, heapOffset } from './wasm-heap.js';
import { disposeInfos, runWasmKernel } from './wasm-kernels.js';

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * Most elements of the unfolded input (see below) built at once: 2^22 floats, 16 MiB. Larger
 * batches are unfolded a few images at a time, which bounds the memory for any
 * hyperparameters and keeps each product's operands near the cache.
 */
export const UNFOLD_LIMIT = 2 ** 22;

/**
 * The filter gradient of a 2-D convolution, which the wasm backend does not ship, as one
 * matrix product per group of images:
 *
 *   dW[(a, b, ci), co] = Σ_k U[(a, b, ci), k] · dy[k, co],   k = (n, i, j) over the output,
 *   U[(a, b, ci), (n, i, j)] = xPadded[n, i·sh + a, j·sw + b, ci]
 *
 * U is the input unfolded ("im2col", Chellapilla et al. 2006) with the filter taps as rows;
 * dy, reshaped to [N·Ho·Wo, Co], is used as it lies, and the product [kh·kw·Ci, Co] already
 * is the filter layout [kh, kw, Ci, Co]. Neither operand is transposed, so the product runs in
 * XNNPACK's fully-connected kernel (see batch-mat-mul.ts).
 *
 * U is written in JavaScript from the input transposed to [Ci, N, H, W], where every row of U
 * is made of contiguous runs of an input row. The earlier form of this kernel, one forward
 * convolution with the batch as the reduction channel ([Ci, H, W, N] ⊛ [Ho, Wo, N, Co]),
 * made XNNPACK stream a filter of Ho·Wo·N·Co floats once per few output rows; on the first
 * layer of the seed model (3 → 46 channels at 32 × 32, batch 125) that ran at 3 GFLOP/s
 * against 20 for this product, and at 14–23 on the other layers against 21–31.
 * `unfoldLimit` (elements of U per group) is UNFOLD_LIMIT for the registered kernel.
 */
export function conv2DBackpropFilter(args: Parameters<tf.KernelFunc>[0], unfoldLimit = UNFOLD_LIMIT): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== 'channelsLast') {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`wasm Conv2DBackpropFilter supports float32 only, got x ${x.dtype} and dy ${dy.dtype}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const geometry: UnfoldGeometry = { n, h, w, ci, kh, kw, sh, sw, ho, wo, top: info.padInfo.top, left: info.padInfo.left };
  const rows = kh * kw * ci;
  const perImage = ho * wo;
  const imagesPerGroup = Math.max(1, Math.min(n, Math.floor(unfoldLimit / Math.max(1, rows * perImage))));

  const xt = runWasmKernel(backend, tf.Transpose, { x }, { perm: [3, 0, 1, 2] });
  const dy2 = runWasmKernel(backend, tf.Reshape, { x: dy }, { shape: [n * perImage, co] });
  let total: tf.TensorInfo | undefined;
  for (let n0 = 0; n0 < n; n0 += imagesPerGroup) {
    const images = Math.min(imagesPerGroup, n - n0);
    const unfolded = backend.makeOutput([rows, images * perImage], 'float32');
    const whole = images === n;
    const dyGroup = whole ? dy2 : backend.makeOutput([images * perImage, co], 'float32');
    // Views after every allocation: growing the heap detaches earlier ones.
    const heap = heapF32(backend);
    unfold(heap, heapOffset(backend, xt), heapOffset(backend, unfolded), geometry, n0, images);
    if (!whole) {
      const from = heapOffset(backend, dy2) + n0 * perImage * co;
      heap.copyWithin(heapOffset(backend, dyGroup), from, from + images * perImage * co);
    }
    const part = runWasmKernel(backend, tf.BatchMatMul, { a: unfolded, b: dyGroup }, { transposeA: false, transposeB: false });
    disposeInfos(backend, unfolded, ...(whole ? [] : [dyGroup]));
    if (total === undefined) {
      total = part;
    } else {
      const sums = heapF32(backend);
      const at = heapOffset(backend, total);
      const add = heapOffset(backend, part);
      for (let k = 0; k < rows * co; k++) sums[at + k] += sums[add + k];
      disposeInfos(backend, part);
    }
  }
  const dw = runWasmKernel(backend, tf.Reshape, { x: total! }, { shape: [kh, kw, ci, co] });
  disposeInfos(backend, xt, dy2, total!);
  return dw;
}

interface UnfoldGeometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ho: number;
  wo: number;
  top: number;
  left: number;
}

/**
 * Writes U for images [n0, n0 + images) at `outAt`: row (a, b, c) holds, for each image and
 * output position (i, j), the input at row i·sh + a − top and column j·sw + b − left of
 * channel c, or 0 in the padding. `xtAt` is the input as [Ci, N, H, W].
 */
export function unfold(heap: Float32Array, xtAt: number, outAt: number, g: UnfoldGeometry, n0: number, images: number): void {
  const { n, h, w, ci, kh, kw, sh, sw, ho, wo, top, left } = g;
  const span = images * ho * wo;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      // Output columns whose input column j·sw + b − left lies inside [0, w).
      const jLo = Math.min(wo, Math.max(0, Math.ceil((left - b) / sw)));
      const jHi = Math.max(jLo, Math.min(wo, Math.floor((w - 1 - b + left) / sw) + 1));
      for (let c = 0; c < ci; c++) {
        let o = outAt + ((a * kw + b) * ci + c) * span;
        const channel = xtAt + c * n * h * w;
        for (let image = n0; image < n0 + images; image++) {
          for (let i = 0; i < ho; i++) {
            const xr = i * sh + a - top;
            if (xr < 0 || xr >= h) {
              heap.fill(0, o, o + wo);
              o += wo;
              continue;
            }
            const src = channel + (image * h + xr) * w + b - left;
            for (let j = 0; j < jLo; j++) heap[o + j] = 0;
            if (sw === 1) {
              for (let j = jLo; j < jHi; j++) heap[o + j] = heap[src + j];
            } else {
              for (let j = jLo; j < jHi; j++) heap[o + j] = heap[src + j * sw];
            }
            for (let j = jHi; j < wo; j++) heap[o + j] = 0;
            o += wo;
          }
        }
      }
    }
  }
}

export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: (args) => conv2DBackpropFilter(args),
};
