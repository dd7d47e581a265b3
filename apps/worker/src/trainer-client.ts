/**
 * The worker's side of the trainer child processes (trainer-process.ts): forking, the IPC
 * request/response of one training run, crash detection, and a pool with one process per
 * concurrent trial. A process that dies is replaced on the next trial; the trial it was training
 * fails with TrainerCrashedError, which is transient (BullMQ retries it).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TrainingBackend } from '@tunefleet/contracts';
import type { EpochReport } from '@tunefleet/models';
import type { Logger } from 'pino';
import {
  type ChildMessage,
  type ParentMessage,
  type TrainRequest,
  type TrainSummary,
  TrainerCrashedError,
  TrainerError,
} from './trainer-protocol.js';

export interface TrainerOptions {
  /** Force a backend; undefined picks the best that loads. */
  readonly backend?: TrainingBackend;
  readonly cifar10Dir?: string;
  readonly log: Logger;
  /** ms the child may take to choose and initialise its backend. */
  readonly startTimeoutMs?: number;
}

export interface TrainHooks {
  /** Aborting stops training before the next batch; the run then ends with outcome `stopped`. */
  readonly signal: AbortSignal;
  /** Awaited for each epoch; the child waits for it before training the next one. */
  readonly onEpoch: (report: EpochReport) => Promise<void>;
}

/** This module's own file extension: `.ts` when run from source (tsx, vitest), `.js` when built. */
const here = fileURLToPath(import.meta.url);
const CHILD_ENTRY = path.join(path.dirname(here), `trainer-process${path.extname(here)}`);

/** Source files need tsx in the child too, and the `source` condition to resolve workspace packages. */
function childExecArgv(): string[] {
  if (!CHILD_ENTRY.endsWith('.ts')) return [];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsx, '--conditions=source'];
}

const STDERR_LINES_KEPT = 20;

/** One trainer child process. Use `TrainerProcess.start`. */
export class TrainerProcess {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (s: TrainSummary) => void; reject: (e: Error) => void; onEpoch: TrainHooks['onEpoch'] }
  >();
  private readonly stderrTail: string[] = [];
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: Logger,
    readonly backend: TrainingBackend,
    readonly gpu: string | undefined,
  ) {
    child.on('message', (message: ChildMessage) => this.onMessage(message));
    child.on('exit', (code, signal) => this.onExit(code, signal));
  }

  /** Forks a child, has it select its backend, and resolves once it is ready to train. */
  static async start(options: TrainerOptions): Promise<TrainerProcess> {
    const log = options.log;
    const child = fork(CHILD_ENTRY, [], {
      execArgv: childExecArgv(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const stderrTail: string[] = [];
    // tfjs and native libraries print to stdout/stderr; keep it out of the JSON log stream.
    createInterface({ input: child.stdout! }).on('line', (line) => log.debug({ line }, 'trainer output'));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_LINES_KEPT) stderrTail.shift();
      log.debug({ line }, 'trainer error output');
    });
    const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`trainer process did not become ready within ${options.startTimeoutMs ?? 120_000} ms`));
      }, options.startTimeoutMs ?? 120_000);
      const onMessage = (message: ChildMessage): void => {
        if (message.type === 'log') log.debug({ ...message.data }, message.msg);
        if (message.type === 'ready') settle(() => resolve(message));
        if (message.type === 'init-failed') settle(() => reject(new TrainerError(message.error)));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        settle(() => reject(new TrainerCrashedError(`trainer process exited during start-up (code ${code}, signal ${signal}): ${stderrTail.join('\n')}`)));
      const settle = (done: () => void): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        done();
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ type: 'init', backend: options.backend, cifar10Dir: options.cifar10Dir } satisfies ParentMessage);
    });
    const trainer = new TrainerProcess(child, log, ready.backend, ready.gpu);
    trainer.stderrTail.push(...stderrTail);
    log.info({ backend: ready.backend, gpu: ready.gpu, detail: ready.detail, trainerPid: child.pid }, 'trainer process ready');
    return trainer;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Trains one trial; rejects with the child's error, or TrainerCrashedError if the child dies. */
  train(request: TrainRequest, hooks: TrainHooks): Promise<TrainSummary> {
    if (this.exited) return Promise.reject(new TrainerCrashedError('trainer process is not running'));
    const id = this.nextId++;
    const abort = (): void => this.post({ type: 'abort', id });
    return new Promise<TrainSummary>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onEpoch: hooks.onEpoch });
      this.post({ type: 'train', id, request });
      if (hooks.signal.aborted) abort();
      else hooks.signal.addEventListener('abort', abort, { once: true });
    }).finally(() => hooks.signal.removeEventListener('abort', abort));
  }

  /** Closes the IPC channel (the child exits) and waits for the exit; SIGKILL after `timeoutMs`. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private post(message: ParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  private onMessage(message: ChildMessage): void {
    switch (message.type) {
      case 'log':
        this.log.debug({ ...message.data }, message.msg);
        return;
      case 'epoch': {
        const run = this.pending.get(message.id);
        if (run === undefined) return;
        run.onEpoch(message.report).then(
          () => this.post({ type: 'epoch-ack', id: message.id, epoch: message.report.epoch }),
          (err: unknown) => {
            // The epoch could not be stored or sent: stop this run and fail it with that error.
            this.pending.delete(message.id);
            this.post({ type: 'abort', id: message.id });
            this.post({ type: 'epoch-ack', id: message.id, epoch: message.report.epoch });
            run.reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
        return;
      }
      case 'result':
        this.pending.get(message.id)?.resolve(message.summary);
        this.pending.delete(message.id);
        return;
      case 'error':
        this.pending.get(message.id)?.reject(new TrainerError(message.error));
        this.pending.delete(message.id);
        return;
      default:
        return;
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    if (this.pending.size === 0) return;
    const error = new TrainerCrashedError(
      `trainer process exited while training (code ${code}, signal ${signal})${this.stderrTail.length ? `: ${this.stderrTail.join('\n')}` : ''}`,
    );
    for (const run of this.pending.values()) run.reject(error);
    this.pending.clear();
  }
}

/** A trainer process on loan to one trial; give it back with `release`. */
export interface TrainerLease {
  readonly trainer: TrainerProcess;
  release(): void;
}

/**
 * One trainer process per concurrent trial (BullMQ's concurrency bounds the loans). By default the
 * first process starts with the pool, so a backend that cannot load stops the worker at start-up
 * and the backend is known before the first trial; a `lazy` pool starts it on its first loan
 * instead. Dead processes are replaced on the next loan.
 */
export class TrainerPool {
  private readonly slots: { trainer: TrainerProcess | null; busy: boolean }[];

  private constructor(
    private readonly options: TrainerOptions,
    size: number,
    first: TrainerProcess | null,
  ) {
    this.slots = Array.from({ length: size }, (_, i) => ({ trainer: i === 0 ? first : null, busy: false }));
  }

  private static checkSize(size: number): void {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be an integer >= 1, got ${size}`);
  }

  static async start(options: TrainerOptions, size: number): Promise<TrainerPool> {
    TrainerPool.checkSize(size);
    return new TrainerPool(options, size, await TrainerProcess.start(options));
  }

  /**
   * A pool with no process until its first loan: a worker that only evaluates function objectives
   * (which run in the worker process) never forks a trainer, so never loads TensorFlow.js, about
   * as much memory again as the worker itself. A backend that cannot load then fails the first
   * CNN trial instead of the start-up.
   */
  static lazy(options: TrainerOptions, size: number): TrainerPool {
    TrainerPool.checkSize(size);
    return new TrainerPool(options, size, null);
  }

  /**
   * The backend every trainer of this pool uses (they all select it the same way). Before a lazy
   * pool's first trainer starts: the forced backend, or `cpu`, where its function objectives ran.
   */
  get backend(): TrainingBackend {
    return this.slots.find((s) => s.trainer !== null)?.trainer?.backend ?? this.options.backend ?? 'cpu';
  }

  get gpu(): string | undefined {
    return this.slots.find((s) => s.trainer !== null)?.trainer?.gpu;
  }

  /** Process ids of the live trainer processes (for logs and tests). */
  get pids(): number[] {
    return this.slots.flatMap((s) => (s.trainer?.alive && s.trainer.pid !== undefined ? [s.trainer.pid] : []));
  }

  async acquire(): Promise<TrainerLease> {
    const slot = this.slots.find((s) => !s.busy && s.trainer?.alive) ?? this.slots.find((s) => !s.busy);
    if (slot === undefined) throw new Error('every trainer process is busy (more trials than the pool size)');
    slot.busy = true;
    try {
      if (slot.trainer === null || !slot.trainer.alive) {
        if (slot.trainer !== null) this.options.log.warn({ trainerPid: slot.trainer.pid }, 'trainer process died; starting a new one');
        slot.trainer = await TrainerProcess.start(this.options);
      }
    } catch (err) {
      slot.busy = false;
      throw err;
    }
    const trainer = slot.trainer;
    return {
      trainer,
      release: () => {
        slot.busy = false;
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.trainer?.close()));
  }
}
