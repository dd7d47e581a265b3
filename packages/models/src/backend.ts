import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { installWasmTraining } from './wasm/install-wasm-training.js';

/** The backends a process can run this package's models on, best first. */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** One backend that `selectBackend` tried, and why it was or was not taken. */
export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why the backend could not be used (import or initialisation error); absent when ok. */
  error?: string;
}

export interface BackendSelection {
  name: BackendName;
  /** The name tfjs knows the backend by (`tf.getBackend()`): 'tensorflow', 'wasm' or 'cpu'. */
  tfBackend: string;
  /** True only when TensorFlow itself reports that it placed work on a GPU. */
  gpu: boolean;
  /** One line saying what was chosen and why the better ones were not. */
  detail: string;
  /** Every backend tried, in order, with its error when it failed. */
  attempts: BackendAttempt[];
  /** Threads the backend computes with (XNNPACK's pool for wasm; 1 where it cannot thread). */
  threads: number;
}

export interface SelectBackendOptions {
  /** Use exactly this backend, failing with `BackendUnavailableError` if it cannot load. */
  force?: BackendName;
  /** Receives one constant message per event, with the details as data. */
  log?: (msg: string, data?: object) => void;
  /** wasm threads where wasm can thread (browsers); default: the machine's parallelism. */
  threads?: number;
  /**
   * Loads a backend package by specifier. Defaults to a dynamic `import()`; replaceable so
   * the fall-through can be exercised without the native packages installed.
   */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** Raised when a forced backend cannot be used; `attempts` carries the underlying error. */
export class BackendUnavailableError extends Error {
  readonly code = 'BACKEND_UNAVAILABLE';
  constructor(
    message: string,
    readonly attempts: BackendAttempt[],
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * Parses a backend name from configuration (the worker reads it from an environment
 * variable such as TF_BACKEND). Empty or missing means "choose automatically".
 */
export function parseBackendName(value: string | undefined, field = 'TF_BACKEND'): BackendName | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const name = value.trim();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new BackendUnavailableError(
    `${field} must be one of ${BACKEND_NAMES.join(', ')}; got '${value}'`,
    [],
  );
}

const PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

interface Loaded {
  tfBackend: string;
  gpu: boolean;
  threads: number;
}

/**
 * Chooses the fastest backend this process can load and makes it tfjs's active backend:
 * tfjs-node-gpu, then tfjs-node, then wasm (XNNPACK), then the pure-JS cpu backend.
 *
 * Each candidate is loaded with a dynamic `import()`, so a package that is not installed,
 * or whose native addon cannot load, falls through to the next one instead of failing the
 * process. Everything resolves against the one `@tensorflow/tfjs` this package depends on:
 * a backend that registers itself on a different tfjs-core copy would leave this engine
 * without it, which is detected and reported rather than silently running on the wrong
 * backend. When wasm wins, the kernels it lacks for training are installed
 * (`installWasmTraining`).
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const log = options.log ?? (() => {});
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  if (options.force !== undefined && !(BACKEND_NAMES as readonly string[]).includes(options.force)) {
    throw new BackendUnavailableError(
      `force must be one of ${BACKEND_NAMES.join(', ')}; got '${String(options.force)}'`,
      [],
    );
  }
  const candidates: readonly BackendName[] = options.force === undefined ? BACKEND_NAMES : [options.force];
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      const loaded = await loadBackend(name, importModule, options.threads);
      attempts.push({ name, ok: true });
      const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.error}`);
      const how = options.force === undefined ? 'selected' : 'forced';
      const detail =
        `${how} ${name} (tfjs backend '${loaded.tfBackend}', ${loaded.gpu ? 'GPU' : 'CPU'}, ${loaded.threads} thread${loaded.threads === 1 ? '' : 's'})` +
        (skipped.length > 0 ? `; unavailable: ${skipped.join('; ')}` : '');
      const selection: BackendSelection = { name, ...loaded, detail, attempts };
      log('backend selected', { name, tfBackend: loaded.tfBackend, gpu: loaded.gpu, threads: loaded.threads, attempts });
      return selection;
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0].trim() : String(error);
      attempts.push({ name, ok: false, error: message });
      log('backend unavailable', { name, error: message });
    }
  }
  const summary = attempts.map((a) => `${a.name}: ${a.error}`).join('; ');
  throw new BackendUnavailableError(
    options.force === undefined
      ? `no tfjs backend could be loaded (${summary})`
      : `backend '${options.force}' was requested but is unavailable: ${attempts[0]?.error ?? 'unknown error'}`,
    attempts,
  );
}

async function loadBackend(
  name: BackendName,
  importModule: (specifier: string) => Promise<unknown>,
  threads: number | undefined,
): Promise<Loaded> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      await importQuietly(importModule, PACKAGES[name]);
      await activate('tensorflow', PACKAGES[name]);
      // tfjs-node(-gpu)'s kernel backend exposes whether TensorFlow placed ops on a GPU.
      const gpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
      return { tfBackend: 'tensorflow', gpu, threads: availableParallelism() };
    }
    case 'wasm': {
      const wasm = (await importModule(PACKAGES.wasm)) as typeof import('@tensorflow/tfjs-backend-wasm');
      // Node has no wasm threads in tfjs 4.x (its pthread pool needs blob: workers, which
      // Node refuses, tensorflow/tfjs#3830); there the backend computes on one thread and
      // a second core is used by a second process.
      const canThread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      if (canThread === true) {
        // Takes effect only before the backend's first initialisation, which is after this.
        wasm.setThreadsCount(Math.max(1, threads ?? availableParallelism()));
      }
      installWasmTraining();
      await activate('wasm', PACKAGES.wasm);
      return { tfBackend: 'wasm', gpu: false, threads: canThread === true ? wasm.getThreadsCount() : 1 };
    }
    case 'cpu':
      await activate('cpu', PACKAGES.cpu);
      return { tfBackend: 'cpu', gpu: false, threads: 1 };
  }
}

/**
 * Imports a native backend package. A failed import of tfjs-node can still have registered
 * its kernels before the addon failed to load; a second attempt (tfjs-node after
 * tfjs-node-gpu) then warns once per kernel about duplicates. Those warnings say nothing
 * useful, so tfjs logging is muted for the duration of the import.
 */
async function importQuietly(importModule: (specifier: string) => Promise<unknown>, specifier: string): Promise<void> {
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    await importModule(specifier);
  } finally {
    env.set('PROD', prod);
  }
}

async function activate(tfBackend: string, specifier: string): Promise<void> {
  if (tf.findBackendFactory(tfBackend) === null) {
    throw new Error(
      `${specifier} loaded but did not register backend '${tfBackend}' with this process's tfjs-core (is a second copy of @tensorflow/tfjs-core installed?)`,
    );
  }
  const ok = await tf.setBackend(tfBackend);
  if (!ok || tf.getBackend() !== tfBackend) {
    throw new Error(`backend '${tfBackend}' failed to initialise`);
  }
}
