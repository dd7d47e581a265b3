/**
 * A stand-in for buildModel(SEED_HYPERPARAMETERS) built from standard layers, with the same
 * layer list and parameter count as describeArchitecture: per block a 3×3 convolution with
 * bias, batch norm, relu and a window-2 max pool to the block's size (window starts at
 * ⌊i·α⌋, α = (in − 2)/(out − 1)), then the dense stack.
 */
import * as tf from '@tensorflow/tfjs';
import { describeArchitecture, type Hyperparameters } from '../src/config.js';

function windowStarts(input: number, output: number): number[] {
  if (output === 1) return [0];
  const alpha = (input - 2) / (output - 1);
  return Array.from({ length: output }, (_, i) => Math.min(input - 2, Math.floor(i * alpha + 1e-9)));
}

class Window2Pool extends tf.layers.Layer {
  static readonly className = 'StandInWindow2Pool';
  private readonly starts: number[];
  constructor(
    private readonly inSize: number,
    private readonly outSize: number,
    name: string,
  ) {
    super({ name });
    this.starts = windowStarts(inSize, outSize);
  }
  override computeOutputShape(shape: tf.Shape): tf.Shape {
    return [shape[0], this.outSize, this.outSize, shape[3]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const pooled = tf.maxPool(x, 2, 1, 'valid');
      const idx = tf.tensor1d(this.starts, 'int32');
      return tf.gather(tf.gather(pooled, idx, 1), idx, 2);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inSize: this.inSize, outSize: this.outSize };
  }
}

export function buildStandInModel(hp: Hyperparameters): tf.LayersModel {
  const arch = describeArchitecture(hp);
  const input = tf.input({ shape: [32, 32, 3] });
  let x: tf.SymbolicTensor = input;
  let size = 32;
  arch.channels.forEach((channels, b) => {
    x = tf.layers.conv2d({ filters: channels, kernelSize: 3, padding: 'same', useBias: true, name: `block${b + 1}_conv` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `block${b + 1}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ activation: 'relu', name: `block${b + 1}_act` }).apply(x) as tf.SymbolicTensor;
    x = new Window2Pool(size, arch.sizes[b], `block${b + 1}_pool`).apply(x) as tf.SymbolicTensor;
    size = arch.sizes[b];
  });
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  for (let d = 1; d < arch.fcnWidths.length; d++) {
    const last = d === arch.fcnWidths.length - 1;
    x = tf.layers.dense({ units: arch.fcnWidths[d], activation: last ? 'linear' : 'relu' }).apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x });
}
