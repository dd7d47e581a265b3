import * as tf from '@tensorflow/tfjs';

/**
 * Kernels for window-2 max pooling at given row and column starts, for the backends whose
 * tensors live in JavaScript-visible memory (cpu: typed arrays; wasm: the module heap). Both run
 * the same typed-array loops, reading and writing the backend's own buffers without copies.
 *
 * Why kernels rather than ops: composed from tfjs ops, the pool costs far more on wasm than the
 * convolutions around it. CPU time of forward + backward on wasm, NHWC, batch 125, the 32 → 20
 * layer with 46 channels (best of 3, scratch measurement on the shared 2-core machine):
 *   a stride-1 2×2 tf.maxPool by itself (wasm's MaxPoolGrad is slow)       413 ms
 *   that maxPool, then the chosen rows and columns taken by
 *     tf.gather                                   no gradient on wasm (UnsortedSegmentSum)
 *     tf.slice + tf.concat over runs of consecutive starts               1,968 ms
 *     0/1 selection matrices and batched tf.matMul                         807 ms
 *     selection matrices on the transposed tensor, 2-D tf.matMul           619 ms
 *   these loops (forward alone 46 ms)                                      113 ms
 * and for 20 → 13 × 62: 55 ms against 310 ms for the best composed form.
 * Backends without these kernels (tfjs-node, webgl) use the composed ops, which have native
 * kernels there.
 *
 * Forward returns the pooled values and, per output element, which of the four window cells
 * held the maximum (0: top-left, 1: top-right, 2: bottom-left, 3: bottom-right; the first in that
 * order wins ties, as in PyTorch's fractional_max_pool2d); the gradient sends each output
 * gradient to that cell, summing where windows overlap.
 */
export const FRACTIONAL_MAX_POOL_KERNEL = 'TunefleetFractionalMaxPool';
export const FRACTIONAL_MAX_POOL_GRAD_KERNEL = 'TunefleetFractionalMaxPoolGrad';

/** Backends whose memory these kernels read directly. */
export const FRACTIONAL_MAX_POOL_BACKENDS = ['cpu', 'wasm'] as const;

type TypedArray = Float32Array | Int32Array;

/** The two ways a backend exposes its memory; found by feature, so no backend is imported. */
interface HeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
interface ArrayBackend {
  readSync(dataId: tf.TensorInfo['dataId']): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: TypedArray): tf.TensorInfo;
}

function isHeapBackend(b: unknown): b is HeapBackend {
  return typeof (b as HeapBackend).typedArrayFromHeap === 'function' && typeof (b as HeapBackend).makeOutput === 'function';
}

function view(backend: unknown, t: tf.TensorInfo): TypedArray {
  if (isHeapBackend(backend)) return backend.typedArrayFromHeap(t);
  const values = (backend as ArrayBackend).readSync(t.dataId);
  if (!(values instanceof Float32Array || values instanceof Int32Array)) {
    throw new Error(`${FRACTIONAL_MAX_POOL_KERNEL}: the backend returned ${Object.prototype.toString.call(values)} for a ${t.dtype} tensor`);
  }
  return values;
}

/**
 * Allocates an output tensor. Views of wasm memory are taken only after every allocation of a
 * kernel, because an allocation can grow the heap and detach earlier views.
 */
function allocate(backend: unknown, shape: number[], dtype: 'float32' | 'int32'): tf.TensorInfo {
  if (isHeapBackend(backend)) return backend.makeOutput(shape, dtype);
  const size = shape.reduce((a, b) => a * b, 1);
  return (backend as ArrayBackend).makeTensorInfo(shape, dtype, dtype === 'float32' ? new Float32Array(size) : new Int32Array(size));
}

export interface PoolWindows {
  rows: number[];
  cols: number[];
}

/** x NHWC → y [N, rows.length, cols.length, C] and the winning cell of each output. */
export function poolForward(
  x: ArrayLike<number>,
  [n, h, w, c]: readonly number[],
  { rows, cols }: PoolWindows,
  y: { [i: number]: number },
  cell: { [i: number]: number },
): void {
  const oh = rows.length;
  const ow = cols.length;
  const rowStride = w * c;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const rowBase = (b * h + rows[i]) * rowStride;
      for (let j = 0; j < ow; j++) {
        const p00 = rowBase + cols[j] * c;
        const p01 = p00 + c;
        const p10 = p00 + rowStride;
        const p11 = p10 + c;
        for (let k = 0; k < c; k++, o++) {
          // `!(a <= best)` is true for a larger value and for NaN, so NaN propagates.
          let best = x[p00 + k];
          let win = 0;
          if (best === best) {
            const v01 = x[p01 + k];
            if (!(v01 <= best)) ((best = v01), (win = 1));
            if (best === best) {
              const v10 = x[p10 + k];
              if (!(v10 <= best)) ((best = v10), (win = 2));
              if (best === best) {
                const v11 = x[p11 + k];
                if (!(v11 <= best)) ((best = v11), (win = 3));
              }
            }
          }
          y[o] = best;
          cell[o] = win;
        }
      }
    }
  }
}

/** dx (zeroed, NHWC of the input) += dy routed to each output's winning cell. */
export function poolBackward(
  dy: ArrayLike<number>,
  cell: ArrayLike<number>,
  [n, h, w, c]: readonly number[],
  { rows, cols }: PoolWindows,
  dx: { [i: number]: number },
): void {
  const oh = rows.length;
  const ow = cols.length;
  const rowStride = w * c;
  const offsets = [0, c, rowStride, rowStride + c];
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const rowBase = (b * h + rows[i]) * rowStride;
      for (let j = 0; j < ow; j++) {
        const p00 = rowBase + cols[j] * c;
        for (let k = 0; k < c; k++, o++) dx[p00 + offsets[cell[o]] + k] += dy[o];
      }
    }
  }
}

function windowsOf(attrs: tf.NamedAttrMap): PoolWindows {
  return { rows: attrs.rows as number[], cols: attrs.cols as number[] };
}

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as tf.TensorInfo;
  const windows = windowsOf(attrs as tf.NamedAttrMap);
  const [n, , , c] = x.shape;
  const outShape = [n, windows.rows.length, windows.cols.length, c];
  const y = allocate(backend, outShape, 'float32');
  const cells = allocate(backend, outShape, 'int32');
  poolForward(view(backend, x), x.shape, windows, view(backend, y), view(backend, cells));
  return [y, cells];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as tf.TensorInfo;
  const cells = inputs.cells as tf.TensorInfo;
  const inputShape = (attrs as tf.NamedAttrMap).inputShape as number[];
  const dx = allocate(backend, inputShape, 'float32');
  const dxValues = view(backend, dx);
  // makeOutput on wasm does not clear recycled heap memory.
  dxValues.fill(0);
  poolBackward(view(backend, dy), view(backend, cells), inputShape, windowsOf(attrs as tf.NamedAttrMap), dxValues);
  return dx;
};

/** Registers the kernels for cpu and wasm (once per process; safe to call again). */
export function registerFractionalMaxPoolKernels(): void {
  for (const backendName of FRACTIONAL_MAX_POOL_BACKENDS) {
    if (tf.getKernel(FRACTIONAL_MAX_POOL_KERNEL, backendName) === undefined) {
      tf.registerKernel({ kernelName: FRACTIONAL_MAX_POOL_KERNEL, backendName, kernelFunc: forwardKernel });
    }
    if (tf.getKernel(FRACTIONAL_MAX_POOL_GRAD_KERNEL, backendName) === undefined) {
      tf.registerKernel({ kernelName: FRACTIONAL_MAX_POOL_GRAD_KERNEL, backendName, kernelFunc: gradKernel });
    }
  }
}
