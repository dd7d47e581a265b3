import * as tf from '@tensorflow/tfjs';
import { canPoolWindow2 } from './config.js';
import {
  FRACTIONAL_MAX_POOL_GRAD_KERNEL,
  FRACTIONAL_MAX_POOL_KERNEL,
  registerFractionalMaxPoolKernels,
  type PoolWindows,
} from './layers/fractional-max-pool-kernel.js';
import { RandomStream, uniformsFromSeed } from './randomness.js';

registerFractionalMaxPoolKernels();

/** u is used on a grid of 2^-24 so that window starts are computed in exact integer arithmetic. */
const U_STEPS = 2 ** 24;

/**
 * Start rows of the windows (size 2) that pool `input` rows into `output`, for one uniform u in
 * [0, 1): start_i = ⌈α(i + u)⌉ − ⌈αu⌉ with α = (input − 2)/(output − 1), and the last window
 * ends at the last row (Graham, "Fractional max-pooling", arXiv:1412.6071, §2; PyTorch's
 * fractional_max_pool2d uses the same rule with floor). Starts begin at 0 and advance by ⌊α⌋ or
 * ⌈α⌉, i.e. by 1 or 2, so consecutive windows overlap or touch and no row is skipped.
 * u is rounded down to a multiple of 2^-24 and the ceilings are integer divisions, so the
 * starts are exact (a float product such as 1.5·(i + u) could land just above an integer).
 */
export function fractionalPoolStarts(input: number, output: number, u: number): number[] {
  if (!canPoolWindow2(input, output)) {
    throw new RangeError(`fractional max pooling with windows of 2 cannot take ${input} to ${output} (needs output < input ≤ 2·output)`);
  }
  if (!(u >= 0 && u < 1)) throw new RangeError(`fractional pool offset u must be in [0, 1), got ${u}`);
  const k = Math.floor(u * U_STEPS);
  const num = input - 2;
  const den = (output - 1) * U_STEPS;
  // ⌈α(i + u)⌉ = ⌈num·(i·2^24 + k) / ((output − 1)·2^24)⌉, all integers below 2^53.
  const ceilAt = (i: number): number => Math.ceil((num * (i * U_STEPS + k)) / den);
  const starts: number[] = [];
  if (output > 1) {
    const first = ceilAt(0);
    for (let i = 0; i < output - 1; i++) starts.push(ceilAt(i) - first);
  }
  starts.push(input - 2);
  return starts;
}

/**
 * Pools each 2×2 window whose top-left corner is (rows[i], cols[j]). On cpu and wasm this runs
 * the kernels of layers/fractional-max-pool-kernel.ts with their own gradient; elsewhere it is a
 * stride-1 2×2 max pool followed by gathers of the chosen rows and columns, differentiated by
 * tfjs. `path` forces one of the two (for tests and measurement).
 */
export function fractionalMaxPool(x: tf.Tensor4D, windows: PoolWindows, path?: 'kernel' | 'ops'): tf.Tensor4D {
  const useKernel = path === undefined ? tf.getKernel(FRACTIONAL_MAX_POOL_KERNEL, tf.getBackend()) !== undefined : path === 'kernel';
  if (!useKernel) {
    // Windows at 0, 2, 4, … that cover the input are a plain 2×2 stride-2 max pool.
    const regular = (starts: number[], size: number) => starts.every((s, i) => s === 2 * i) && 2 * starts.length === size;
    if (regular(windows.rows, x.shape[1]) && regular(windows.cols, x.shape[2])) return tf.maxPool(x, 2, 2, 'valid');
    return tf.tidy(() => {
      const m = tf.maxPool(x, 2, 1, 'valid');
      return tf.gather(tf.gather(m, windows.rows, 1), windows.cols, 2);
    });
  }
  const attrs = { rows: windows.rows, cols: windows.cols } as unknown as tf.NamedAttrMap;
  const pool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [y, cells] = tf.engine().runKernel(FRACTIONAL_MAX_POOL_KERNEL, { x: input }, attrs) as tf.Tensor[];
    save([cells]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(FRACTIONAL_MAX_POOL_GRAD_KERNEL, { dy, cells: saved[0] }, {
          ...attrs,
          inputShape: input.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  });
  return pool(x) as tf.Tensor4D;
}

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface FractionalMaxPool2dArgs extends LayerArgs {
  /** Output [height, width]; each must satisfy output < input ≤ 2·output. */
  outputSize: [number, number];
  /**
   * true: fresh window positions for every training call ('fractional'); false: the inference
   * positions always (a deterministic window-2 max pool to any size).
   */
  randomInTraining?: boolean;
  /** The u used outside training (and always when randomInTraining is false). Default 0.5. */
  inferenceOffset?: number;
  /** Seeds a stream of this layer's own when none is passed (e.g. after loading a saved model). */
  seed?: number;
  /** Where training draws come from; not serialised. */
  random?: RandomStream;
}

/**
 * Fractional max pooling with pseudo-random overlapping windows of size 2 (Graham 2014).
 * In training, each call draws one u per dimension from the model's RandomStream, shared by the
 * whole batch (PyTorch draws one per image and channel; one per batch lets the pool be a single
 * pass over the tensor). At inference the positions come from `inferenceOffset`, so predictions
 * are deterministic.
 */
export class FractionalMaxPool2d extends tf.layers.Layer {
  static className = 'FractionalMaxPool2d';
  readonly outputSize: [number, number];
  readonly randomInTraining: boolean;
  readonly inferenceOffset: number;
  readonly seed: number;
  #random: RandomStream | undefined;

  constructor(args: FractionalMaxPool2dArgs) {
    const { outputSize, randomInTraining = true, inferenceOffset = 0.5, seed = 0, random, ...base } = args;
    super(base);
    if (!Array.isArray(outputSize) || outputSize.length !== 2 || !outputSize.every((s) => Number.isInteger(s) && s >= 1)) {
      throw new RangeError(`FractionalMaxPool2d outputSize must be two positive integers, got ${JSON.stringify(outputSize)}`);
    }
    if (!(inferenceOffset >= 0 && inferenceOffset < 1)) {
      throw new RangeError(`FractionalMaxPool2d inferenceOffset must be in [0, 1), got ${inferenceOffset}`);
    }
    this.outputSize = [outputSize[0], outputSize[1]];
    this.randomInTraining = randomInTraining;
    this.inferenceOffset = inferenceOffset;
    this.seed = seed;
    this.#random = random;
    this.inputSpec = [{ ndim: 4 }];
  }

  /** Uses `random` for the training draws from now on (e.g. a stream restored from a checkpoint). */
  setRandomStream(random: RandomStream): void {
    this.#random = random;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const [h, w] = [shape[1], shape[2]];
    for (const [dim, size, out] of [['height', h, this.outputSize[0]], ['width', w, this.outputSize[1]]] as const) {
      if (size != null && !canPoolWindow2(size, out)) {
        throw new RangeError(`FractionalMaxPool2d '${this.name}' cannot pool ${dim} ${size} to ${out} (needs output < input ≤ 2·output)`);
      }
    }
    return [shape[0], this.outputSize[0], this.outputSize[1], shape[3]];
  }

  /** The window starts a call will use: drawn when training, fixed otherwise. */
  windowsFor(inputHeight: number, inputWidth: number, training: boolean): PoolWindows {
    let [uh, uw] = [this.inferenceOffset, this.inferenceOffset];
    if (training && this.randomInTraining) {
      this.#random ??= new RandomStream(this.seed);
      [uh, uw] = uniformsFromSeed(this.#random.nextSeed(), 2);
    }
    return {
      rows: fractionalPoolStarts(inputHeight, this.outputSize[0], uh),
      cols: fractionalPoolStarts(inputWidth, this.outputSize[1], uw),
    };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const windows = this.windowsFor(x.shape[1], x.shape[2], kwargs.training === true);
    return fractionalMaxPool(x, windows);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      outputSize: [...this.outputSize],
      randomInTraining: this.randomInTraining,
      inferenceOffset: this.inferenceOffset,
      seed: this.seed,
    };
  }
}

tf.serialization.registerClass(FractionalMaxPool2d);
