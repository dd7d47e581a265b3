/**
 * Test fixtures for every package and app that touches Postgres or Redis (`@tunefleet/db/testing`).
 *
 * Postgres: the migrations are applied once to a template database whose name carries a hash of
 * the migration files (`tunefleet_template_<hash>`), so a changed migration gets a fresh template
 * and a stale one is never cloned. Each test file then gets its own `CREATE DATABASE … TEMPLATE`
 * clone (milliseconds; trigger.dev's pattern), dropped when the file ends.
 *
 * Redis: each test gets a unique namespace. Pass it as BullMQ's `prefix` and as the namespace of
 * the key builders in @tunefleet/contracts (the contracts' BullMQ prefix rule makes them the same
 * string); every key under it is deleted after the test. Close your own Queue/Worker objects
 * before the fixture cleans up, or they will write keys back.
 *
 * Server URLs default to the local services; TUNEFLEET_TEST_POSTGRES_URL (any database on the
 * server, e.g. postgresql://postgres@127.0.0.1:5432/postgres) and TUNEFLEET_TEST_REDIS_URL
 * override them.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { test } from 'vitest';
import { type Db, createDb } from './client.js';
import { listMigrations, migrate, migrationChecksum, quoteIdent } from './migrate.js';
import type { Study } from './study-store.js';
import { type Stores, createStores } from './stores.js';

export const DEFAULT_TEST_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

function postgresServerUrl(): string {
  return process.env.TUNEFLEET_TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
}

function redisServerUrl(): string {
  return process.env.TUNEFLEET_TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Serialises template creation across test processes (any constant works; this is "tunefleet"). */
const TEMPLATE_LOCK_KEY = 0x74756e65;
/** Postgres refuses to clone a template while a session is connected to it (SQLSTATE 55006). */
const OBJECT_IN_USE = '55006';

const templates = new Map<string, Promise<string>>();

/**
 * Returns the name of the migrated template database, creating it (once per server and set of
 * migration files) if needed. Templates of older migration sets are dropped.
 */
export function ensureTemplateDatabase(serverUrl = postgresServerUrl()): Promise<string> {
  let pending = templates.get(serverUrl);
  if (!pending) {
    pending = createTemplate(serverUrl);
    pending.catch(() => templates.delete(serverUrl));
    templates.set(serverUrl, pending);
  }
  return pending;
}

async function createTemplate(serverUrl: string): Promise<string> {
  const files = await listMigrations();
  const hash = migrationChecksum(files.map((f) => `${f.name}:${f.checksum}`).join('\n')).slice(0, 12);
  const name = `tunefleet_template_${hash}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    const found = await admin.query<{ datname: string; datistemplate: boolean }>(
      `SELECT datname, datistemplate FROM pg_database WHERE datname LIKE 'tunefleet\\_template\\_%'`,
    );
    if (found.rows.some((r) => r.datname === name && r.datistemplate)) return name;
    for (const row of found.rows) {
      // Older (or half-built) templates: nothing clones them any more.
      await admin.query(`ALTER DATABASE ${quoteIdent(row.datname)} WITH is_template false`);
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(row.datname)} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    await migrate({ databaseUrl: databaseUrl(serverUrl, name) });
    await admin.query(`ALTER DATABASE ${quoteIdent(name)} WITH is_template true`);
    return name;
  } finally {
    await admin.end();
  }
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly db: Db;
  readonly stores: Stores;
  /** Closes `db` and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own, cloned from the template. */
export async function createTestDatabase(serverUrl = postgresServerUrl()): Promise<TestDatabase> {
  const template = await ensureTemplateDatabase(serverUrl);
  const name = `tunefleet_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    // Another process may be connected to the template for an instant (e.g. a migration check):
    // wait for it rather than fail the test file.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== OBJECT_IN_USE || attempt >= 50) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = databaseUrl(serverUrl, name);
  const db = createDb(url, { maxConnections: 20 });
  return {
    name,
    url,
    db,
    stores: createStores(db),
    async drop() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export interface RedisNamespace {
  /** Unique per test; use as BullMQ `prefix` and as the contracts' key namespace. */
  readonly prefix: string;
  /** A connection for the test's own commands; closed by `cleanup`. */
  readonly redis: Redis;
  /** Deletes every key under `prefix` and closes `redis`. */
  cleanup(): Promise<void>;
}

export async function createRedisNamespace(serverUrl = redisServerUrl()): Promise<RedisNamespace> {
  const prefix = `tftest-${randomBytes(6).toString('hex')}`;
  const redis = new Redis(serverUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  // A test may stop the server (the chaos suite does); the client reconnects, and its commands
  // fail on their own, so connection errors need no listener beyond this one.
  redis.on('error', () => undefined);
  await redis.connect();
  return {
    prefix,
    redis,
    async cleanup() {
      try {
        await deleteKeys(redis, `${prefix}:*`);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Deletes keys matching `pattern` with SCAN (never KEYS, which blocks the server). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** A RUNNING study with defaults that tests can override. */
export function createTestStudy(stores: Stores, overrides: Partial<Parameters<Stores['studies']['create']>[0]> = {}): Promise<Study> {
  return stores.studies.create({
    name: 'test study',
    spec: { searchSpace: { x: { type: 'float', low: -5, high: 10 } } },
    objective: { kind: 'function', name: 'branin' },
    metric: 'value',
    direction: 'minimize',
    seed: 42,
    maxTrials: 20,
    parallelism: 2,
    ...overrides,
  });
}

export interface DbFixtures {
  /** The test file's own database (file-scoped: shared by the file's tests, dropped after them). */
  testDb: TestDatabase;
  db: Db;
  stores: Stores;
  /** A new RUNNING study for each test, so tests in a file do not see each other's trials. */
  study: Study;
}

/**
 * `dbTest('…', async ({ stores, study }) => …)`. Compose with other fixtures through
 * `dbTest.extend(…)`.
 */
export const dbTest = test.extend<DbFixtures>({
  testDb: [
    async ({}, use) => {
      const testDb = await createTestDatabase();
      try {
        await use(testDb);
      } finally {
        await testDb.drop();
      }
    },
    { scope: 'file' },
  ],
  db: [async ({ testDb }, use) => use(testDb.db), { scope: 'file' }],
  stores: [async ({ testDb }, use) => use(testDb.stores), { scope: 'file' }],
  study: async ({ stores }, use) => use(await createTestStudy(stores)),
});

export interface RedisFixtures {
  /** A unique prefix and a connection for this test; its keys are deleted afterwards. */
  redisNamespace: RedisNamespace;
}

export const redisTest = test.extend<RedisFixtures>({
  redisNamespace: async ({}, use) => {
    const ns = await createRedisNamespace();
    try {
      await use(ns);
    } finally {
      await ns.cleanup();
    }
  },
});

/** Postgres and Redis together, for scheduler and api integration tests. */
export const serviceTest = dbTest.extend<RedisFixtures>({
  redisNamespace: async ({}, use) => {
    const ns = await createRedisNamespace();
    try {
      await use(ns);
    } finally {
      await ns.cleanup();
    }
  },
});
