import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, MigrationError, listMigrations, migrate } from '../src/migrate.js';
import { DEFAULT_TEST_POSTGRES_URL } from '../src/testing.js';

const server = process.env.TUNEFLEET_TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;

function urlOf(name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('migrate', () => {
  let name: string;
  let url: string;
  let dir: string;

  beforeEach(async () => {
    name = `tunefleet_migrate_${randomBytes(5).toString('hex')}`;
    url = urlOf(name);
    dir = await mkdtemp(path.join(tmpdir(), 'tunefleet-migrations-'));
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  });

  afterEach(async () => {
    await query(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the database, applies every migration in order and records them as Prisma does', async () => {
    const files = await listMigrations(dir);
    const applied: string[] = [];
    const result = await migrate({ databaseUrl: url, migrationsDir: dir, onApplied: (n) => applied.push(n) });
    expect(result).toEqual({ createdDatabase: true, applied: files.map((f) => f.name), alreadyApplied: [] });
    expect(applied).toEqual(files.map((f) => f.name));
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; rolled_back_at: Date | null; id: string }>(
      url,
      'SELECT * FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count, r.rolled_back_at])).toEqual(
      files.map((f) => [f.name, f.checksum, 1, null]),
    );
    expect(rows.every((r) => r.finished_at instanceof Date && /^[0-9a-f-]{36}$/.test(r.id))).toBe(true);
  });

  it('applies nothing the second time', async () => {
    await migrate({ databaseUrl: url, migrationsDir: dir });
    const again = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(again.applied).toEqual([]);
    expect(again.createdDatabase).toBe(false);
    expect(again.alreadyApplied).toHaveLength((await listMigrations(dir)).length);
  });

  it('applies only a newly added migration', async () => {
    await migrate({ databaseUrl: url, migrationsDir: dir });
    await writeNew(dir, '29991231000000_add_note', 'ALTER TABLE "study" ADD COLUMN "note" TEXT;\n');
    const result = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(result.applied).toEqual(['29991231000000_add_note']);
    expect(await query(url, `SELECT column_name FROM information_schema.columns WHERE table_name = 'study' AND column_name = 'note'`)).toHaveLength(1);
  });

  it('refuses to run when an applied migration file was modified', async () => {
    await migrate({ databaseUrl: url, migrationsDir: dir });
    const [first] = await listMigrations(dir);
    const file = path.join(dir, first!.name, 'migration.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited\n`);
    await writeNew(dir, '29991231000000_add_note', 'ALTER TABLE "study" ADD COLUMN "note" TEXT;\n');
    const err = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err).toMatchObject({ migration: first!.name, message: expect.stringMatching(/was modified after it was applied/) });
    expect(await query(url, `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29991231000000_add_note'`)).toEqual([]);
  });

  it('refuses to run when an applied migration is missing from the directory', async () => {
    await writeNew(dir, '29991231000000_add_note', 'ALTER TABLE "study" ADD COLUMN "note" TEXT;\n');
    await migrate({ databaseUrl: url, migrationsDir: dir });
    await rm(path.join(dir, '29991231000000_add_note'), { recursive: true });
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(/missing from the migrations directory/);
  });

  it('rolls back a failing migration entirely and records nothing for it', async () => {
    await writeNew(dir, '29991231000000_broken', 'CREATE TABLE "half" (id INT);\nSELECT * FROM "no_such_table";\n');
    const err = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MIGRATION_FAILED', migration: '29991231000000_broken' });
    expect(await query(url, `SELECT 1 FROM pg_tables WHERE tablename = 'half'`)).toEqual([]);
    expect(await query(url, `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29991231000000_broken'`)).toEqual([]);
    // The earlier migrations stay applied.
    expect(await query(url, `SELECT 1 FROM pg_tables WHERE tablename = 'trial'`)).toHaveLength(1);
  });

  it('runs a CREATE INDEX CONCURRENTLY migration outside a transaction', async () => {
    await writeNew(dir, '29991231000000_trial_worker_index', '-- CreateIndex\nCREATE INDEX CONCURRENTLY "trial_worker_id_idx" ON "trial"("worker_id");\n');
    const result = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(result.applied).toContain('29991231000000_trial_worker_index');
    expect(await query(url, `SELECT 1 FROM pg_indexes WHERE indexname = 'trial_worker_id_idx'`)).toHaveLength(1);
  });

  it('leaves a failed non-transactional migration unfinished and refuses to continue past it', async () => {
    await writeNew(dir, '29991231000000_bad_index', 'CREATE INDEX CONCURRENTLY "x_idx" ON "no_such_table"("id");\n');
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toMatchObject({ migration: '29991231000000_bad_index' });
    const [row] = await query<{ finished_at: Date | null; logs: string | null }>(
      url,
      `SELECT finished_at, logs FROM "_prisma_migrations" WHERE migration_name = '29991231000000_bad_index'`,
    );
    expect(row).toMatchObject({ finished_at: null, logs: expect.stringMatching(/no_such_table/) });
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(/started but did not finish/);
  });

  it('lets concurrent runners apply each migration exactly once', async () => {
    const settled = await Promise.allSettled([1, 2, 3].map(() => migrate({ databaseUrl: url, migrationsDir: dir })));
    const results = settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    });
    expect(results.filter((r) => r.createdDatabase)).toHaveLength(1);
    const total = (await listMigrations(dir)).length;
    expect(results.reduce((n, r) => n + r.applied.length, 0)).toBe(total);
    expect(await query(url, 'SELECT 1 FROM "_prisma_migrations"')).toHaveLength(total);
  });
});

async function writeNew(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}
