import * as tf from '@tensorflow/tfjs';
import {
  INPUT_CHANNELS,
  INPUT_SIZE,
  describeArchitecture,
  resolveHyperparameters,
  type Activation,
  type Hyperparameters,
  type LayerDescription,
} from './config.js';
import { FractionalMaxPool2d } from './fractional-max-pool.js';
import { SeededDropout } from './layers/seeded-dropout.js';
import { RandomStream, deriveSeed } from './randomness.js';

export interface BuildModelOptions {
  /** Seeds the initial weights (and the fallback streams of layers loaded without one). */
  seed: number;
  /** Every training-time draw of the model: fractional-pool positions and dropout masks. */
  random: RandomStream;
}

/**
 * Batch norm as PyTorch's BatchNorm2d defaults (running-average momentum 0.1, i.e. 0.9 kept;
 * eps 1e-5), the framework the seed study ran in; tfjs's own defaults (0.99, 1e-3) make the
 * moving statistics lag far behind on short trials.
 */
const BATCH_NORM = { momentum: 0.9, epsilon: 1e-5 } as const;

/** PyTorch's default negative slope; tfjs's leakyReLU default is 0.3. */
const LEAKY_RELU_ALPHA = 0.01;

/**
 * Kernel initialiser suited to the activation that follows: He for the ReLU family (He et al.
 * 2015), LeCun normal for SELU (which its self-normalisation assumes, Klambauer et al. 2017),
 * Glorot for tanh and for the logits.
 */
function kernelInitializer(activation: Activation | 'linear', seed: number): ReturnType<typeof tf.initializers.heNormal> {
  if (activation === 'selu') return tf.initializers.leCunNormal({ seed });
  if (activation === 'tanh' || activation === 'linear') return tf.initializers.glorotUniform({ seed });
  return tf.initializers.heNormal({ seed });
}

function activationLayer(name: string, activation: Activation): tf.layers.Layer {
  return activation === 'leaky_relu'
    ? tf.layers.leakyReLU({ name, alpha: LEAKY_RELU_ALPHA })
    : tf.layers.activation({ name, activation });
}

/**
 * Builds the classifier that `describeArchitecture(hp)` describes, one tfjs layer per described
 * layer with the same names: input [null, 32, 32, 3] float32 (NHWC, normalised), output 10
 * logits (no softmax: the trainer applies softmax cross-entropy). Call the model with
 * `model.apply(x, { training: true })` in training, so batch norm uses batch statistics and
 * pooling and dropout draw from `random`; `predict` is inference.
 *
 * Pools are FractionalMaxPool2d layers: 'fractional' draws window positions per training call,
 * 'max' keeps the inference positions, a deterministic window-2 max pool to any size ratio in
 * (1, 2] — exactly a 2×2 stride-2 max pool where the ratio is 2, so the tuner can pair 'max'
 * with any depth the downsampling allows instead of only depths that halve each time.
 *
 * weight_decay is not built in (no layer regularisers): the trainer applies it to the kernels
 * (weights named `…/kernel`; biases and batch-norm gamma/beta are not decayed), decoupled for
 * adamw and as an L2 gradient term otherwise.
 *
 * The same hp and seed give the same initial weights: each layer's initialiser has its own seed
 * derived from `seed` and the layer's position.
 * @throws ArchitectureError for hyperparameters `resolveHyperparameters` rejects.
 */
export function buildModel(hp: Hyperparameters, options: BuildModelOptions): tf.LayersModel {
  const valid = resolveHyperparameters(hp as unknown as Record<string, unknown>);
  const { seed, random } = options;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`buildModel seed must be an integer in [0, 2^32), got ${seed}`);
  if (!(random instanceof RandomStream)) throw new TypeError('buildModel random must be a RandomStream');
  const description = describeArchitecture(valid);
  const model = tf.sequential({ name: 'tunefleet_classifier' });
  model.add(tf.layers.inputLayer({ name: 'images', inputShape: [INPUT_SIZE, INPUT_SIZE, INPUT_CHANNELS], dtype: 'float32' }));
  description.layers.forEach((layer, index) => {
    model.add(makeLayer(valid, layer, deriveSeed(seed, index), random));
  });
  return model;
}

function makeLayer(hp: Hyperparameters, layer: LayerDescription, seed: number, random: RandomStream): tf.layers.Layer {
  const { name } = layer;
  switch (layer.kind) {
    case 'conv': {
      const kernelSize: [number, number] = name.endsWith('_conv1x3') ? [1, 3] : name.endsWith('_conv3x1') ? [3, 1] : [3, 3];
      return tf.layers.conv2d({
        name,
        filters: layer.outputShape[2],
        kernelSize,
        padding: 'same',
        useBias: true,
        kernelInitializer: kernelInitializer(hp.activation, seed),
        biasInitializer: 'zeros',
      });
    }
    case 'batchnorm':
      return tf.layers.batchNormalization({ name, axis: -1, ...BATCH_NORM });
    case 'activation':
      return activationLayer(name, hp.activation);
    case 'pool':
      return new FractionalMaxPool2d({
        name,
        outputSize: [layer.outputShape[0], layer.outputShape[1]],
        randomInTraining: hp.pooling === 'fractional',
        seed,
        random,
      });
    case 'flatten':
      return tf.layers.flatten({ name });
    case 'dense':
      return tf.layers.dense({
        name,
        units: layer.outputShape[0],
        kernelInitializer: kernelInitializer(name === 'logits' ? 'linear' : hp.activation, seed),
        biasInitializer: 'zeros',
      });
    case 'dropout':
      return new SeededDropout({ name, rate: hp.dropout, seed, random });
  }
}
