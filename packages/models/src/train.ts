import * as tf from '@tensorflow/tfjs';
import { buildModel } from './build-model.js';
import {
  CheckpointError,
  loadCheckpoint,
  resolveCheckpointDir,
  restoreModelWeights,
  restoreOptimizerState,
  saveCheckpoint,
  type LoadedCheckpoint,
} from './checkpoint.js';
import { resolveHyperparameters, type Hyperparameters } from './config.js';
import { makeBatch, type Normalisation } from './data/make-batch.js';
import type { ImageSplit } from './data/image-split.js';
import { evaluate, yieldToEventLoop, type Evaluation } from './evaluate.js';
import { deriveSeed, RandomStream, uniformsFromSeed } from './randomness.js';

/** The splits and normalisation `train` reads; a `Cifar10` from `loadCifar10` is one. */
export interface TrainingData extends Normalisation {
  train: ImageSplit;
  validation: ImageSplit;
  /** Needed only with `evaluateTest`. */
  test?: ImageSplit;
}

/** What the trainer reports after each epoch; JSON-serialisable, so it can cross a queue. */
export interface EpochReport {
  /** 1-based. */
  epoch: number;
  /** Mean softmax cross-entropy over the epoch's training batches, in training mode. */
  trainLoss: number;
  /** Mean softmax cross-entropy over the validation split, in inference mode. */
  valLoss: number;
  valAccuracy: number;
  meanClassAccuracy: number;
  perClassAccuracy: number[];
  macroF1: number;
  /** `[trueClass][predictedClass]` counts over the validation split. */
  confusionMatrix: number[][];
  /** Training images per second of training time (validation excluded). */
  imagesPerSecond: number;
  /** Wall-clock time of the epoch: training plus validation, without the checkpoint write. */
  elapsedMs: number;
  /** Directory of this epoch's checkpoint, when checkpoints are written. */
  checkpointPath?: string;
}

export type TrainOutcome = 'complete' | 'stopped' | 'diverged';

export interface TrainResult {
  /** `stopped`: the signal was aborted; `diverged`: a loss was NaN or infinite. */
  outcome: TrainOutcome;
  /** The last epoch completed (reported and checkpointed), counting epochs before a resume. */
  epochsCompleted: number;
  /** The report of `epochsCompleted` (from the checkpoint when this call completed none). */
  lastReport?: EpochReport;
  /** Reports of the epochs this call completed. */
  reports: EpochReport[];
  /** Trainable parameters of the model. */
  parameterCount: number;
  /** The tfjs backend that ran the computation. */
  backend: string;
  /** Where the loss stopped being finite, when `outcome` is `diverged`. */
  divergence?: { epoch: number; phase: 'train' | 'validation'; batch?: number; loss: number };
  /** Test-split evaluation, when `evaluateTest` was set and the outcome is `complete`. */
  test?: Evaluation;
  /** The trained model, only with `returnModel`; the caller disposes it. */
  model?: tf.LayersModel;
}

export interface TrainOptions {
  hp: Hyperparameters;
  data: TrainingData;
  /** The last epoch to train (1-based, inclusive). */
  maxEpochs: number;
  /**
   * The first epoch this call trains. Defaults to 1, or to the checkpoint's epoch + 1 with
   * `checkpoint.resumeFrom`; any other value is rejected, since there is no state to start from.
   */
  startEpoch?: number;
  /** Integer in [0, 2^32): weight initialisation, model randomness, augmentation, data order. */
  seed: number;
  checkpoint?: {
    /** This trial's checkpoint directory, e.g. `<root>/<studyId>/<trialId>`. */
    dir: string;
    /** When given, `dir` and `resumeFrom` must resolve inside it. */
    root?: string;
    /** A checkpoint directory (`.../epoch-<n>`) to continue from. */
    resumeFrom?: string;
  };
  /** Checked before every batch: training stops within one batch with outcome `stopped`. */
  signal?: AbortSignal;
  /** Awaited after each epoch's checkpoint; it may abort `signal` to stop training. */
  onEpochEnd?: (report: EpochReport) => void | Promise<void>;
  /** Evaluate `data.test` after the last epoch (only when training completes). */
  evaluateTest?: boolean;
  /** Images per inference batch for validation and test; default 250. */
  evalBatchSize?: number;
  /** Return the trained model instead of disposing it. */
  returnModel?: boolean;
}

export interface TrainOptionsIssue {
  field: string;
  message: string;
}

/** Options that `train` cannot run with; deterministic, so retrying will not help. */
export class TrainOptionsError extends Error {
  readonly code = 'TRAIN_OPTIONS_INVALID' as const;
  constructor(readonly issues: readonly TrainOptionsIssue[]) {
    super(`invalid training options: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'TrainOptionsError';
  }
}

/** Stream identifiers for `deriveSeed`: one independent random stream per purpose. */
const STREAM = { model: 1, augment: 2, order: 3 } as const;
const DEFAULT_EVAL_BATCH_SIZE = 250;
const UINT32 = 2 ** 32;

function checkSplit(issues: TrainOptionsIssue[], field: string, split: ImageSplit | undefined): void {
  if (split === undefined || split === null || typeof split !== 'object') {
    issues.push({ field, message: 'is required' });
  } else if (!Number.isInteger(split.count) || split.count < 1) {
    issues.push({ field: `${field}.count`, message: `must be a positive integer, got ${split.count}` });
  }
}

function checkOptions(options: TrainOptions): void {
  const issues: TrainOptionsIssue[] = [];
  const { maxEpochs, seed, startEpoch, data, evalBatchSize } = options;
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1) {
    issues.push({ field: 'maxEpochs', message: `must be a positive integer, got ${maxEpochs}` });
  }
  if (!Number.isInteger(seed) || seed < 0 || seed >= UINT32) {
    issues.push({ field: 'seed', message: `must be an integer in [0, 2^32), got ${seed}` });
  }
  if (startEpoch !== undefined && (!Number.isInteger(startEpoch) || startEpoch < 1)) {
    issues.push({ field: 'startEpoch', message: `must be a positive integer, got ${startEpoch}` });
  }
  if (evalBatchSize !== undefined && (!Number.isInteger(evalBatchSize) || evalBatchSize < 1)) {
    issues.push({ field: 'evalBatchSize', message: `must be a positive integer, got ${evalBatchSize}` });
  }
  if (data === undefined || data === null || typeof data !== 'object') {
    issues.push({ field: 'data', message: 'is required' });
  } else {
    checkSplit(issues, 'data.train', data.train);
    checkSplit(issues, 'data.validation', data.validation);
    if (options.evaluateTest) checkSplit(issues, 'data.test', data.test);
  }
  if (options.checkpoint !== undefined && typeof options.checkpoint.dir !== 'string') {
    issues.push({ field: 'checkpoint.dir', message: 'must be a path' });
  }
  if (issues.length > 0) throw new TrainOptionsError(issues);
}

/**
 * The update rule of `hp.optimizer` with PyTorch's defaults, the framework the seed study ran in:
 * Adam/AdamW β = (0.9, 0.999), ε = 1e-8; SGD with heavy-ball momentum `hp.momentum` (plain SGD
 * when it is 0); RMSprop with smoothing 0.99, ε = 1e-8 and momentum `hp.momentum` (tfjs adds ε
 * inside the square root, PyTorch outside).
 */
export function createOptimizer(hp: Pick<Hyperparameters, 'optimizer' | 'learning_rate' | 'momentum'>): tf.Optimizer {
  switch (hp.optimizer) {
    case 'adam':
    case 'adamw':
      return tf.train.adam(hp.learning_rate, 0.9, 0.999, 1e-8);
    case 'sgd':
      return hp.momentum > 0 ? tf.train.momentum(hp.learning_rate, hp.momentum) : tf.train.sgd(hp.learning_rate);
    case 'rmsprop':
      return tf.train.rmsprop(hp.learning_rate, 0.99, hp.momentum, 1e-8);
  }
}

type NamedGradient = { name: string; tensor: tf.Tensor };

/**
 * Weight decay on kernels only (variables of rank ≥ 2: convolution and dense kernels; biases
 * and batch-norm scales and offsets are left alone, the "no bias decay" of He et al., "Bag of
 * Tricks for Image Classification with Convolutional Neural Networks", CVPR 2019, §3.1). For `adamw` it is decoupled (Loshchilov & Hutter, "Decoupled
 * Weight Decay Regularization", ICLR 2019): w ← w·(1 − lr·λ) before the Adam step, as PyTorch's
 * AdamW does. For every other optimizer it is L2: λ·w is added to the gradient, which is
 * PyTorch's `weight_decay` argument. Call `apply` inside the training step's tidy.
 */
export function weightDecay(
  hp: Pick<Hyperparameters, 'optimizer' | 'learning_rate' | 'weight_decay'>,
  variables: readonly tf.Variable[],
): { apply(gradients: NamedGradient[]): NamedGradient[] } {
  const lambda = hp.weight_decay;
  const kernels = new Set(variables.filter((v) => v.rank >= 2).map((v) => v.name));
  if (lambda === 0 || kernels.size === 0) return { apply: (gradients) => gradients };
  if (hp.optimizer === 'adamw') {
    const factor = 1 - hp.learning_rate * lambda;
    return {
      apply(gradients) {
        for (const v of variables) if (kernels.has(v.name)) v.assign(tf.mul(v, factor));
        return gradients;
      },
    };
  }
  const byName = new Map(variables.map((v) => [v.name, v]));
  return {
    apply: (gradients) =>
      gradients.map(({ name, tensor }) =>
        kernels.has(name) ? { name, tensor: tf.add(tensor, tf.mul(byName.get(name)!, lambda)) } : { name, tensor },
      ),
  };
}

/** Fisher–Yates shuffle of 0…n−1 driven by one seed, so an epoch's order is one stream draw. */
function permutation(n: number, seed: number): Int32Array {
  const order = new Int32Array(n).map((_, i) => i);
  const uniforms = uniformsFromSeed(seed, Math.max(0, n - 1));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniforms[n - 1 - i] * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

function differingHyperparameters(saved: Hyperparameters, given: Hyperparameters): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(given)]) as Set<keyof Hyperparameters>;
  return [...keys]
    .filter((key) => saved[key] !== given[key])
    .map((key) => `${key}: ${JSON.stringify(saved[key])} in the checkpoint, ${JSON.stringify(given[key])} given`);
}

async function openResumeCheckpoint(
  resumeFrom: string,
  root: string | undefined,
  hp: Hyperparameters,
  seed: number,
): Promise<LoadedCheckpoint> {
  const loaded = await loadCheckpoint(resolveCheckpointDir(resumeFrom, root));
  const { state } = loaded;
  if (state.seed !== seed) {
    throw new CheckpointError(
      `checkpoint ${loaded.path}: was written with seed ${state.seed}, resumed with ${seed}`,
      'incompatible',
      loaded.path,
    );
  }
  const differing = differingHyperparameters(resolveHyperparameters({ ...state.hp }), hp);
  if (differing.length > 0) {
    throw new CheckpointError(
      `checkpoint ${loaded.path}: was written with other hyperparameters (${differing.join('; ')})`,
      'incompatible',
      loaded.path,
    );
  }
  for (const name of Object.keys(STREAM)) {
    if (state.random?.[name] === undefined) {
      throw new CheckpointError(`checkpoint ${loaded.path}: has no state for random stream ${name}`, 'corrupt', loaded.path);
    }
  }
  return loaded;
}

/**
 * Trains the model that `buildModel(hp, …)` describes with a custom loop: seeded shuffled
 * mini-batches, softmax cross-entropy on the logits, weight decay as `hp.weight_decay` says (see
 * `weightDecay`), validation after every epoch, a checkpoint after every epoch when
 * `checkpoint.dir` is given, and `onEpochEnd` awaited with the report.
 *
 * Randomness comes from three streams derived from `seed` (model, augmentation, data order), all
 * stored in checkpoints, so 2 epochs + resume + 2 epochs reproduce 4 uninterrupted epochs.
 * Between batches the loop yields to the event loop, because tfjs on cpu and wasm computes
 * synchronously and a queue worker must keep renewing its lock. Stop requests and divergence
 * are outcomes, not exceptions. Every tensor created here is disposed before returning, except
 * the model with `returnModel`.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  checkOptions(options);
  const { data, maxEpochs, seed, signal, onEpochEnd } = options;
  const hp = resolveHyperparameters({ ...options.hp });
  const evalBatchSize = options.evalBatchSize ?? DEFAULT_EVAL_BATCH_SIZE;
  const root = options.checkpoint?.root;
  const checkpointDir =
    options.checkpoint === undefined ? undefined : resolveCheckpointDir(options.checkpoint.dir, root);
  const resumeFrom = options.checkpoint?.resumeFrom;
  const resumed = resumeFrom === undefined ? undefined : await openResumeCheckpoint(resumeFrom, root, hp, seed);

  const firstEpoch = resumed === undefined ? 1 : resumed.state.epoch + 1;
  if (options.startEpoch !== undefined && options.startEpoch !== firstEpoch) {
    throw new TrainOptionsError([
      {
        field: 'startEpoch',
        message:
          resumed === undefined
            ? `must be 1 without checkpoint.resumeFrom, got ${options.startEpoch}`
            : `must be ${firstEpoch} (the checkpoint's epoch + 1), got ${options.startEpoch}`,
      },
    ]);
  }

  const random =
    resumed === undefined
      ? {
          model: new RandomStream(deriveSeed(seed, STREAM.model)),
          augment: new RandomStream(deriveSeed(seed, STREAM.augment)),
          order: new RandomStream(deriveSeed(seed, STREAM.order)),
        }
      : {
          model: RandomStream.restore(resumed.state.random.model),
          augment: RandomStream.restore(resumed.state.random.augment),
          order: RandomStream.restore(resumed.state.random.order),
        };

  const model = buildModel(hp, { seed, random: random.model });
  const optimizer = createOptimizer(hp);
  let keepModel = false;
  try {
    if (resumed !== undefined) {
      restoreModelWeights(model, resumed);
      await restoreOptimizerState(optimizer, resumed);
    }
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const decay = weightDecay(hp, variables);
    const parameterCount = variables.reduce((sum, v) => sum + v.size, 0);
    const [, height, width, channels] = model.inputs[0].shape as number[];
    const classCount = model.outputs[0].shape[1] as number;
    const reports: EpochReport[] = [];
    let lastReport: EpochReport | undefined =
      resumed?.state.report === undefined ? undefined : { ...resumed.state.report, checkpointPath: resumed.path };
    const result = (outcome: TrainOutcome, extra: Partial<TrainResult> = {}): TrainResult => ({
      outcome,
      epochsCompleted: lastReport?.epoch ?? firstEpoch - 1,
      lastReport,
      reports,
      parameterCount,
      backend: tf.getBackend(),
      ...extra,
    });

    const step = (x: Float32Array, y: Int32Array, count: number): tf.Scalar =>
      tf.tidy(() => {
        const images = tf.tensor4d(x, [count, height, width, channels]);
        const labels = tf.oneHot(tf.tensor1d(y, 'int32'), classCount);
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.apply(images, { training: true }) as tf.Tensor2D;
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        }, variables);
        // Gradients go to the optimizer in trainableWeights order: tfjs optimizers keep their
        // per-variable state by position, and checkpoints restore it by position.
        const gradients = variables.map((v) => ({ name: v.name, tensor: grads[v.name] ?? tf.zerosLike(v) }));
        optimizer.applyGradients(decay.apply(gradients));
        return value;
      });

    for (let epoch = firstEpoch; epoch <= maxEpochs; epoch++) {
      if (signal?.aborted) return result('stopped');
      const epochStart = performance.now();
      const order = permutation(data.train.count, random.order.nextSeed());
      let lossSum = 0;
      for (let start = 0, batch = 0; start < order.length; start += hp.batch_size, batch++) {
        if (signal?.aborted) return result('stopped');
        const indices = order.subarray(start, start + hp.batch_size);
        const { x, y, count } = makeBatch(data.train, indices, data, hp.augment ? { random: random.augment } : null);
        const lossTensor = step(x, y, count);
        const loss = (await lossTensor.data())[0];
        lossTensor.dispose();
        if (!Number.isFinite(loss)) {
          return result('diverged', { divergence: { epoch, phase: 'train', batch, loss } });
        }
        lossSum += loss * count;
        await yieldToEventLoop();
      }
      const trainMs = performance.now() - epochStart;

      let validation: Evaluation;
      try {
        validation = await evaluate(model, data.validation, data, evalBatchSize, { signal });
      } catch (err) {
        if (signal?.aborted) return result('stopped');
        throw err;
      }
      if (!Number.isFinite(validation.loss)) {
        return result('diverged', { divergence: { epoch, phase: 'validation', loss: validation.loss } });
      }
      const report: EpochReport = {
        epoch,
        trainLoss: lossSum / data.train.count,
        valLoss: validation.loss,
        valAccuracy: validation.accuracy,
        meanClassAccuracy: validation.meanClassAccuracy,
        perClassAccuracy: validation.perClassAccuracy,
        macroF1: validation.macroF1,
        confusionMatrix: validation.confusionMatrix,
        imagesPerSecond: data.train.count / (trainMs / 1000),
        elapsedMs: performance.now() - epochStart,
      };
      if (checkpointDir !== undefined) {
        report.checkpointPath = await saveCheckpoint({
          dir: checkpointDir,
          model,
          optimizer,
          state: {
            epoch,
            seed,
            hp,
            random: { model: random.model.state(), augment: random.augment.state(), order: random.order.state() },
            report,
          },
        });
      }
      reports.push(report);
      lastReport = report;
      await onEpochEnd?.(report);
    }

    let test: Evaluation | undefined;
    if (options.evaluateTest) {
      try {
        test = await evaluate(model, data.test!, data, evalBatchSize, { signal });
      } catch (err) {
        if (signal?.aborted) return result('stopped');
        throw err;
      }
    }
    keepModel = options.returnModel === true;
    return result('complete', { test, model: keepModel ? model : undefined });
  } finally {
    optimizer.dispose();
    if (!keepModel) model.dispose();
  }
}
