/** Reads the public schema's catalog in the shape `expectedCatalog` produces. */
import pg from 'pg';
import type { Catalog, CatalogColumn, CatalogForeignKey, CatalogIndex } from './prisma-schema.js';

/** Prisma's bookkeeping table is not part of the schema. */
const IGNORED_TABLES = ['_prisma_migrations'];

export async function readCatalog(databaseUrl: string): Promise<Catalog> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const enumRows = await client.query<{ name: string; value: string }>(`
      SELECT t.typname AS name, e.enumlabel AS value
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`);
    const enums: Record<string, string[]> = {};
    for (const r of enumRows.rows) (enums[r.name] ??= []).push(r.value);

    const tableRows = await client.query<{ name: string }>(`
      SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT (c.relname = ANY($1)) ORDER BY c.relname`, [IGNORED_TABLES]);

    const columnRows = await client.query<{ table: string; column: string; type: string; notnull: boolean; default: string | null }>(`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND NOT (c.relname = ANY($1))
      ORDER BY c.relname, a.attnum`, [IGNORED_TABLES]);
    const columns: CatalogColumn[] = columnRows.rows.map((r) => ({
      table: r.table,
      column: r.column,
      type: r.type,
      nullable: !r.notnull,
      default: r.default,
    }));

    const indexRows = await client.query<{ table: string; name: string; columns: string[]; unique: boolean; primary: boolean }>(`
      SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
             ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
      FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND NOT (t.relname = ANY($1))
      ORDER BY t.relname, i.relname`, [IGNORED_TABLES]);
    const indexes: CatalogIndex[] = indexRows.rows.map((r) => ({
      table: r.table,
      name: r.name,
      columns: r.columns,
      unique: r.unique,
      primary: r.primary,
    }));

    const fkRows = await client.query<{ table: string; name: string; columns: string[]; ref_table: string; ref_columns: string[]; on_delete: string; on_update: string }>(`
      SELECT t.relname AS table, con.conname AS name, rt.relname AS ref_table,
             con.confdeltype AS on_delete, con.confupdtype AS on_update,
             ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
             ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS ref_columns
      FROM pg_constraint con
      JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class rt ON rt.oid = con.confrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE con.contype = 'f' AND n.nspname = 'public'
      ORDER BY t.relname, con.conname`);
    const foreignKeys: CatalogForeignKey[] = fkRows.rows.map((r) => ({
      table: r.table,
      name: r.name,
      columns: r.columns,
      refTable: r.ref_table,
      refColumns: r.ref_columns,
      onDelete: r.on_delete,
      onUpdate: r.on_update,
    }));

    return { enums, tables: tableRows.rows.map((r) => r.name), columns, indexes, foreignKeys };
  } finally {
    await client.end();
  }
}
