import pg from 'pg';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { listMigrations } from '../src/migrate.js';
import {
  DEFAULT_TEST_POSTGRES_URL,
  DEFAULT_TEST_REDIS_URL,
  createRedisNamespace,
  createTestDatabase,
  dbTest,
  ensureTemplateDatabase,
  redisTest,
} from '../src/testing.js';

const server = process.env.TUNEFLEET_TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('clones a fully migrated database and drops it', async () => {
    const testDb = await createTestDatabase();
    expect(testDb.name).toMatch(/^tunefleet_test_[0-9a-f]{12}$/);
    const applied = await testDb.db.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`;
    expect(applied.map((r) => r.migration_name)).toEqual((await listMigrations()).map((m) => m.name));
    expect(await testDb.db.study.count()).toBe(0);
    await testDb.drop();
    expect(await databaseExists(testDb.name)).toBe(false);
  });

  it('names the template after the migrations, so a changed migration never reuses a stale one', async () => {
    const name = await ensureTemplateDatabase();
    expect(name).toMatch(/^tunefleet_template_[0-9a-f]{12}$/);
    expect(await ensureTemplateDatabase()).toBe(name);
    expect(await databaseExists(name)).toBe(true);
  });
});

describe('dbTest', () => {
  let first: string | undefined;

  dbTest('gives each test its own study in the file database', async ({ testDb, study, stores }) => {
    first = study.id;
    expect((await stores.studies.get(study.id)).status).toBe('RUNNING');
    expect(testDb.name).toMatch(/^tunefleet_test_/);
  });

  dbTest('shares the database within the file but not the study', async ({ study, stores }) => {
    expect(study.id).not.toBe(first);
    expect((await stores.studies.get(first as string)).id).toBe(first);
  });
});

describe('createRedisNamespace', () => {
  it('deletes every key under its prefix, and only those, then disconnects', async () => {
    const ns = await createRedisNamespace();
    const outsider = new Redis(process.env.TUNEFLEET_TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL);
    const outside = `${ns.prefix}x:not-mine`;
    try {
      await ns.redis.set(`${ns.prefix}:trials:1`, 'a');
      await ns.redis.set(`${ns.prefix}:trial:abc:stop`, '1');
      for (let i = 0; i < 1200; i++) await ns.redis.sadd(`${ns.prefix}:bulk:${i % 600}`, String(i));
      await outsider.set(outside, 'keep');
      await ns.cleanup();
      expect(await outsider.keys(`${ns.prefix}:*`)).toEqual([]);
      expect(await outsider.get(outside)).toBe('keep');
      expect(ns.redis.status).not.toBe('ready');
    } finally {
      await outsider.del(outside);
      outsider.disconnect();
    }
  });

  it('gives every namespace a different prefix', async () => {
    const [a, b] = await Promise.all([createRedisNamespace(), createRedisNamespace()]);
    expect(a.prefix).not.toBe(b.prefix);
    expect(a.prefix).not.toContain(':');
    await Promise.all([a.cleanup(), b.cleanup()]);
  });
});

describe('redisTest', () => {
  redisTest('provides a connected namespace', async ({ redisNamespace }) => {
    await redisNamespace.redis.set(`${redisNamespace.prefix}:k`, 'v');
    expect(await redisNamespace.redis.get(`${redisNamespace.prefix}:k`)).toBe('v');
  });
});
