/**
 * Training and inference throughput of the seed model (875,592 parameters) per backend.
 *
 *   pnpm bench:train speed [--backends wasm,cpu] [--steps 20] [--batch 125] [--processes 2] [--profile]
 *   tsx --conditions=source bench/speed.ts --backends wasm --steps 20
 *
 * Prints one JSON line per measurement and a summary table. `--processes N` starts N copies
 * of the wasm measurement concurrently (Node runs wasm on one thread, so this is how a
 * machine's second core is used) and reports the combined images/s.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, BACKEND_NAMES, parseBackendName, selectBackend } from '../src/backend.js';
import { SEED_HYPERPARAMETERS, type Hyperparameters } from '../src/config.js';

export interface SpeedOptions {
  backends: BackendName[];
  batchSize?: number;
  /** Timed training steps (after warm-up); inference runs the same number of batches. */
  steps: number;
  warmupSteps?: number;
  hp?: Hyperparameters;
  /** Print the per-kernel time breakdown of one training step. */
  profile?: boolean;
}

export interface SpeedResult {
  backend: BackendName;
  model: string;
  /** Trainable parameters (batch-norm moving statistics excluded). */
  params: number;
  batchSize: number;
  steps: number;
  trainImagesPerSecond: number;
  inferImagesPerSecond: number;
  trainStepMs: number;
  profile?: KernelTime[];
}

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
  share: number;
}

/** Builds the seed model: buildModel from the package once it exists, else an equivalent stand-in. */
async function buildSeedModel(hp: Hyperparameters): Promise<{ model: tf.LayersModel; name: string }> {
  const { buildStandInModel } = await import('./stand-in-model.js');
  return { model: buildStandInModel(hp), name: 'stand-in (window-2 max pool via gather)' };
}

function syntheticBatch(batchSize: number, step: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const pixels = new Float32Array(batchSize * 32 * 32 * 3);
  let state = (step * 2654435761) >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    pixels[i] = state / 2 ** 31 - 1;
  }
  const labels = new Int32Array(batchSize);
  for (let i = 0; i < batchSize; i++) labels[i] = (i * 7 + step) % 10;
  return {
    x: tf.tensor4d(pixels, [batchSize, 32, 32, 3]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat()) as tf.Tensor2D,
  };
}

function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor4D, y: tf.Tensor2D): number {
  const loss = optimizer.minimize(
    () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    true,
  );
  const value = loss!.dataSync()[0];
  loss!.dispose();
  return value;
}

export async function benchSpeed(options: SpeedOptions): Promise<SpeedResult[]> {
  const batchSize = options.batchSize ?? 125;
  const warmup = options.warmupSteps ?? 2;
  const hp = options.hp ?? SEED_HYPERPARAMETERS;
  const results: SpeedResult[] = [];
  for (const backend of options.backends) {
    await selectBackend({ force: backend });
    const { model, name } = await buildSeedModel(hp);
    const optimizer = tf.train.adam(hp.learning_rate);
    const batches = [0, 1].map((s) => syntheticBatch(batchSize, s));
    for (let s = 0; s < warmup; s++) trainStep(model, optimizer, batches[s % 2].x, batches[s % 2].y);
    let profile: KernelTime[] | undefined;
    if (options.profile) {
      const info = await tf.profile(() => {
        trainStep(model, optimizer, batches[0].x, batches[0].y);
      });
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        entry.ms += ms;
        entry.calls += 1;
        byKernel.set(k.name, entry);
      }
      const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
      profile = [...byKernel.entries()]
        .map(([kernel, e]) => ({ kernel, ms: e.ms, calls: e.calls, share: e.ms / total }))
        .sort((a, b) => b.ms - a.ms);
    }
    const t0 = performance.now();
    for (let s = 0; s < options.steps; s++) trainStep(model, optimizer, batches[s % 2].x, batches[s % 2].y);
    const trainMs = performance.now() - t0;
    for (let s = 0; s < warmup; s++) tf.tidy(() => (model.predict(batches[s % 2].x) as tf.Tensor).dataSync());
    const t1 = performance.now();
    for (let s = 0; s < options.steps; s++) tf.tidy(() => (model.predict(batches[s % 2].x) as tf.Tensor).dataSync());
    const inferMs = performance.now() - t1;
    results.push({
      backend,
      model: name,
      params: model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0),
      batchSize,
      steps: options.steps,
      trainImagesPerSecond: (options.steps * batchSize * 1000) / trainMs,
      inferImagesPerSecond: (options.steps * batchSize * 1000) / inferMs,
      trainStepMs: trainMs / options.steps,
      ...(profile === undefined ? {} : { profile }),
    });
    for (const b of batches) tf.dispose([b.x, b.y]);
    optimizer.dispose();
    model.dispose();
  }
  return results;
}

interface CliArgs {
  backends: BackendName[];
  steps: number;
  batchSize: number;
  processes: number;
  profile: boolean;
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { backends: ['wasm'], steps: 10, batchSize: 125, processes: 1, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const int = (field: string): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${field} must be a positive integer, got '${value}'`);
      i++;
      return n;
    };
    if (flag === '--backends') {
      args.backends = (value ?? '').split(',').map((b) => parseBackendName(b, '--backends') ?? 'wasm');
      i++;
    } else if (flag === '--steps') args.steps = int('--steps');
    else if (flag === '--batch') args.batchSize = int('--batch');
    else if (flag === '--processes') args.processes = int('--processes');
    else if (flag === '--profile') args.profile = true;
    else if (flag !== '--') throw new Error(`unknown argument '${flag}'; expected --backends ${BACKEND_NAMES.join(',')} --steps --batch --processes --profile`);
  }
  return args;
}

/** Runs `processes` single-process measurements at once and sums their throughput. */
async function concurrent(args: CliArgs): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const runs = Array.from({ length: args.processes }, () =>
    new Promise<SpeedResult[]>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [...process.execArgv, self, '--backends', args.backends.join(','), '--steps', String(args.steps), '--batch', String(args.batchSize), '--json'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => {
        if (code !== 0) return reject(new Error(`benchmark process exited with ${code}`));
        const line = out.trim().split('\n').filter((l) => l.startsWith('[')).pop();
        resolve(JSON.parse(line ?? '[]') as SpeedResult[]);
      });
    }),
  );
  const all = await Promise.all(runs);
  for (let b = 0; b < args.backends.length; b++) {
    const each = all.map((r) => r[b]);
    const train = each.reduce((s, r) => s + r.trainImagesPerSecond, 0);
    const infer = each.reduce((s, r) => s + r.inferImagesPerSecond, 0);
    process.stdout.write(
      `${args.backends[b]} × ${args.processes} processes: train ${train.toFixed(1)} images/s (${each.map((r) => r.trainImagesPerSecond.toFixed(1)).join(' + ')}), ` +
        `infer ${infer.toFixed(1)} images/s (${each.map((r) => r.inferImagesPerSecond.toFixed(1)).join(' + ')})\n`,
    );
  }
}

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const args = parseArgs(argv.filter((a) => a !== '--json'));
  if (args.processes > 1) return concurrent(args);
  const results = await benchSpeed({ backends: args.backends, steps: args.steps, batchSize: args.batchSize, profile: args.profile });
  if (json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(
      `${r.backend}: train ${r.trainImagesPerSecond.toFixed(1)} images/s (${r.trainStepMs.toFixed(0)} ms/step), infer ${r.inferImagesPerSecond.toFixed(1)} images/s; ` +
        `${r.model}, ${r.params} params, batch ${r.batchSize}, ${r.steps} steps\n`,
    );
    for (const k of r.profile ?? []) {
      process.stdout.write(`  ${k.kernel.padEnd(24)} ${k.ms.toFixed(1).padStart(8)} ms ${(100 * k.share).toFixed(1).padStart(5)}%  ${k.calls} calls\n`);
    }
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
