/**
 * The worker as a real process (`src/main.ts`, as `pnpm --filter @tunefleet/worker start` runs
 * it): SIGTERM in the middle of a CNN trial hands the trial back with `finished {outcome: 'paused'}`
 * at its last checkpointed epoch, and the process and its trainer process exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trialCheckpointKey, workerHeartbeatKey } from '@tunefleet/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventLog, isEpoch, isFinished, startEventLog } from './helpers/event-log.js';
import { TEST_REDIS_URL, type TestNamespace, createTestNamespace } from './helpers/redis-namespace.js';
import { TEST_BACKEND } from './helpers/worker-fixture.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let ns: TestNamespace | undefined;
let events: EventLog | undefined;
let worker: ChildProcess | undefined;
let tmpDir: string | undefined;

afterEach(async () => {
  if (worker?.exitCode === null) worker.kill('SIGKILL');
  await events?.close();
  await ns?.cleanup();
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
});

interface LogLine {
  msg: string;
  trainerPid?: number;
  [key: string]: unknown;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('SIGTERM', () => {
  it('hands the running trial back at its last checkpoint and exits cleanly', async () => {
    ns = await createTestNamespace();
    events = await startEventLog(ns.prefix);
    tmpDir = await mkdtemp(path.join(tmpdir(), 'worker-sigterm-'));
    worker = spawn(process.execPath, ['--import', TSX, '--conditions=source', MAIN], {
      env: {
        ...process.env,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: ns.prefix,
        TF_BACKEND: TEST_BACKEND,
        CHECKPOINT_TMP_DIR: tmpDir,
        WORKER_ID: 'sigterm-worker',
        HEARTBEAT_INTERVAL_MS: '500',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: LogLine[] = [];
    const listeners = new Set<(line: LogLine) => void>();
    const logged = (msg: string) =>
      new Promise<LogLine>((resolve) => {
        const found = lines.find((l) => l.msg === msg);
        if (found) return resolve(found);
        const onLine = (line: LogLine) => {
          if (line.msg === msg) resolve(line);
        };
        listeners.add(onLine);
      });
    createInterface({ input: worker.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const listener of listeners) listener(line);
    });
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));

    const ready = await logged('trainer process ready');
    await logged('worker started');
    await events.enqueue({
      v: 1,
      trialId: 'sigterm-trial',
      studyId: 'study-1',
      trialNumber: 3,
      params: { cnn_layers: 2, starting_channels: 4, final_channels: 8, fcn_layers: 1, downsample: 4, pooling: 'max', batch_size: 32 },
      objective: { kind: 'cnn', dataset: { name: 'cifar10', trainSize: 1024, validationSize: 128, testSize: 0 } },
      maxEpochs: 20,
      startEpoch: 0,
      seed: 5,
      attempt: 1,
    });
    await events.waitFor(isEpoch('sigterm-trial', 1), 120_000);
    worker.kill('SIGTERM');

    const finished = await events.waitFor(isFinished('sigterm-trial'), 60_000);
    expect(finished.outcome).toBe('paused');
    expect(finished.failure).toBeUndefined();
    expect(finished.epoch).toBeGreaterThanOrEqual(1);
    expect(finished.epoch).toBeLessThan(20);
    // The epoch it stopped at is checkpointed: the scheduler resumes the trial from there.
    expect(await ns.redis.exists(trialCheckpointKey('sigterm-trial', finished.epoch, ns.prefix))).toBe(1);

    expect(await exited).toBe(0);
    expect(lines.map((l) => l.msg)).toContain('worker stopped');
    expect(isAlive(ready.trainerPid!)).toBe(false);
    expect(await ns.redis.exists(workerHeartbeatKey('sigterm-worker', ns.prefix))).toBe(0);
    // The job completed (the hand-back is an answer, not a failure), so BullMQ does not retry it.
    expect(await (await events.trialJob('sigterm-trial', 1))?.getState()).toBe('completed');
  });
});
