import * as tf from '@tensorflow/tfjs';
import { makeBatch, type Normalisation } from './data/make-batch.js';
import type { ImageSplit } from './data/image-split.js';
import { addConfusionMatrices, confusionMatrix, metricsFromConfusionMatrix, type ClassificationMetrics } from './metrics.js';

/** Metrics of one labelled split plus its mean softmax cross-entropy. */
export interface Evaluation extends ClassificationMetrics {
  /** Mean softmax cross-entropy of the logits over the split (natural log). */
  loss: number;
}

/**
 * Hands control back to the event loop. tfjs on the cpu and wasm backends computes synchronously,
 * so without this a BullMQ worker could not renew its job lock while a split is processed.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface EvaluateOptions {
  /** Checked before every batch; an aborted signal rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Runs `model` in inference mode (`training: false`: dropout off, batch norm on its moving
 * statistics, deterministic pooling) over `split` in order, `batchSize` images at a time, and
 * returns the loss and every metric. Yields to the event loop between batches. The class count is
 * the width of the model's logits.
 */
export async function evaluate(
  model: tf.LayersModel,
  split: ImageSplit,
  norm: Normalisation,
  batchSize: number,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize: must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(split.count) || split.count < 1) {
    throw new RangeError(`split.count: must be a positive integer, got ${split.count}`);
  }
  const outputShape = model.outputs[0].shape;
  const classCount = outputShape[outputShape.length - 1];
  if (classCount == null || classCount < 2) {
    throw new RangeError(`model: its output must be [batch, classes] logits, got [${outputShape}]`);
  }
  const [, height, width, channels] = model.inputs[0].shape;
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  let lossSum = 0;
  const order = new Int32Array(split.count).map((_, i) => i);
  for (let start = 0; start < split.count; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = makeBatch(split, order.subarray(start, start + batchSize), norm, null);
    const [lossTensor, predictionTensor] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.count, height ?? 32, width ?? 32, channels ?? 3]);
      const logits = model.apply(x, { training: false }) as tf.Tensor2D;
      const labels = tf.oneHot(tf.tensor1d(batch.y, 'int32'), classCount);
      const loss = tf.losses.softmaxCrossEntropy(labels, logits, undefined, undefined, tf.Reduction.SUM);
      return [loss, tf.argMax(logits, 1)];
    });
    try {
      const [loss, predictions] = await Promise.all([lossTensor.data(), predictionTensor.data()]);
      lossSum += loss[0];
      addConfusionMatrices(matrix, confusionMatrix(batch.y, predictions, classCount));
    } finally {
      tf.dispose([lossTensor, predictionTensor]);
    }
    await yieldToEventLoop();
  }
  return { loss: lossSum / split.count, ...metricsFromConfusionMatrix(matrix) };
}
