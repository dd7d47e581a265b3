/** Starts the worker in-process against a test namespace, with a shared trainer pool. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { type RunningWorker, startWorker } from '../../src/start.js';
import { TrainerPool } from '../../src/trainer-client.js';
import { type EventLog, startEventLog } from './event-log.js';
import { TEST_REDIS_URL, type TestNamespace, createTestNamespace } from './redis-namespace.js';

export const silentLog = pino({ level: 'silent' });

/**
 * The backend tests train on: wasm (XNNPACK) computes the same results on every machine and is
 * some 20 times faster than the pure-JS cpu backend for convolutions.
 */
export const TEST_BACKEND = 'wasm';

/** One trainer process for a test file: tfjs loads once, as in a long-running worker. */
export function startTestTrainers(): Promise<TrainerPool> {
  return TrainerPool.start({ backend: TEST_BACKEND, log: silentLog }, 1);
}

export interface WorkerFixture {
  readonly ns: TestNamespace;
  readonly events: EventLog;
  readonly worker: RunningWorker;
  readonly tmpDir: string;
  close(): Promise<void>;
}

export async function startTestWorker(trainers: TrainerPool, env: Record<string, string> = {}): Promise<WorkerFixture> {
  const ns = await createTestNamespace();
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'worker-int-'));
  const events = await startEventLog(ns.prefix);
  const config = loadConfig({
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: ns.prefix,
    CHECKPOINT_TMP_DIR: tmpDir,
    HEARTBEAT_INTERVAL_MS: '200',
    STOP_POLL_INTERVAL_MS: '50',
    SHUTDOWN_GRACE_MS: '20000',
    WORKER_ID: 'test-worker-1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const worker = await startWorker({ config, log: silentLog }, { trainers });
  return {
    ns,
    events,
    worker,
    tmpDir,
    async close() {
      await worker.stop();
      await events.close();
      await ns.cleanup();
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}
