/**
 * Training and inference throughput of the seed model (buildModel(SEED_HYPERPARAMETERS),
 * 875,592 parameters) per backend, with the training step `train()` runs: variableGrads of the
 * softmax cross-entropy in training mode, then Adam's applyGradients, inside one tidy.
 *
 *   pnpm bench:train speed [--backends wasm,cpu] [--steps 20]
 *   tsx --conditions=source bench/speed.ts --backends wasm --steps 20 [--batch 125] [--processes 2] [--profile]
 *
 * Reports images/s over wall time and over the process's own CPU time (`process.cpuUsage()`,
 * user + system): on a shared machine the wall figure drops with every other job, the CPU
 * figure says what one core delivers. `--processes N` starts N copies of the measurement at
 * once (Node runs wasm on one thread, so a second core is used by a second process) and
 * reports the combined images/s. `--profile` prints the per-kernel time of one training step.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, BACKEND_NAMES, parseBackendName, selectBackend } from '../src/backend.js';
import { buildModel } from '../src/build-model.js';
import { SEED_HYPERPARAMETERS, type Hyperparameters } from '../src/config.js';
import { RandomStream } from '../src/randomness.js';

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
  /** Images per second of wall time. */
  trainImagesPerSecond: number;
  inferImagesPerSecond: number;
  /** Images per second of this process's CPU time (user + system). */
  trainImagesPerCpuSecond: number;
  inferImagesPerCpuSecond: number;
  trainStepMs: number;
  trainStepCpuMs: number;
  profile?: KernelTime[];
}

export interface KernelTime {
  /** A kernel name, or 'outside kernels' for the step's remaining CPU time (engine, tape, JS). */
  kernel: string;
  /** CPU milliseconds (user + system) in the kernel, kernels it runs itself included. */
  ms: number;
  calls: number;
  /** Fraction of the whole step's CPU time. */
  share: number;
}

/**
 * CPU time per kernel of one call of `fn`. tf.profile reports wall time, which on a loaded
 * machine mostly measures the other jobs; here every kernel registered for the backend is
 * wrapped for the call to read `process.cpuUsage()` around it. Kernels that run others
 * through the registry (the wasm training kernels do) are charged as a whole, once.
 */
export function profileKernels(backendName: string, fn: () => void): KernelTime[] {
  const originals = tf.getKernelsForBackend(backendName);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let depth = 0;
  for (const config of originals) {
    const wrapped: tf.KernelConfig = {
      ...config,
      kernelFunc: (args) => {
        if (depth > 0) return config.kernelFunc(args);
        depth++;
        const start = process.cpuUsage();
        try {
          return config.kernelFunc(args);
        } finally {
          const used = process.cpuUsage(start);
          depth--;
          const entry = byKernel.get(config.kernelName) ?? { ms: 0, calls: 0 };
          entry.ms += (used.user + used.system) / 1000;
          entry.calls++;
          byKernel.set(config.kernelName, entry);
        }
      },
    };
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(wrapped);
  }
  let totalMs: number;
  try {
    totalMs = timed(fn).cpuMs;
  } finally {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  }
  const inKernels = [...byKernel.values()].reduce((sum, e) => sum + e.ms, 0);
  byKernel.set('outside kernels', { ms: Math.max(0, totalMs - inKernels), calls: 0 });
  return [...byKernel.entries()]
    .map(([kernel, e]) => ({ kernel, ms: e.ms, calls: e.calls, share: e.ms / totalMs }))
    .sort((a, b) => b.ms - a.ms);
}

function describeModel(hp: Hyperparameters): string {
  return `cnn ${hp.cnn_layers} ${hp.kernel} ${hp.pooling} pool, fcn ${hp.fcn_layers}, ${hp.activation}, ${hp.optimizer}`;
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

/** One optimizer step as `train()` takes it (gradients in trainableWeights order). */
function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor4D, y: tf.Tensor2D): number {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      variables,
    );
    optimizer.applyGradients(variables.map((v) => ({ name: v.name, tensor: grads[v.name] })));
    return value;
  });
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

/** Milliseconds of wall time and of this process's CPU time that `fn` took. */
function timed(fn: () => void): { wallMs: number; cpuMs: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export async function benchSpeed(options: SpeedOptions): Promise<SpeedResult[]> {
  const batchSize = options.batchSize ?? 125;
  const warmup = options.warmupSteps ?? 2;
  const hp = options.hp ?? SEED_HYPERPARAMETERS;
  const results: SpeedResult[] = [];
  for (const backend of options.backends) {
    await selectBackend({ force: backend });
    const model = buildModel(hp, { seed: 1, random: new RandomStream(2) });
    const optimizer = tf.train.adam(hp.learning_rate);
    const batches = [0, 1].map((s) => syntheticBatch(batchSize, s));
    for (let s = 0; s < warmup; s++) trainStep(model, optimizer, batches[s % 2].x, batches[s % 2].y);
    const profile = options.profile ? profileKernels(tf.getBackend(), () => trainStep(model, optimizer, batches[0].x, batches[0].y)) : undefined;
    const training = timed(() => {
      for (let s = 0; s < options.steps; s++) trainStep(model, optimizer, batches[s % 2].x, batches[s % 2].y);
    });
    for (let s = 0; s < warmup; s++) tf.tidy(() => (model.predict(batches[s % 2].x) as tf.Tensor).dataSync());
    const inference = timed(() => {
      for (let s = 0; s < options.steps; s++) tf.tidy(() => (model.predict(batches[s % 2].x) as tf.Tensor).dataSync());
    });
    const images = options.steps * batchSize * 1000;
    results.push({
      backend,
      model: describeModel(hp),
      params: model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0),
      batchSize,
      steps: options.steps,
      trainImagesPerSecond: images / training.wallMs,
      inferImagesPerSecond: images / inference.wallMs,
      trainImagesPerCpuSecond: images / training.cpuMs,
      inferImagesPerCpuSecond: images / inference.cpuMs,
      trainStepMs: training.wallMs / options.steps,
      trainStepCpuMs: training.cpuMs / options.steps,
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
    const sum = (key: 'trainImagesPerSecond' | 'inferImagesPerSecond') => each.reduce((s, r) => s + r[key], 0).toFixed(1);
    const parts = (key: keyof SpeedResult) => each.map((r) => (r[key] as number).toFixed(1)).join(' + ');
    process.stdout.write(
      `${args.backends[b]} × ${args.processes} processes: train ${sum('trainImagesPerSecond')} images/s (${parts('trainImagesPerSecond')}; per CPU second ${parts('trainImagesPerCpuSecond')}), ` +
        `infer ${sum('inferImagesPerSecond')} images/s (${parts('inferImagesPerSecond')}; per CPU second ${parts('inferImagesPerCpuSecond')})\n`,
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
      `${r.backend}: train ${r.trainImagesPerSecond.toFixed(1)} images/s wall, ${r.trainImagesPerCpuSecond.toFixed(1)} per CPU second ` +
        `(${r.trainStepMs.toFixed(0)} ms wall, ${r.trainStepCpuMs.toFixed(0)} ms CPU per step); ` +
        `infer ${r.inferImagesPerSecond.toFixed(1)} images/s wall, ${r.inferImagesPerCpuSecond.toFixed(1)} per CPU second; ` +
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
