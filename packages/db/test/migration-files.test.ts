import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, listMigrations, migrationChecksum } from '../src/migrate.js';
import { expectedCatalog, parsePrismaSchema } from './helpers/prisma-schema.js';

const SCHEMA = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));

describe('prisma/migrations', () => {
  it('is found from the package', () => {
    expect(DEFAULT_MIGRATIONS_DIR.replaceAll('\\', '/')).toMatch(/\/prisma\/migrations\/?$/);
  });

  it('lists migrations in Prisma name order with the sha256 of each file', async () => {
    const files = await listMigrations();
    expect(files.map((f) => f.name)).toEqual([...files.map((f) => f.name)].sort());
    expect(files[0]?.name).toMatch(/_base_schema$/);
    for (const f of files) {
      expect(f.name).toMatch(/^\d{14}_[a-z0-9_]+$/);
      const bytes = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, f.name, 'migration.sql'));
      expect(f.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('has the lock file prisma migrate deploy expects', async () => {
    const lock = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8');
    expect(lock).toMatch(/^provider = "postgresql"$/m);
  });

  it('computes checksums as lower-case hex sha256', () => {
    expect(migrationChecksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('the schema parser used by the drift test', () => {
  it('reads models, enums, keys and relations of schema.prisma', async () => {
    const schema = parsePrismaSchema(await readFile(SCHEMA, 'utf8'));
    const catalog = expectedCatalog(schema);
    expect(catalog.enums.trial_state).toEqual(['WAITING', 'RUNNING', 'PAUSED', 'COMPLETE', 'PRUNED', 'FAILED']);
    expect(catalog.columns).toContainEqual({
      table: 'trial',
      column: 'last_event_at',
      type: 'timestamp(3) with time zone',
      nullable: true,
      default: null,
    });
    expect(catalog.indexes).toContainEqual({
      table: 'intermediate_value',
      name: 'intermediate_value_pkey',
      columns: ['trial_id', 'epoch'],
      unique: true,
      primary: true,
    });
    expect(catalog.foreignKeys).toContainEqual({
      table: 'trial',
      name: 'trial_retry_of_id_fkey',
      columns: ['retry_of_id'],
      refTable: 'trial',
      refColumns: ['id'],
      onDelete: 'n',
      onUpdate: 'c',
    });
  });

  it('refuses an attribute it does not understand instead of ignoring it', () => {
    const text = 'model A {\n  id Int @id @default(autoincrement()) @ignore\n}\n';
    expect(() => parsePrismaSchema(text)).toThrow(/unknown @ignore/);
  });

  it('defaults referential actions as Prisma does (SetNull when optional, Restrict when required)', () => {
    const text = [
      'model P {', '  id Int @id', '  a C[] @relation("a")', '  b C[] @relation("b")', '}',
      'model C {', '  id Int @id', '  pa Int', '  pb Int?',
      '  p P @relation("a", fields: [pa], references: [id])',
      '  q P? @relation("b", fields: [pb], references: [id])', '}', '',
    ].join('\n');
    const fks = expectedCatalog(parsePrismaSchema(text)).foreignKeys;
    expect(fks.map((f) => [f.name, f.onDelete, f.onUpdate])).toEqual([
      ['C_pa_fkey', 'r', 'c'],
      ['C_pb_fkey', 'n', 'c'],
    ]);
  });
});
