import { describe, expect, it } from 'vitest';
import { assertNamespace, bullmqPrefix, parseRedisUrl, trialStopKey } from '../src/index.js';

describe('parseRedisUrl', () => {
  it('passes a standalone URL through unchanged', () => {
    expect(parseRedisUrl('redis://:secret@redis.example:6380/2')).toEqual({ kind: 'standalone', url: 'redis://:secret@redis.example:6380/2' });
    expect(parseRedisUrl('rediss://redis.example:6380')).toEqual({ kind: 'standalone', url: 'rediss://redis.example:6380' });
  });

  it('reads the nodes and credentials of a cluster URL', () => {
    expect(parseRedisUrl('redis-cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      nodeOptions: {},
    });
    expect(parseRedisUrl('rediss-cluster://app:p%40ss@redis-0.redis:6379/')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'redis-0.redis', port: 6379 }],
      nodeOptions: { username: 'app', password: 'p@ss', tls: {} },
    });
    expect(parseRedisUrl('redis-cluster://:only-password@a:1')).toMatchObject({ nodeOptions: { password: 'only-password' } });
  });

  it('rejects a malformed cluster URL, naming the setting', () => {
    for (const bad of ['redis-cluster://', 'redis-cluster://host', 'redis-cluster://a:1,b', 'redis-cluster://a:99999', 'redis-cluster://a:1/0', 'http-cluster://a:1']) {
      expect(() => parseRedisUrl(bad), bad).toThrow(/^REDIS_URL/);
    }
  });
});

describe('hash-tag namespaces', () => {
  it('are accepted, so that a Redis Cluster keeps every key of a deployment in one slot', () => {
    expect(() => assertNamespace('{tunefleet}')).not.toThrow();
    expect(bullmqPrefix('{tunefleet}')).toBe('{tunefleet}');
    expect(trialStopKey('t1', '{tunefleet}')).toBe('{tunefleet}:trial:t1:stop');
  });

  it('hold exactly one plain name', () => {
    for (const bad of ['{}', '{a', 'a}', '{a}{b}', '{a:b}', 'x{a}', '{A}']) expect(() => assertNamespace(bad), bad).toThrow(/^namespace/);
  });
});
