import { describe, expect, it } from 'vitest';
import { ConfigError, defaultWorkerId, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('fills defaults and generates a worker id', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'tunefleet',
      concurrency: 1,
      tfBackend: undefined,
      lazyTrainer: false,
      cifar10Dir: undefined,
      heartbeatIntervalMs: 10_000,
    });
    expect(config.workerId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-\d+-[0-9a-f]{6}$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://redis:6380',
      QUEUE_PREFIX: 'staging',
      CONCURRENCY: '2',
      TF_BACKEND: 'wasm',
      LAZY_TRAINER: 'true',
      CIFAR10_DIR: '/data/cifar10',
      CHECKPOINT_TMP_DIR: '/scratch',
      HEARTBEAT_INTERVAL_MS: '500',
      FUNCTION_EPOCH_MS: '20',
      STALLED_INTERVAL_MS: '5000',
      WORKER_ID: 'gpu-box-1',
    });
    expect(config).toMatchObject({
      redisUrl: 'redis://redis:6380',
      queuePrefix: 'staging',
      concurrency: 2,
      tfBackend: 'wasm',
      lazyTrainer: true,
      cifar10Dir: '/data/cifar10',
      checkpointTmpDir: '/scratch',
      heartbeatIntervalMs: 500,
      functionEpochMs: 20,
      stalledIntervalMs: 5_000,
      workerId: 'gpu-box-1',
    });
  });

  it('lists every bad setting by name', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ CONCURRENCY: '0', TF_BACKEND: 'webgl', QUEUE_PREFIX: 'a:b', WORKER_ID: 'has space' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.issues.join('\n');
    expect(text).toMatch(/CONCURRENCY/);
    expect(text).toMatch(/TF_BACKEND/);
  });

  it('checks the namespace, the worker id and the lock against the stop poll', () => {
    expect(() => loadConfig({ QUEUE_PREFIX: 'a:b', WORKER_ID: 'has space' })).toThrow(/QUEUE_PREFIX .*; WORKER_ID must be/);
    expect(() => loadConfig({ LOCK_DURATION_MS: '3000', STOP_POLL_INTERVAL_MS: '2000' })).toThrow(/LOCK_DURATION_MS \(3000\) must be at least twice/);
  });

  it('makes worker ids the contracts accept from any host name', () => {
    expect(defaultWorkerId('GPU box #1.local', 42)).toMatch(/^GPU-box--1\.local-42-[0-9a-f]{6}$/);
    expect(defaultWorkerId('', 7)).toMatch(/^worker-7-/);
  });
});
