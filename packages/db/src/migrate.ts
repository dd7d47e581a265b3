/**
 * Applies prisma/migrations/<name>/migration.sql files in name order and records them in Prisma's
 * own `_prisma_migrations` table (same columns, sha256 checksum of the file), so this runner and
 * `prisma migrate deploy` agree on what is applied. Tests and development use it because the Prisma
 * CLI needs a downloaded schema-engine binary; production containers use `prisma migrate deploy`.
 *
 * Rules, as in Prisma's migrate deploy:
 * - a migration runs inside one transaction with its bookkeeping row, so a failure leaves nothing;
 *   a file that uses CREATE INDEX CONCURRENTLY cannot run in a transaction, so it is recorded
 *   first (finished_at NULL), run alone, then marked finished; if it fails the row stays
 *   unfinished with its error in `logs` and later runs refuse until someone resolves it;
 * - an applied migration whose file changed, an applied migration with no file, or an unfinished
 *   row stop the run with an error naming the migration;
 * - a session-level advisory lock (Prisma's key) keeps two runners off the same database.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** `prisma/migrations` of this checkout; the same depth from `src/` and `dist/`. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));

/** The advisory lock key of Prisma's schema engine, so the two tools also exclude each other. */
const MIGRATE_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  /** Directory name, e.g. `20261129183000_base_schema`; migrations apply in this order. */
  readonly name: string;
  readonly sql: string;
  /** Lower-case hex sha256 of the file's bytes, as Prisma stores it. */
  readonly checksum: string;
}

export interface MigrateOptions {
  readonly databaseUrl: string;
  readonly migrationsDir?: string;
  /** Called once per applied migration; the CLI prints it, tests stay quiet. */
  readonly onApplied?: (name: string) => void;
}

export interface MigrateResult {
  /** Created by this run because it did not exist. */
  readonly createdDatabase: boolean;
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED' as const;
  constructor(
    readonly migration: string | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export function migrationChecksum(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Lists `<dir>/<name>/migration.sql` in name order (Prisma's layout; other entries are ignored). */
export async function listMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, name, 'migration.sql'));
    } catch (err) {
      throw new MigrationError(name, `migration ${name} has no migration.sql`, { cause: err });
    }
    files.push({ name, sql: bytes.toString('utf8'), checksum: migrationChecksum(bytes) });
  }
  return files;
}

/** Creates the database named in `databaseUrl` if it does not exist; returns whether it did. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new MigrationError(null, 'databaseUrl names no database');
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (err) {
      // Another process created it between the check and the CREATE: Postgres says 42P04, or
      // 23505 on its catalog index when both CREATEs ran at the same moment.
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw err;
    }
    return true;
  } finally {
    await admin.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Applies every pending migration; see the module comment for the rules. */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const files = await listMigrations(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const createdDatabase = await ensureDatabase(options.databaseUrl);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  // A connection lost while idle is reported as an 'error' event; the query in flight (if any)
  // rejects with the same error, so the event itself needs no handling beyond not crashing.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await acquireMigrateLock(client);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const rows = (
      await client.query<AppliedRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
      )
    ).rows.filter((r) => r.rolled_back_at === null);
    const pending = checkHistory(files, rows);
    const applied: string[] = [];
    for (const file of pending) {
      await applyOne(client, file);
      applied.push(file.name);
      options.onApplied?.(file.name);
    }
    return {
      createdDatabase,
      applied,
      alreadyApplied: files.filter((f) => !applied.includes(f.name)).map((f) => f.name),
    };
  } finally {
    // Ending the session releases the advisory lock.
    await client.end();
  }
}

const LOCK_POLL_MS = 100;

/**
 * Takes the advisory lock by polling rather than blocking: a session blocked in
 * pg_advisory_lock holds a snapshot, and CREATE INDEX CONCURRENTLY in the session that holds the
 * lock waits for every older snapshot to end, so a blocking wait would deadlock the two runners.
 */
async function acquireMigrateLock(client: pg.Client): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      MIGRATE_LOCK_KEY,
    ]);
    if (rows[0]?.locked) return;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Returns the files still to apply, or throws if the recorded history and the files disagree. */
function checkHistory(files: readonly MigrationFile[], rows: readonly AppliedRow[]): MigrationFile[] {
  const unfinished = rows.find((r) => r.finished_at === null);
  if (unfinished) {
    throw new MigrationError(
      unfinished.migration_name,
      `migration ${unfinished.migration_name} started but did not finish; fix the database, then mark it ` +
        'rolled back or applied (prisma migrate resolve) before migrating again',
    );
  }
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const row of rows) {
    const file = byName.get(row.migration_name);
    if (!file) {
      throw new MigrationError(
        row.migration_name,
        `migration ${row.migration_name} is applied to the database but missing from the migrations directory`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        row.migration_name,
        `migration ${row.migration_name} was modified after it was applied (checksum ${row.checksum} in the ` +
          `database, ${file.checksum} on disk); add a new migration instead of editing an applied one`,
      );
    }
  }
  const done = new Set(rows.map((r) => r.migration_name));
  return files.filter((f) => !done.has(f.name));
}

const CONCURRENTLY = /\bCONCURRENTLY\b/i;

async function applyOne(client: pg.Client, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  if (!CONCURRENTLY.test(stripSqlComments(file.sql))) {
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
        [id, file.checksum, file.name],
      );
      await client.query(file.sql);
      await client.query(
        `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw new MigrationError(file.name, `migration ${file.name} failed and was rolled back: ${errorText(err)}`, {
        cause: err,
      });
    }
    return;
  }
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
    [id, file.checksum, file.name],
  );
  try {
    await client.query(file.sql);
  } catch (err) {
    await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, errorText(err)]);
    throw new MigrationError(file.name, `migration ${file.name} failed outside a transaction: ${errorText(err)}`, {
      cause: err,
    });
  }
  await client.query(
    `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
    [id],
  );
}

function stripSqlComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
