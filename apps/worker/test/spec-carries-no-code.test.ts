/**
 * A study's search space reaches the worker as a trial.run message, and the worker turns it into
 * training only: the contract parser admits numbers, strings and booleans under a closed set of
 * fields and function names; the model builder admits only the hyperparameters it knows, with
 * the values it accepts; function objectives take finite numbers; and no source file the worker
 * runs evaluates or loads anything named by data.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContractError, type TrialRunJob, parseTrialRunJob } from '@tunefleet/contracts';
import { ArchitectureError, resolveHyperparameters } from '@tunefleet/models/config';
import { type Job, UnrecoverableError } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { FunctionParamsError, evaluateFunctionObjective } from '../src/function-objective.js';
import { createTrialProcessor } from '../src/process-trial.js';

const CODE = [
  "require('child_process').execSync('id')",
  'process.exit(1)',
  'constructor',
  '__proto__',
  'toString',
  '${7*7}',
  'import("fs")',
  'globalThis.eval',
];

function job(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    trialId: 'trial-1',
    studyId: 'study-1',
    trialNumber: 0,
    params: { x1: 1, x2: 2 },
    objective: { kind: 'function', name: 'branin' },
    maxEpochs: 2,
    startEpoch: 0,
    seed: 1,
    attempt: 1,
    ...overrides,
  };
}

/** What a ContractError says, one `<JSON pointer> <message>` per issue. */
function rejected(value: unknown): string[] {
  try {
    parseTrialRunJob(value);
  } catch (err) {
    if (err instanceof ContractError) return err.issues.map((i) => `${i.path} ${i.message}`);
    throw err;
  }
  return [];
}

const rejectedPaths = (value: unknown): string[] => rejected(value).map((issue) => issue.split(' ')[0]);

describe('the trial.run parser', () => {
  it('accepts a plain message', () => {
    expect(parseTrialRunJob(job())).toMatchObject({ trialId: 'trial-1' });
  });

  it('refuses a function objective outside the closed list, naming it', () => {
    for (const name of [...CODE, 'ackley', '']) {
      expect(rejectedPaths(job({ objective: { kind: 'function', name } })), name).toContain('/objective/name');
    }
    expect(rejectedPaths(job({ objective: { kind: 'script', source: 'x' } }))).toEqual(['/objective/kind']);
  });

  it('refuses fields the contract does not declare, at the top, in the objective and in the dataset', () => {
    expect(rejected(job({ code: CODE[0] }))).toContain(' has unknown properties code');
    expect(rejected(job({ objective: { kind: 'function', name: 'branin', eval: CODE[0] } }))).toContain('/objective has unknown properties eval');
    const dataset = { name: 'cifar10', trainSize: 10, validationSize: 10, testSize: 0, url: 'file:///etc/passwd' };
    expect(rejected(job({ objective: { kind: 'cnn', dataset } }))).toContain('/objective/dataset has unknown properties url');
    expect(rejected(JSON.parse(JSON.stringify(job()).replace('{', '{"__proto__":{"polluted":true},')))).toContain(' has unknown properties __proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses params that are not numbers, strings or booleans', () => {
    for (const value of [{ toString: CODE[0] }, [CODE[0]], null]) {
      expect(rejectedPaths(job({ params: { x1: value, x2: 2 } })).some((p) => p.startsWith('/params')), JSON.stringify(value)).toBe(true);
    }
  });

  it('refuses ids that could leave the scratch folder or split a Redis key', () => {
    for (const id of ['../../etc', '..', '.', '/etc/passwd', 'a/b', 'a\\b', 'a:b', '%2e%2e', 'a\u0000b', '', ' x']) {
      expect(rejectedPaths(job({ trialId: id })), JSON.stringify(id)).toContain('/trialId');
      expect(rejectedPaths(job({ studyId: id })), JSON.stringify(id)).toContain('/studyId');
    }
  });
});

describe('what params can become', () => {
  it('builds a model only from hyperparameters it knows, with values it accepts', () => {
    for (const code of CODE) {
      const unknownName = () => resolveHyperparameters(JSON.parse(`{${JSON.stringify(code)}: 1}`));
      expect(unknownName, code).toThrow(ArchitectureError);
      expect(() => resolveHyperparameters({ activation: code }), code).toThrow(/activation/);
      expect(() => resolveHyperparameters({ learning_rate: code }), code).toThrow(/learning_rate/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('evaluates function objectives on finite numbers only', () => {
    for (const code of CODE) {
      expect(() => evaluateFunctionObjective('branin', { x1: code, x2: 1 }), code).toThrow(FunctionParamsError);
    }
    expect(() => evaluateFunctionObjective('branin', JSON.parse('{"__proto__":1,"x1":1,"x2":2}'))).toThrow(FunctionParamsError);
  });
});

describe('the trial processor', () => {
  it('fails a crafted job before it sends anything or touches the filesystem', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'worker-no-code-'));
    const scratch = path.join(root, 'scratch');
    try {
      const send = vi.fn();
      const processTrial = createTrialProcessor({
        config: { queuePrefix: 'unused', checkpointTmpDir: scratch, checkpointTtlS: 60, stopPollIntervalMs: 50, functionEpochMs: 0 },
        workerId: 'w',
        redis: {} as never,
        send,
        trainers: {} as never,
        shutdown: new AbortController().signal,
        running: new Set(),
        log: pino({ level: 'silent' }),
      });
      const crafted: Record<string, unknown>[] = [
        job({ trialId: '../escaped' }),
        job({ objective: { kind: 'function', name: "require('child_process')" } }),
        job({ params: { x1: { valueOf: CODE[0] }, x2: 1 } }),
        job({ hook: 'process.exit(1)' }),
      ];
      for (const data of crafted) {
        await expect(processTrial({ id: 'j', name: 'trial.run', data, attemptsMade: 0 } as unknown as Job), JSON.stringify(data)).rejects.toBeInstanceOf(
          UnrecoverableError,
        );
      }
      expect(send).not.toHaveBeenCalled();
      expect(await readdir(root)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('the source the worker runs', () => {
  it('never evaluates code or loads modules by a computed name', async () => {
    const roots = ['apps/worker/src', 'packages/models/src', 'packages/contracts/src'].map((dir) => path.resolve(import.meta.dirname, '../../..', dir));
    const files: string[] = [];
    for (const root of roots) {
      for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && entry.name.endsWith('.ts')) files.push(path.join(entry.parentPath, entry.name));
      }
    }
    expect(files.length).toBeGreaterThan(20);
    const forbidden: [RegExp, string][] = [
      [/\beval\s*\(/, 'eval'],
      [/\bnew\s+Function\s*\(/, 'new Function'],
      [/(?<![.\w])Function\s*\(/, 'Function()'],
      [/\bimport\s*\(\s*(?!['"])/, 'import() of a computed name'],
      [/\brequire\s*\(\s*(?!['"])/, 'require() of a computed name'],
      [/from\s+['"]node:vm['"]|\brequire\(['"]vm['"]\)/, 'node:vm'],
    ];
    // Loads a TensorFlow.js backend package by name, from a fixed table keyed by the TF_BACKEND
    // setting (a closed list): process configuration, never message data.
    const allowed = new Map([['packages/models/src/backend.ts', /const PACKAGES: Record<BackendName, string> = \{/]]);
    const found: string[] = [];
    for (const file of files) {
      const relative = path.relative(path.resolve(import.meta.dirname, '../../..'), file);
      const allowedIf = allowed.get(relative);
      if (allowedIf !== undefined && allowedIf.test(await readFile(file, 'utf8'))) continue;
      // Comments may say what the code must never do.
      const code = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
      for (const [pattern, what] of forbidden) if (pattern.test(code)) found.push(`${relative}: ${what}`);
    }
    expect(found).toEqual([]);
  });
});
