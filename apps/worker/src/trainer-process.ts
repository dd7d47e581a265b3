/**
 * The trainer child process: forked by trainer-client.ts, it owns TensorFlow.js. tfjs computes
 * synchronously on the cpu and wasm backends, so training here keeps the worker's event loop free
 * to renew BullMQ job locks, send heartbeats and poll stop keys. The process stays alive across
 * trials: the backend is chosen once and CIFAR-10 is loaded once per dataset size.
 *
 * It ignores SIGINT and SIGTERM (a terminal's Ctrl-C or `kill` of the process group reaches it
 * too): shutting down is the worker's decision, which it takes by aborting the trial (hand-back)
 * and then closing the IPC channel, upon which this process exits.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Cifar10, type EpochReport, loadCifar10, resolveHyperparameters, train } from '@tunefleet/models';
import { selectBackend } from '@tunefleet/models/backend';
import type { ChildMessage, ParentMessage, TrainRequest, TrainSummary } from './trainer-protocol.js';
import { serializeError } from './trainer-protocol.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

const log = (msg: string, data?: object): void => send({ type: 'log', msg, ...(data && { data }) });

/** The GPU's model name from nvidia-smi, when TensorFlow reports that it uses a GPU. */
async function gpuName(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 5_000 });
    const name = stdout.split('\n')[0]?.trim();
    if (name) return name.slice(0, 255);
  } catch {
    // No nvidia-smi on this machine: the GPU is still in use, only its name is unknown.
  }
  return 'unknown GPU';
}

let cifar10Dir: string | undefined;
let cached: { key: string; data: Promise<Cifar10> } | undefined;

/** The data set of the last size asked for; one copy in memory, reloaded when the size changes. */
function dataset(sizes: TrainRequest['dataset']): Promise<Cifar10> {
  const key = `${sizes.trainSize}/${sizes.validationSize}`;
  if (cached?.key !== key) {
    // Seed 0: every trial of every study sees the same validation split of a given size. The
    // contracts carry no test metrics, so the test batch is not read.
    const data = loadCifar10({ dir: cifar10Dir, trainSize: sizes.trainSize, validationSize: sizes.validationSize, testSize: 0, seed: 0 });
    cached = { key, data };
    data.catch(() => {
      if (cached?.data === data) cached = undefined;
    });
  }
  return cached.data;
}

interface Running {
  readonly controller: AbortController;
  readonly acks: Map<number, () => void>;
}

const running = new Map<number, Running>();

async function readCheckpointSeed(checkpoint: string): Promise<number | undefined> {
  try {
    const state = JSON.parse(await readFile(path.join(checkpoint, 'state.json'), 'utf8')) as { seed?: unknown };
    return typeof state.seed === 'number' ? state.seed : undefined;
  } catch {
    // train() verifies the checkpoint and reports what is wrong with it.
    return undefined;
  }
}

async function runTraining(id: number, request: TrainRequest): Promise<void> {
  const entry: Running = { controller: new AbortController(), acks: new Map() };
  running.set(id, entry);
  try {
    const hp = resolveHyperparameters({ ...request.params });
    const data = await dataset(request.dataset);
    const seed =
      request.adoptCheckpointSeed && request.resumeFrom !== undefined
        ? ((await readCheckpointSeed(request.resumeFrom)) ?? request.seed)
        : request.seed;
    const result = await train({
      hp,
      data,
      maxEpochs: request.maxEpochs,
      seed,
      checkpoint: { dir: request.checkpointDir, ...(request.resumeFrom !== undefined && { resumeFrom: request.resumeFrom }) },
      signal: entry.controller.signal,
      // The worker stores the checkpoint, publishes the report and checks the stop key before
      // acknowledging, so the next epoch starts only once this one is safe in Redis.
      onEpochEnd: (report: EpochReport) =>
        new Promise<void>((resolve) => {
          entry.acks.set(report.epoch, resolve);
          send({ type: 'epoch', id, report });
        }),
    });
    const summary: TrainSummary = {
      outcome: result.outcome,
      epochsCompleted: result.epochsCompleted,
      parameterCount: result.parameterCount,
      ...(result.lastReport && { lastReport: result.lastReport }),
      ...(result.divergence && { divergence: result.divergence }),
    };
    send({ type: 'result', id, summary });
  } catch (err) {
    send({ type: 'error', id, error: serializeError(err) });
  } finally {
    running.delete(id);
  }
}

async function init(message: Extract<ParentMessage, { type: 'init' }>): Promise<void> {
  cifar10Dir = message.cifar10Dir;
  try {
    const selection = await selectBackend({ ...(message.backend && { force: message.backend }), log });
    send({
      type: 'ready',
      backend: selection.name,
      ...(selection.gpu && { gpu: await gpuName() }),
      detail: selection.detail,
    });
  } catch (err) {
    send({ type: 'init-failed', error: serializeError(err) });
    process.disconnect?.();
  }
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'init':
      void init(message);
      break;
    case 'train':
      void runTraining(message.id, message.request);
      break;
    case 'abort':
      running.get(message.id)?.controller.abort();
      break;
    case 'epoch-ack':
      running.get(message.id)?.acks.get(message.epoch)?.();
      break;
  }
});

process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// The worker closed the channel (or died): nothing is left to train for.
process.on('disconnect', () => process.exit(0));
