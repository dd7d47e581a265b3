import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, createTestDatabase } from '../src/testing.js';
import { type Catalog, diffCatalogs, expectedCatalog, parsePrismaSchema } from './helpers/prisma-schema.js';
import { readCatalog } from './helpers/read-catalog.js';

const SCHEMA = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));

describe('prisma/schema.prisma and prisma/migrations', () => {
  let testDb: TestDatabase;
  let expected: Catalog;
  let actual: Catalog;

  beforeAll(async () => {
    // The test database is a clone of the template, which is built by applying every migration
    // to an empty database: exactly what `prisma migrate deploy` does in production.
    testDb = await createTestDatabase();
    expected = expectedCatalog(parsePrismaSchema(await readFile(SCHEMA, 'utf8')));
    actual = await readCatalog(testDb.url);
  });
  afterAll(() => testDb?.drop());

  it('describe the same tables, columns, types, nullability, defaults, enums, indexes and foreign keys', () => {
    expect(diffCatalogs(expected, actual)).toEqual([]);
  });

  it('the comparison covers every table and column (it is not vacuous)', () => {
    expect(actual.tables).toEqual(
      ['checkpoint', 'checkpoint_blob', 'intermediate_value', 'resume_fallback', 'rung_record', 'study', 'trial', 'worker'],
    );
    expect(expected.columns.length).toBe(actual.columns.length);
    expect(expected.indexes.length).toBeGreaterThanOrEqual(15);
    expect(expected.foreignKeys.length).toBe(8);
  });

  it('reports a column whose nullability, type or default differs', () => {
    const changed: Catalog = {
      ...expected,
      columns: expected.columns.map((c) =>
        c.table === 'trial' && c.column === 'objective_value' ? { ...c, nullable: false } : c,
      ),
    };
    expect(diffCatalogs(changed, actual)).toEqual([
      expect.stringContaining('column trial.objective_value'),
    ]);
  });

  it('reports an index or enum value missing from the migrations', () => {
    const changed: Catalog = {
      ...expected,
      enums: { ...expected.enums, trial_state: [...(expected.enums.trial_state ?? []), 'CANCELLED'] },
      indexes: [...expected.indexes, { table: 'trial', name: 'trial_worker_id_idx', columns: ['worker_id'], unique: false, primary: false }],
    };
    expect(diffCatalogs(changed, actual)).toEqual([
      expect.stringContaining('enum trial_state'),
      'index trial.trial_worker_id_idx: in the schema, missing from the database',
    ]);
  });
});
