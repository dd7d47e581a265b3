/**
 * `pnpm bench:train`: the training benchmarks of @tunefleet/models, in order:
 *
 *   load   bench/load.ts   benchLoad()    reading and decoding CIFAR-10
 *   speed  bench/speed.ts  benchSpeed()   training and inference throughput per backend
 *   learn  bench/learn.ts  benchLearn()   3 epochs on 10,000 images must clearly beat chance
 *
 *   pnpm bench:train [--only load,speed,learn] [--backends wasm,cpu] [--steps N]
 *                    [--epochs N] [--train-size N] [--validation-size N] [--seed N]
 *   pnpm bench:train speed learn --epochs 1      (positional part names work like --only)
 *
 * Parts are imported dynamically, so one that does not exist yet is reported as missing and the
 * others still run. Each part prints its own figures, then one JSON line `{"part", "result"}`.
 * The exit code is 1 if any part failed or the learning check did not beat chance.
 */
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, parseBackendName, type BackendName } from '../src/backend.js';

export const PARTS = ['load', 'speed', 'learn'] as const;
export type Part = (typeof PARTS)[number];

interface RunArgs {
  parts: Part[];
  backends?: BackendName[];
  steps?: number;
  learnArgs: string[];
}

const LEARN_FLAGS = new Set(['--epochs', '--train-size', '--validation-size', '--seed', '--data-dir']);

function parsePart(name: string, field: string): Part {
  if (!(PARTS as readonly string[]).includes(name)) {
    throw new Error(`${field}: unknown part '${name}'; expected ${PARTS.join(', ')}`);
  }
  return name as Part;
}

export function parseRunArgs(argv: string[]): RunArgs {
  const parts: Part[] = [];
  const args: RunArgs = { parts, learnArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--') continue;
    if (!flag.startsWith('--')) {
      parts.push(parsePart(flag, 'part'));
    } else if (flag === '--only') {
      for (const name of (value ?? '').split(',').filter(Boolean)) parts.push(parsePart(name, '--only'));
      i++;
    } else if (flag === '--backends') {
      args.backends = (value ?? '').split(',').map((name) => {
        const parsed = parseBackendName(name, '--backends');
        if (parsed === undefined) throw new Error(`--backends: expected a list of ${BACKEND_NAMES.join(', ')}`);
        return parsed;
      });
      i++;
    } else if (flag === '--steps') {
      const steps = Number(value);
      if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps: must be a positive integer, got '${value ?? ''}'`);
      args.steps = steps;
      i++;
    } else if (LEARN_FLAGS.has(flag)) {
      args.learnArgs.push(flag, value ?? '');
      i++;
    } else {
      throw new Error(`unknown argument '${flag}'; expected --only ${PARTS.join(',')}, --backends, --steps, ${[...LEARN_FLAGS].join(', ')}`);
    }
  }
  if (parts.length === 0) parts.push(...PARTS);
  // Always in the documented order, each once.
  args.parts = PARTS.filter((part) => parts.includes(part));
  return args;
}

const print = (line: string): void => void process.stdout.write(`${line}\n`);

/** Imports a part's module; `undefined` when the file itself does not exist yet. */
async function importPart(file: string): Promise<Record<string, unknown> | undefined> {
  const url = new URL(file, import.meta.url);
  try {
    return (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    const error = err as NodeJS.ErrnoException & { url?: string };
    const missingItself =
      error.code === 'ERR_MODULE_NOT_FOUND' &&
      (error.url === url.href || error.message.includes(fileURLToPath(url)) || error.message.includes(url.href));
    if (missingItself) return undefined;
    throw err;
  }
}

type Runner = (module: Record<string, unknown>, args: RunArgs) => Promise<{ result: unknown; ok: boolean }>;

function exported<T>(module: Record<string, unknown>, name: string, file: string): T {
  const value = module[name];
  if (typeof value !== 'function') throw new Error(`${file} does not export a function ${name}`);
  return value as T;
}

const RUNNERS: Record<Part, { file: string; run: Runner }> = {
  load: {
    file: './load.ts',
    run: async (module) => {
      const benchLoad = exported<(options?: object) => Promise<unknown>>(module, 'benchLoad', 'bench/load.ts');
      return { result: await benchLoad({}), ok: true };
    },
  },
  speed: {
    file: './speed.ts',
    run: async (module, args) => {
      const benchSpeed = exported<(options: object) => Promise<unknown>>(module, 'benchSpeed', 'bench/speed.ts');
      const results = await benchSpeed({ backends: args.backends ?? ['wasm'], steps: args.steps ?? 10 });
      for (const r of results as { backend: string; trainImagesPerSecond: number; inferImagesPerSecond: number; batchSize: number }[]) {
        print(
          `speed: ${r.backend}: train ${r.trainImagesPerSecond.toFixed(1)} images/s, infer ${r.inferImagesPerSecond.toFixed(1)} images/s (batch ${r.batchSize})`,
        );
      }
      return { result: results, ok: true };
    },
  },
  learn: {
    file: './learn.ts',
    run: async (module, args) => {
      const parseLearnArgs = exported<(argv: string[]) => object>(module, 'parseLearnArgs', 'bench/learn.ts');
      const benchLearn = exported<(options: object) => Promise<{ beatsChance: boolean }>>(module, 'benchLearn', 'bench/learn.ts');
      const options = { ...parseLearnArgs(args.learnArgs), ...(args.backends ? { backend: args.backends[0] } : {}) };
      const result = await benchLearn(options);
      return { result, ok: result.beatsChance };
    },
  },
};

export async function runBenchmarks(argv: string[]): Promise<boolean> {
  const args = parseRunArgs(argv);
  let ok = true;
  for (const part of args.parts) {
    const { file, run } = RUNNERS[part];
    try {
      const module = await importPart(file);
      if (module === undefined) {
        print(`${part}: missing (bench/${file.slice(2)} does not exist yet)`);
        print(JSON.stringify({ part, missing: true }));
        continue;
      }
      const { result, ok: passed } = await run(module, args);
      print(JSON.stringify({ part, result }));
      ok &&= passed;
    } catch (err) {
      ok = false;
      print(`${part}: failed: ${err instanceof Error ? err.message : String(err)}`);
      print(JSON.stringify({ part, failed: true }));
    }
  }
  return ok;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runBenchmarks(process.argv.slice(2)).then(
    (ok) => {
      process.exitCode = ok ? 0 : 1;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
