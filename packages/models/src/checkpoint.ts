import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Hyperparameters } from './config.js';
import type { RandomStreamState } from './randomness.js';
import type { EpochReport } from './train.js';

/**
 * One checkpoint per completed epoch, in `<dir>/epoch-<n>/`:
 *
 * | file            | content                                                                  |
 * |-----------------|--------------------------------------------------------------------------|
 * | `model.json`    | standard tfjs layers-model JSON (topology + weights manifest)            |
 * | `weights.bin`   | every model weight, trainable and not (batch-norm moving statistics too) |
 * | `optimizer.json`| weight specs of the optimizer state (`optimizer.getWeights()`)           |
 * | `optimizer.bin` | the optimizer state values                                               |
 * | `state.json`    | epoch, seed, hyperparameters, random stream states, the epoch's report   |
 * | `manifest.json` | sha256 and size of each file above; written last                         |
 *
 * Names are fixed strings and epoch numbers only: no hyperparameter value ever reaches a path.
 * A checkpoint is assembled in a temporary sibling directory and renamed into place, so a crash
 * leaves either the complete directory or none (rename(2) is atomic within one filesystem).
 */

export const CHECKPOINT_FORMAT = 'tunefleet-checkpoint';
export const CHECKPOINT_VERSION = 1;

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';
const STATE_JSON = 'state.json';
const MANIFEST_JSON = 'manifest.json';
const CHECKSUMMED_FILES = [MODEL_JSON, WEIGHTS_BIN, OPTIMIZER_JSON, OPTIMIZER_BIN, STATE_JSON];
const EPOCH_DIR = /^epoch-([1-9][0-9]*)$/;

export type CheckpointErrorReason = 'missing' | 'corrupt' | 'incompatible' | 'unsafe-path';

/**
 * A checkpoint that cannot be used. Callers catch it to fall back to an earlier epoch
 * (see `listCheckpoints`); `reason` says why and `file` which file, when one is to blame.
 */
export class CheckpointError extends Error {
  readonly code = 'CHECKPOINT_INVALID' as const;
  constructor(
    message: string,
    readonly reason: CheckpointErrorReason,
    readonly checkpointPath: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

/** Everything besides tensors that training needs to continue exactly where it stopped. */
export interface CheckpointState {
  /** The completed epoch (1-based). Training resumes at `epoch + 1`. */
  epoch: number;
  seed: number;
  hp: Hyperparameters;
  /** States of the named random streams (model randomness, augmentation, data order). */
  random: Record<string, RandomStreamState>;
  /** The report of the completed epoch, without `checkpointPath`. */
  report?: Omit<EpochReport, 'checkpointPath'>;
}

export interface ManifestEntry {
  sha256: string;
  bytes: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  epoch: number;
  files: Record<string, ManifestEntry>;
}

/** A verified checkpoint, read into memory. */
export interface LoadedCheckpoint {
  path: string;
  state: CheckpointState;
  model: { json: tf.io.ModelJSON; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer };
  optimizer: { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer };
}

/**
 * Resolves the caller's checkpoint directory. With `root`, a relative `dir` is taken relative to
 * it, and any `dir` whose normalised form leaves `root` (a `..` segment survives normalisation, or
 * an absolute path elsewhere) is rejected, so ids from a message cannot point outside the volume.
 */
export function resolveCheckpointDir(dir: string, root?: string): string {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new CheckpointError('checkpoint.dir: must be a non-empty path', 'unsafe-path', String(dir));
  }
  if (dir.includes('\0')) {
    throw new CheckpointError('checkpoint.dir: must not contain NUL bytes', 'unsafe-path', dir);
  }
  if (root === undefined) return path.resolve(dir);
  const resolvedRoot = path.resolve(root);
  const resolved = path.resolve(resolvedRoot, dir);
  const relative = path.relative(resolvedRoot, resolved);
  if (relative.split(path.sep).includes('..') || path.isAbsolute(relative)) {
    throw new CheckpointError(
      `checkpoint.dir: ${dir} leaves the checkpoint root ${resolvedRoot}`,
      'unsafe-path',
      dir,
    );
  }
  return resolved;
}

/** `<dir>/epoch-<n>`, the directory of one epoch's checkpoint. */
export function checkpointPath(dir: string, epoch: number): string {
  if (!Number.isInteger(epoch) || epoch < 1) {
    throw new RangeError(`epoch: must be a positive integer, got ${epoch}`);
  }
  return path.join(dir, `epoch-${epoch}`);
}

/** Complete checkpoints under `dir`, oldest first; temporary directories are ignored. */
export async function listCheckpoints(dir: string): Promise<{ epoch: number; path: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((name) => ({ name, match: EPOCH_DIR.exec(name) }))
    .filter((entry) => entry.match !== null)
    .map((entry) => ({ epoch: Number(entry.match![1]), path: path.join(dir, entry.name) }))
    .sort((a, b) => a.epoch - b.epoch);
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function writeDurably(file: string, data: Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const utf8 = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured?.weightData === undefined || captured.weightSpecs === undefined) {
    throw new Error('model.save produced no weights');
  }
  return captured;
}

/**
 * Optimizer state as named tensors. `getWeights()` returns the optimizer's own variables (which
 * must stay alive) plus a freshly made `iter` scalar (which must be disposed): dispose only what
 * is not a variable.
 */
async function encodeOptimizerState(
  optimizer: tf.Optimizer,
): Promise<{ data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] }> {
  const weights = await optimizer.getWeights();
  try {
    return await tf.io.encodeWeights(weights);
  } finally {
    for (const { tensor } of weights) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
}

export interface SaveCheckpointOptions {
  /** Directory holding this trial's checkpoints, already resolved (see `resolveCheckpointDir`). */
  dir: string;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  state: CheckpointState;
}

/**
 * Writes `<dir>/epoch-<state.epoch>/` atomically and returns its path. An existing checkpoint of
 * the same epoch (left by an earlier attempt of the same trial) is replaced.
 */
export async function saveCheckpoint({ dir, model, optimizer, state }: SaveCheckpointOptions): Promise<string> {
  const target = checkpointPath(dir, state.epoch);
  const artifacts = await modelArtifacts(model);
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs! }],
  };
  const optimizerState = await encodeOptimizerState(optimizer);
  const files: Record<string, Uint8Array> = {
    [WEIGHTS_BIN]: weights,
    [MODEL_JSON]: utf8(modelJson),
    [OPTIMIZER_BIN]: new Uint8Array(optimizerState.data),
    [OPTIMIZER_JSON]: utf8({ weightSpecs: optimizerState.specs }),
    [STATE_JSON]: utf8(state),
  };
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    epoch: state.epoch,
    files: Object.fromEntries(
      Object.entries(files).map(([name, data]) => [name, { sha256: sha256(data), bytes: data.byteLength }]),
    ),
  };

  await mkdir(dir, { recursive: true });
  const temporary = await mkdtemp(path.join(dir, `.epoch-${state.epoch}.tmp-`));
  try {
    for (const [name, data] of Object.entries(files)) await writeDurably(path.join(temporary, name), data);
    await writeDurably(path.join(temporary, MANIFEST_JSON), utf8(manifest));
    await syncDirectory(temporary);
    await replaceDirectory(temporary, target, dir, state.epoch);
    await syncDirectory(dir);
  } catch (err) {
    await rm(temporary, { recursive: true, force: true });
    throw err;
  }
  return target;
}

async function replaceDirectory(source: string, target: string, dir: string, epoch: number): Promise<void> {
  try {
    await rename(source, target);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  // rename(2) cannot replace a non-empty directory: move the old one aside first.
  const aside = await mkdtemp(path.join(dir, `.epoch-${epoch}.old-`));
  const old = path.join(aside, 'checkpoint');
  await rename(target, old);
  await rename(source, target);
  await rm(aside, { recursive: true, force: true });
}

async function readChecked(
  checkpoint: string,
  name: string,
  manifest: CheckpointManifest,
): Promise<Uint8Array> {
  const entry = manifest.files[name];
  if (entry === undefined) {
    throw new CheckpointError(`checkpoint ${checkpoint}: manifest lists no ${name}`, 'corrupt', checkpoint, name);
  }
  let data: Uint8Array;
  try {
    data = await readFile(path.join(checkpoint, name));
  } catch (err) {
    throw new CheckpointError(`checkpoint ${checkpoint}: cannot read ${name}`, 'missing', checkpoint, name, {
      cause: err,
    });
  }
  if (data.byteLength !== entry.bytes || sha256(data) !== entry.sha256) {
    throw new CheckpointError(
      `checkpoint ${checkpoint}: ${name} does not match its sha256 in ${MANIFEST_JSON}`,
      'corrupt',
      checkpoint,
      name,
    );
  }
  return data;
}

function parseJson<T>(checkpoint: string, name: string, data: Uint8Array): T {
  try {
    return JSON.parse(new TextDecoder().decode(data)) as T;
  } catch (err) {
    throw new CheckpointError(`checkpoint ${checkpoint}: ${name} is not valid JSON`, 'corrupt', checkpoint, name, {
      cause: err,
    });
  }
}

const toArrayBuffer = (data: Uint8Array): ArrayBuffer =>
  data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;

/**
 * Reads a checkpoint directory and verifies every file against the manifest. Throws
 * `CheckpointError` for a missing or corrupt file, an unknown format or a newer version.
 */
export async function loadCheckpoint(checkpoint: string): Promise<LoadedCheckpoint> {
  let manifestData: Uint8Array;
  try {
    manifestData = await readFile(path.join(checkpoint, MANIFEST_JSON));
  } catch (err) {
    throw new CheckpointError(`checkpoint ${checkpoint}: cannot read ${MANIFEST_JSON}`, 'missing', checkpoint, MANIFEST_JSON, {
      cause: err,
    });
  }
  const manifest = parseJson<CheckpointManifest>(checkpoint, MANIFEST_JSON, manifestData);
  if (manifest.format !== CHECKPOINT_FORMAT || typeof manifest.files !== 'object' || manifest.files === null) {
    throw new CheckpointError(`checkpoint ${checkpoint}: ${MANIFEST_JSON} is not a ${CHECKPOINT_FORMAT} manifest`, 'corrupt', checkpoint, MANIFEST_JSON);
  }
  if (manifest.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `checkpoint ${checkpoint}: version ${manifest.version} is not supported (expected ${CHECKPOINT_VERSION})`,
      'incompatible',
      checkpoint,
      MANIFEST_JSON,
    );
  }
  const contents = new Map<string, Uint8Array>();
  for (const name of CHECKSUMMED_FILES) contents.set(name, await readChecked(checkpoint, name, manifest));

  const json = parseJson<tf.io.ModelJSON>(checkpoint, MODEL_JSON, contents.get(MODEL_JSON)!);
  const optimizer = parseJson<{ weightSpecs: tf.io.WeightsManifestEntry[] }>(checkpoint, OPTIMIZER_JSON, contents.get(OPTIMIZER_JSON)!);
  const state = parseJson<CheckpointState>(checkpoint, STATE_JSON, contents.get(STATE_JSON)!);
  if (state.epoch !== manifest.epoch) {
    throw new CheckpointError(
      `checkpoint ${checkpoint}: ${STATE_JSON} is for epoch ${state.epoch}, the manifest for ${manifest.epoch}`,
      'corrupt',
      checkpoint,
      STATE_JSON,
    );
  }
  return {
    path: checkpoint,
    state,
    model: {
      json,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: toArrayBuffer(contents.get(WEIGHTS_BIN)!),
    },
    optimizer: { weightSpecs: optimizer.weightSpecs, weightData: toArrayBuffer(contents.get(OPTIMIZER_BIN)!) },
  };
}

function decodeInOrder(
  checkpoint: LoadedCheckpoint,
  file: string,
  data: ArrayBuffer,
  specs: tf.io.WeightsManifestEntry[],
): tf.Tensor[] {
  let byName: tf.NamedTensorMap;
  try {
    byName = tf.io.decodeWeights(data, specs);
  } catch (err) {
    throw new CheckpointError(`checkpoint ${checkpoint.path}: cannot decode ${file}`, 'corrupt', checkpoint.path, file, {
      cause: err,
    });
  }
  return specs.map((spec) => byName[spec.name]);
}

/**
 * Sets a freshly built model's weights from a checkpoint. Weights are matched by position and
 * checked by shape, because tfjs makes layer names unique per process (`conv2d_Conv2D3/kernel`
 * in one, `conv2d_Conv2D7/kernel` in the next), while `buildModel` creates them in a fixed order.
 */
export function restoreModelWeights(model: tf.LayersModel, checkpoint: LoadedCheckpoint): void {
  const tensors = decodeInOrder(checkpoint, WEIGHTS_BIN, checkpoint.model.weightData, checkpoint.model.weightSpecs);
  try {
    const weights = model.weights;
    if (weights.length !== tensors.length) {
      throw new CheckpointError(
        `checkpoint ${checkpoint.path}: holds ${tensors.length} weights, the model has ${weights.length}`,
        'incompatible',
        checkpoint.path,
        WEIGHTS_BIN,
      );
    }
    weights.forEach((weight, i) => {
      if (!tf.util.arraysEqual(weight.shape as number[], tensors[i].shape)) {
        throw new CheckpointError(
          `checkpoint ${checkpoint.path}: weight ${i} (${checkpoint.model.weightSpecs[i].name}) has shape [${tensors[i].shape}], the model's ${weight.name} has [${weight.shape}]`,
          'incompatible',
          checkpoint.path,
          WEIGHTS_BIN,
        );
      }
    });
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Restores optimizer state (moments, accumulators, iteration count). tfjs optimizers hold their
 * per-variable state by the position of the variable in the gradient list, so the trainer must
 * apply gradients in `model.trainableWeights` order, as it does.
 */
export async function restoreOptimizerState(optimizer: tf.Optimizer, checkpoint: LoadedCheckpoint): Promise<void> {
  const specs = checkpoint.optimizer.weightSpecs;
  const tensors = decodeInOrder(checkpoint, OPTIMIZER_BIN, checkpoint.optimizer.weightData, specs);
  try {
    await optimizer.setWeights(specs.map((spec, i) => ({ name: spec.name, tensor: tensors[i] })));
  } finally {
    // setWeights keeps its own variables (which share the data); these handles are ours to drop.
    tf.dispose(tensors);
  }
}

/**
 * A tfjs load handler for the model in a checkpoint directory, so that any backend can
 * `tf.loadLayersModel(checkpointModelHandler(dir))` (tfjs-node users may also pass
 * `file://<dir>/model.json`). Custom layers are registered by importing `@tunefleet/models`.
 */
export function checkpointModelHandler(checkpoint: string): tf.io.IOHandler {
  return {
    load: async () => {
      const loaded = await loadCheckpoint(checkpoint);
      return tf.io.getModelArtifactsForJSON(loaded.model.json, async () => [
        loaded.model.weightSpecs,
        loaded.model.weightData,
      ]);
    },
  };
}
