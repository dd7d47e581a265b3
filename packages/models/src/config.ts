/**
 * The model's hyperparameters and the arithmetic of the architecture they describe.
 *
 * Pure: no tfjs import, so the api can validate a study's search space against
 * HYPERPARAMETER_SPECS (through the `@tunefleet/models/config` subpath) without loading TensorFlow.
 * `describeArchitecture` is the single statement of the architecture rule; build-model.ts builds
 * exactly the layers it lists, and a test holds the two together layer by layer.
 */

export type Activation = 'relu' | 'elu' | 'gelu' | 'selu' | 'tanh' | 'swish' | 'leaky_relu';
export type Optimizer = 'adam' | 'adamw' | 'sgd' | 'rmsprop';

export interface Hyperparameters {
  cnn_layers: number;
  fcn_layers: number;
  starting_channels: number;
  final_channels: number;
  batch_size: number;
  learning_rate: number;
  /** separable: a 1×3 then a 3×1 convolution, each with a bias. */
  kernel: '3x3' | 'separable';
  pooling: 'fractional' | 'max';
  /** Total spatial reduction over the CNN layers: the last feature map is 32/downsample wide. */
  downsample: number;
  activation: Activation;
  dropout: number;
  weight_decay: number;
  optimizer: Optimizer;
  momentum: number;
  augment: boolean;
}

export type HyperparameterName = keyof Hyperparameters;
export type CategoricalChoice = string | number | boolean;

export type HyperparameterSpec =
  | { readonly kind: 'int'; readonly low: number; readonly high: number; readonly default: number; readonly doc: string }
  | { readonly kind: 'float'; readonly low: number; readonly high: number; readonly default: number; readonly doc: string }
  | {
      readonly kind: 'categorical';
      readonly choices: readonly CategoricalChoice[];
      readonly default: CategoricalChoice;
      readonly doc: string;
    };

/**
 * The configuration of the study this project replaces (its best trial). dropout 0 and augment
 * false are kept as that study ran them, so the seed reproduces it; a study that wants them
 * searches them.
 */
export const SEED_HYPERPARAMETERS: Readonly<Hyperparameters> = Object.freeze({
  cnn_layers: 6,
  fcn_layers: 4,
  starting_channels: 46,
  final_channels: 210,
  batch_size: 125,
  learning_rate: 1e-3,
  kernel: '3x3',
  pooling: 'fractional',
  downsample: 16,
  activation: 'relu',
  dropout: 0,
  weight_decay: 0,
  optimizer: 'adam',
  momentum: 0.9,
  augment: false,
});

/** Input images are 32×32×3 (CIFAR-10) and the classifier has 10 outputs. */
export const INPUT_SIZE = 32;
export const INPUT_CHANNELS = 3;
export const NUM_CLASSES = 10;
const MAX_CNN_LAYERS = 16;

/**
 * What each hyperparameter accepts. The bounds are what the model can be built and trained with;
 * a search space may narrow them, never widen them. Combinations are checked separately (see
 * `architectureIssues`): e.g. downsample 16 needs 4 to 9 CNN layers.
 */
export const HYPERPARAMETER_SPECS: Readonly<Record<HyperparameterName, HyperparameterSpec>> = Object.freeze({
  cnn_layers: { kind: 'int', low: 1, high: MAX_CNN_LAYERS, default: 6, doc: 'number of convolution blocks (conv, batch norm, activation, pool)' },
  fcn_layers: { kind: 'int', low: 1, high: 8, default: 4, doc: 'number of dense layers, the 10-logit output layer included' },
  starting_channels: { kind: 'int', low: 1, high: 1024, default: 46, doc: 'channels of the first convolution block' },
  final_channels: { kind: 'int', low: 1, high: 2048, default: 210, doc: 'channels of the last convolution block; blocks in between are geometric' },
  batch_size: { kind: 'int', low: 1, high: 4096, default: 125, doc: 'training images per optimizer step' },
  learning_rate: { kind: 'float', low: 1e-6, high: 1, default: 1e-3, doc: 'optimizer step size' },
  kernel: { kind: 'categorical', choices: ['3x3', 'separable'], default: '3x3', doc: "convolution shape: one 3×3, or 'separable' = 1×3 then 3×1" },
  pooling: {
    kind: 'categorical',
    choices: ['fractional', 'max'],
    default: 'fractional',
    doc: "window-2 max pooling to each block's size: 'fractional' draws window positions per training batch, 'max' keeps them fixed",
  },
  downsample: { kind: 'float', low: 2, high: 32, default: 16, doc: 'total spatial reduction, 32 → 32/downsample' },
  activation: {
    kind: 'categorical',
    choices: ['relu', 'elu', 'gelu', 'selu', 'tanh', 'swish', 'leaky_relu'],
    default: 'relu',
    doc: 'nonlinearity after every batch norm and hidden dense layer',
  },
  dropout: { kind: 'float', low: 0, high: 0.9, default: 0, doc: 'drop rate between dense layers (0 = none)' },
  weight_decay: { kind: 'float', low: 0, high: 0.1, default: 0, doc: 'decay of kernels, applied by the trainer (decoupled for adamw, L2 otherwise)' },
  optimizer: { kind: 'categorical', choices: ['adam', 'adamw', 'sgd', 'rmsprop'], default: 'adam', doc: 'update rule' },
  momentum: { kind: 'float', low: 0, high: 0.999, default: 0.9, doc: 'momentum for sgd and rmsprop (ignored by adam and adamw)' },
  augment: { kind: 'categorical', choices: [false, true], default: false, doc: 'random 4-pixel-padded crops and horizontal flips while training' },
} satisfies Record<HyperparameterName, HyperparameterSpec>);

export const HYPERPARAMETER_NAMES = Object.freeze(Object.keys(HYPERPARAMETER_SPECS) as HyperparameterName[]);

export interface ArchitectureIssue {
  /** The hyperparameter the problem is about. */
  readonly field: string;
  readonly message: string;
}

export class ArchitectureError extends Error {
  readonly code = 'ARCHITECTURE_INVALID' as const;
  constructor(readonly issues: readonly ArchitectureIssue[]) {
    super(`invalid model hyperparameters: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'ArchitectureError';
  }
}

export type LayerKind = 'conv' | 'batchnorm' | 'activation' | 'pool' | 'flatten' | 'dense' | 'dropout';

export interface LayerDescription {
  /** The name the built model gives this layer. */
  readonly name: string;
  readonly kind: LayerKind;
  /** Per image, without the batch dimension: [height, width, channels] or [units]. */
  readonly outputShape: readonly number[];
  /** Trainable parameters. */
  readonly params: number;
  /** Forward floating-point operations per image (a multiply-add counts 2). */
  readonly flops: number;
}

export interface ArchitectureDescription {
  /** Output channels of each CNN block. */
  readonly channels: readonly number[];
  /** Output side length of each CNN block (after its pool). */
  readonly sizes: readonly number[];
  /** Dense widths from the flattened features to the 10 logits (fcn_layers + 1 entries). */
  readonly fcnWidths: readonly number[];
  readonly layers: readonly LayerDescription[];
  readonly totalParams: number;
  /** Batch-norm moving means and variances. */
  readonly nonTrainableParams: number;
  readonly forwardFlops: number;
}

/**
 * Whether a pool with windows of 2 can take `input` to `output` without skipping or repeating
 * rows: starts advance by ⌊α⌋ or ⌈α⌉ with α = (input − 2)/(output − 1) (Graham 2014, arXiv:1412.6071),
 * so every row is covered iff α ≤ 2 (input ≤ 2·output) and starts strictly increase iff
 * output < input. output 1 leaves one window, which covers everything only when input is 2.
 */
export function canPoolWindow2(input: number, output: number): boolean {
  return Number.isInteger(input) && Number.isInteger(output) && output >= 1 && output < input && input <= 2 * output;
}

/** round(a·(b/a)^(k/n)) for k = 0..n, with both ends exact. */
function geometric(a: number, b: number, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k <= n; k++) out.push(k === 0 ? a : k === n ? b : Math.round(a * (b / a) ** (k / n)));
  return out;
}

/** Side lengths after each of `layers` blocks: geometric from 32 to 32/downsample, rounded. */
export function blockSizes(layers: number, downsample: number): number[] {
  const sizes: number[] = [];
  for (let i = 1; i <= layers; i++) sizes.push(Math.round(INPUT_SIZE / downsample ** (i / layers)));
  return sizes;
}

/**
 * Channels of each block: geometric from starting to final, rounded. A single block has
 * final_channels, the width the dense layers see.
 */
export function blockChannels(layers: number, starting: number, final: number): number[] {
  return layers === 1 ? [final] : geometric(starting, final, layers - 1);
}

/** The CNN depths whose block sizes a window-2 pool can produce for this downsample. */
export function validCnnLayers(downsample: number): number[] {
  const ok: number[] = [];
  for (let layers = 1; layers <= MAX_CNN_LAYERS; layers++) {
    const sizes = blockSizes(layers, downsample);
    if (sizes.every((s, i) => canPoolWindow2(i === 0 ? INPUT_SIZE : sizes[i - 1], s))) ok.push(layers);
  }
  return ok;
}

function describeRange(values: number[]): string {
  if (values.length === 0) return 'none';
  const contiguous = values.every((v, i) => i === 0 || v === values[i - 1] + 1);
  return contiguous && values.length > 1 ? `${values[0]} to ${values[values.length - 1]}` : values.join(', ');
}

/**
 * Checks that the (individually valid) hyperparameters describe a buildable network. Returns
 * every problem found; an empty list means `describeArchitecture` will succeed.
 */
export function architectureIssues(hp: Hyperparameters): ArchitectureIssue[] {
  const issues: ArchitectureIssue[] = [];
  const sizes = blockSizes(hp.cnn_layers, hp.downsample);
  const finalSize = sizes[sizes.length - 1];
  if (finalSize < 1) {
    issues.push({ field: 'downsample', message: `reduces 32 to ${32 / hp.downsample}, below one pixel` });
    return issues;
  }
  const bad = sizes.findIndex((s, i) => !canPoolWindow2(i === 0 ? INPUT_SIZE : sizes[i - 1], s));
  if (bad >= 0) {
    const from = bad === 0 ? INPUT_SIZE : sizes[bad - 1];
    const why = sizes[bad] >= from ? 'does not shrink' : 'shrinks more than 2×, which a window-2 pool cannot do';
    issues.push({
      field: 'cnn_layers',
      message:
        `${hp.cnn_layers} blocks reducing 32 → ${finalSize} (downsample ${hp.downsample}) give sizes [${sizes.join(', ')}]; ` +
        `block ${bad + 1} (${from} → ${sizes[bad]}) ${why}; valid cnn_layers for this downsample: ${describeRange(validCnnLayers(hp.downsample))}`,
    });
  }
  const channels = blockChannels(hp.cnn_layers, hp.starting_channels, hp.final_channels);
  if (channels.some((c) => c < 1)) issues.push({ field: 'starting_channels', message: `channels [${channels.join(', ')}] include a block with none` });
  return issues;
}

/**
 * The architecture as numbers, computed without tensors. Per block: convolution (3×3 'same', or
 * 1×3 then 3×1, each with a bias) → batch norm (trainable gamma and beta; moving mean and
 * variance are not trainable) → activation → window-2 max pool to the block's size. Then flatten
 * and fcn_layers dense layers, each hidden one followed by the activation and, when dropout > 0,
 * dropout; the last has 10 units and no activation (logits).
 *
 * FLOPs are per image at inference: 2 per multiply-add, 1 per bias add, 2 per element for batch
 * norm (scale and shift), 1 per element for the activation, 3 comparisons per pooled output.
 * @throws ArchitectureError when `architectureIssues` finds anything.
 */
export function describeArchitecture(hp: Hyperparameters): ArchitectureDescription {
  const issues = architectureIssues(hp);
  if (issues.length > 0) throw new ArchitectureError(issues);
  const channels = blockChannels(hp.cnn_layers, hp.starting_channels, hp.final_channels);
  const sizes = blockSizes(hp.cnn_layers, hp.downsample);
  const layers: LayerDescription[] = [];
  let size = INPUT_SIZE;
  let cin = INPUT_CHANNELS;
  let nonTrainableParams = 0;
  for (let b = 0; b < hp.cnn_layers; b++) {
    const cout = channels[b];
    const block = `block${b + 1}`;
    const area = size * size;
    const convs: [string, number, number][] =
      hp.kernel === '3x3' ? [[`${block}_conv`, 9, cin]] : [[`${block}_conv1x3`, 3, cin], [`${block}_conv3x1`, 3, cout]];
    for (const [name, taps, inChannels] of convs) {
      layers.push({
        name,
        kind: 'conv',
        outputShape: [size, size, cout],
        params: taps * inChannels * cout + cout,
        flops: area * cout * (2 * taps * inChannels + 1),
      });
    }
    layers.push({ name: `${block}_bn`, kind: 'batchnorm', outputShape: [size, size, cout], params: 2 * cout, flops: 2 * area * cout });
    nonTrainableParams += 2 * cout;
    layers.push({ name: `${block}_act`, kind: 'activation', outputShape: [size, size, cout], params: 0, flops: area * cout });
    const next = sizes[b];
    layers.push({ name: `${block}_pool`, kind: 'pool', outputShape: [next, next, cout], params: 0, flops: 3 * next * next * cout });
    size = next;
    cin = cout;
  }
  const flat = size * size * cin;
  layers.push({ name: 'flatten', kind: 'flatten', outputShape: [flat], params: 0, flops: 0 });
  const fcnWidths = geometric(flat, NUM_CLASSES, hp.fcn_layers);
  for (let d = 1; d <= hp.fcn_layers; d++) {
    const [units, inputs] = [fcnWidths[d], fcnWidths[d - 1]];
    const last = d === hp.fcn_layers;
    const name = last ? 'logits' : `dense${d}`;
    layers.push({ name, kind: 'dense', outputShape: [units], params: inputs * units + units, flops: units * (2 * inputs + 1) });
    if (last) break;
    layers.push({ name: `dense${d}_act`, kind: 'activation', outputShape: [units], params: 0, flops: units });
    if (hp.dropout > 0) layers.push({ name: `dense${d}_dropout`, kind: 'dropout', outputShape: [units], params: 0, flops: 0 });
  }
  return {
    channels,
    sizes,
    fcnWidths,
    layers,
    totalParams: layers.reduce((s, l) => s + l.params, 0),
    nonTrainableParams,
    forwardFlops: layers.reduce((s, l) => s + l.flops, 0),
  };
}

function checkField(spec: HyperparameterSpec, value: unknown): string | null {
  if (spec.kind === 'categorical') {
    return spec.choices.includes(value as CategoricalChoice)
      ? null
      : `must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(value)}`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a finite number, got ${JSON.stringify(value)}`;
  if (spec.kind === 'int' && !Number.isInteger(value)) return `must be an integer, got ${value}`;
  if (value < spec.low || value > spec.high) return `must be in [${spec.low}, ${spec.high}], got ${value}`;
  return null;
}

/**
 * Fills defaults for missing hyperparameters and validates the result: unknown names, wrong
 * types, values outside HYPERPARAMETER_SPECS, and combinations that cannot be built.
 * @throws ArchitectureError listing every issue, each with its field.
 */
export function resolveHyperparameters(input: Record<string, unknown>): Hyperparameters {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ArchitectureError([{ field: '', message: 'hyperparameters must be an object' }]);
  }
  const issues: ArchitectureIssue[] = [];
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(HYPERPARAMETER_SPECS, key)) {
      issues.push({ field: key, message: `unknown hyperparameter; the model accepts ${HYPERPARAMETER_NAMES.join(', ')}` });
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const name of HYPERPARAMETER_NAMES) {
    const spec = HYPERPARAMETER_SPECS[name];
    const value = Object.hasOwn(input, name) && input[name] !== undefined ? input[name] : spec.default;
    const problem = checkField(spec, value);
    if (problem !== null) issues.push({ field: name, message: problem });
    resolved[name] = value;
  }
  if (issues.length > 0) throw new ArchitectureError(issues);
  const hp = resolved as unknown as Hyperparameters;
  const structural = architectureIssues(hp);
  if (structural.length > 0) throw new ArchitectureError(structural);
  return hp;
}
