import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfos, runWasmKernel } from './wasm-kernels.js';

/**
 * BatchMatMul with transposed operands through the backend's fast path. The wasm backend
 * hands a product to XNNPACK's fully-connected operator only when neither operand is
 * transposed and there is a single batch; every other product runs a scalar blocked loop
 * (tfjs-backend-wasm `batch_mat_mul_impl.cc`). The gradients of a dense layer are exactly
 * those products (dx = dy·Wᵀ, dW = xᵀ·dy), and on the seed model's 840 × 277 layer the
 * scalar loop cost more than the layer's forward pass many times over. Materialising the
 * transpose (one pass over the operand) and multiplying untransposed is exact: the same
 * products are summed, only in XNNPACK's order. Batched products keep the original kernel.
 */
export function makeBatchMatMulWasmConfig(fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  function batchMatMul(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
    if (fallback === undefined) throw new Error('wasm BatchMatMul: the backend kernel is not registered');
    const original = fallback;
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const single = (t: tf.TensorInfo) => t.shape.length >= 2 && t.shape.slice(0, -2).every((d) => d === 1);
    if ((!transposeA && !transposeB) || !single(a) || !single(b) || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return original.kernelFunc(args);
    }
    const temporaries: tf.TensorInfo[] = [];
    const untransposed = (t: tf.TensorInfo, transposed: boolean): tf.TensorInfo => {
      if (!transposed) return t;
      const rank = t.shape.length;
      const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
      const out = runWasmKernel(backend, tf.Transpose, { x: t }, { perm });
      temporaries.push(out);
      return out;
    };
    const a2 = untransposed(a, transposeA);
    const b2 = untransposed(b, transposeB);
    const out = original.kernelFunc({
      inputs: { a: a2, b: b2 },
      backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
    disposeInfos(backend, ...temporaries);
    return out;
  }
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    kernelFunc: batchMatMul,
    // The original binds its wasm export in its setup function; keep it bound when the
    // backend is (re)initialised after this config replaced it.
    ...(fallback?.setupFunc === undefined ? {} : { setupFunc: fallback.setupFunc }),
  };
}
