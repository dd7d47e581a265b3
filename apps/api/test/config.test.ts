import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const KEY = 'k'.repeat(16);

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ API_KEY: KEY });
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/tunefleet',
      redisUrl: 'redis://127.0.0.1:6379',
      apiKey: KEY,
      allowNoAuth: false,
      readRequiresKey: false,
      bodyLimitBytes: 262_144,
      corsOrigins: [],
      rateLimitMax: 600,
      rateLimitWindowMs: 60_000,
      workerHeartbeatTimeoutMs: 30_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses to run without an API key unless ALLOW_NO_AUTH=true, and says so', () => {
    expect(() => loadConfig({})).toThrow(/API_KEY is not set.*ALLOW_NO_AUTH=true/);
    expect(loadConfig({ ALLOW_NO_AUTH: 'true' }).apiKey).toBeNull();
  });

  it('refuses READ_REQUIRES_KEY without a key', () => {
    expect(() => loadConfig({ ALLOW_NO_AUTH: 'true', READ_REQUIRES_KEY: 'true' })).toThrow(ConfigError);
  });

  it('lists every invalid variable at once, by name', () => {
    try {
      loadConfig({ API_KEY: 'short', PORT: 'eighty', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      for (const name of ['API_KEY', 'PORT', 'LOG_LEVEL']) expect(message).toContain(name);
    }
  });

  it('parses CORS origins as a comma-separated list', () => {
    expect(loadConfig({ API_KEY: KEY, CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });
});
