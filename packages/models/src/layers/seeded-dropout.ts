import * as tf from '@tensorflow/tfjs';
import { RandomStream } from '../randomness.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface SeededDropoutArgs extends LayerArgs {
  /** Fraction of units zeroed in training, in [0, 1). */
  rate: number;
  /** Seeds a stream of this layer's own when none is passed (e.g. after loading a saved model). */
  seed?: number;
  /** Where the masks come from; not serialised. */
  random?: RandomStream;
}

/**
 * Inverted dropout whose masks come from the model's RandomStream: in training each call draws
 * `tf.randomUniform(…, seed)` with a fresh seed from the stream and scales kept units by
 * 1/(1 − rate); at inference it is the identity. tf.layers.dropout seeds its masks once per
 * layer or not at all, so a checkpoint could not resume its sequence of masks; this one can.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  #random: RandomStream | undefined;

  constructor(args: SeededDropoutArgs) {
    const { rate, seed = 0, random, ...base } = args;
    super(base);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`SeededDropout rate must be in [0, 1), got ${String(rate)}`);
    this.rate = rate;
    this.seed = seed;
    this.#random = random;
    this.supportsMasking = true;
  }

  /** Uses `random` for the masks from now on (e.g. a stream restored from a checkpoint). */
  setRandomStream(random: RandomStream): void {
    this.#random = random;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs.training !== true || this.rate === 0) return tf.clone(x);
    this.#random ??= new RandomStream(this.seed);
    const seed = this.#random.nextSeed();
    const keep = 1 - this.rate;
    return tf.tidy(() => {
      const mask = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate), 'float32');
      return tf.mul(x, tf.mul(mask, 1 / keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);
