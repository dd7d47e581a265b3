import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('fills every default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/tunefleet',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'tunefleet',
      pollIntervalMs: 1_000,
      reconcileIntervalMs: 30_000,
      heartbeatTimeoutMs: 60_000,
      maxTrialAttempts: 3,
      jobAttempts: 3,
      deterministicDispatch: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('converts types and names', () => {
    const config = loadConfig({ POLL_INTERVAL_MS: '250', DETERMINISTIC_DISPATCH: 'false', QUEUE_PREFIX: 'tftest-1' });
    expect(config.pollIntervalMs).toBe(250);
    expect(config.deterministicDispatch).toBe(false);
    expect(config.queuePrefix).toBe('tftest-1');
  });

  it('lists every bad variable by name', () => {
    let error: unknown;
    try {
      loadConfig({ POLL_INTERVAL_MS: 'soon', MAX_TRIAL_ATTEMPTS: '0', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/POLL_INTERVAL_MS/);
    expect(message).toMatch(/MAX_TRIAL_ATTEMPTS/);
    expect(message).toMatch(/LOG_LEVEL/);
  });

  it('refuses a queue prefix that would break the key layout', () => {
    expect(() => loadConfig({ QUEUE_PREFIX: 'tune:fleet' })).toThrow(/QUEUE_PREFIX/);
  });
});
