import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfos, runWasmKernel } from './wasm-kernels.js';

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * The filter gradient of a 2-D convolution, which the wasm backend does not ship.
 *
 * dW[a,b,ci,co] = Σ_{n,i,j} xPadded[n, i·sh + a, j·sw + b, ci] · dy[n, i, j, co].
 * Reading the batch axis as the channel axis turns this into one forward convolution:
 * the input is x transposed to [Ci, H, W, N] and the "filter" is dy transposed to
 * [Ho, Wo, N, Co]; the forward stride of the original becomes the dilation, and the
 * result [Ci, kh, kw, Co] is transposed back to the filter layout [kh, kw, Ci, Co].
 * The same trick is how cuDNN-less frameworks commonly derive weight gradients; it keeps
 * the whole reduction inside XNNPACK's convolution, the fastest kernel wasm has.
 *
 * Padding: the top/left padding of the original applies unchanged, and the bottom/right
 * padding is whatever makes the output exactly kh × kw. For 'same' with an even kernel
 * the split is asymmetric (TensorFlow puts the extra row at the bottom), which this
 * handles because it reads top and bottom separately from `computeConv2DInfo`. When the
 * original convolution ignored trailing rows (valid padding, stride > 1), the required
 * padding is negative and those rows are sliced off instead.
 */
function conv2DBackpropFilter(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== 'channelsLast') {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
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
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let bottom = kh + (ho - 1) * sh - h - top;
  let right = kw + (wo - 1) * sw - w - left;

  const temporaries: tf.TensorInfo[] = [];
  let xt = runWasmKernel(backend, tf.Transpose, { x }, { perm: [3, 1, 2, 0] });
  temporaries.push(xt);
  if (bottom < 0 || right < 0) {
    const rows = h + Math.min(bottom, 0);
    const cols = w + Math.min(right, 0);
    xt = runWasmKernel(backend, tf.Slice, { x: xt }, { begin: [0, 0, 0, 0], size: [info.inChannels, rows, cols, info.batchSize] });
    temporaries.push(xt);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const dyt = runWasmKernel(backend, tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
  temporaries.push(dyt);
  const dwt = runWasmKernel(
    backend,
    tf.Conv2D,
    { x: xt, filter: dyt },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
    } as unknown as tf.NamedAttrMap,
  );
  temporaries.push(dwt);
  const dw = runWasmKernel(backend, tf.Transpose, { x: dwt }, { perm: [1, 2, 0, 3] });
  disposeInfos(backend, ...temporaries);
  return dw;
}

export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
