/**
 * A small parser for the subset of the Prisma schema language that prisma/schema.prisma uses, and
 * the Postgres catalog Prisma's migrate would derive from it (its naming conventions for keys,
 * indexes and constraints, its referential-action defaults). `@prisma/internals`' getDMMF is not
 * installed, so this is how the drift test knows what the schema says. It throws on any attribute
 * it does not understand rather than ignore it, so a new schema feature cannot slip past the test.
 */

export interface ParsedField {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
  readonly list: boolean;
  /** Attribute name (without `@`) → raw argument text ('' when it has none). */
  readonly attributes: ReadonlyMap<string, string>;
}

export interface ParsedModel {
  readonly name: string;
  readonly fields: readonly ParsedField[];
  /** `@@id`, `@@unique`, `@@index`, `@@map` with raw argument text, in order. */
  readonly blockAttributes: readonly { readonly name: string; readonly args: string }[];
}

export interface ParsedEnum {
  readonly name: string;
  readonly dbName: string;
  readonly values: readonly string[];
}

export interface ParsedSchema {
  readonly models: readonly ParsedModel[];
  readonly enums: readonly ParsedEnum[];
}

const FIELD_ATTRIBUTES = new Set(['id', 'default', 'unique', 'map', 'relation', 'updatedAt', 'db.Uuid', 'db.Char', 'db.Timestamptz']);
const BLOCK_ATTRIBUTES = new Set(['id', 'unique', 'index', 'map']);

function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let inString = false;
      for (let i = 0; i < line.length; i++) {
        if (line[i] === '"' && line[i - 1] !== '\\') inString = !inString;
        if (!inString && line[i] === '/' && line[i + 1] === '/') return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

/** Splits `@a @b(x, y(z)) @c` into attributes, honouring nested parentheses and strings. */
function splitAttributes(text: string, marker: '@' | '@@'): { name: string; args: string }[] {
  const out: { name: string; args: string }[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith(marker, i) && (marker === '@@' || text[i + 1] !== '@')) {
      i += marker.length;
      const nameMatch = /^[A-Za-z.]+[A-Za-z0-9]*/.exec(text.slice(i));
      if (!nameMatch) throw new Error(`cannot read attribute at: ${text.slice(i - marker.length)}`);
      const name = nameMatch[0];
      i += name.length;
      let args = '';
      if (text[i] === '(') {
        let depth = 0;
        let inString = false;
        const start = i + 1;
        for (; i < text.length; i++) {
          const c = text[i];
          if (c === '"' && text[i - 1] !== '\\') inString = !inString;
          if (inString) continue;
          if (c === '(') depth++;
          if (c === ')' && --depth === 0) break;
        }
        args = text.slice(start, i).trim();
        i++;
      }
      out.push({ name, args });
    } else if (/\s/.test(text[i] as string)) {
      i++;
    } else {
      throw new Error(`unexpected text in attributes: ${text.slice(i)}`);
    }
  }
  return out;
}

export function parsePrismaSchema(source: string): ParsedSchema {
  const text = stripComments(source);
  const models: ParsedModel[] = [];
  const enums: ParsedEnum[] = [];
  const block = /^(model|enum|generator|datasource)\s+(\w+)\s*\{([\s\S]*?)^\}/gm;
  for (const match of text.matchAll(block)) {
    const [, kind, name, body] = match as unknown as [string, string, string, string];
    const lines = body.split('\n').map((l) => l.trim()).filter(Boolean);
    if (kind === 'enum') {
      let dbName = name;
      const values: string[] = [];
      for (const line of lines) {
        const map = /^@@map\("([^"]+)"\)$/.exec(line);
        if (map) dbName = map[1] as string;
        else if (/^\w+$/.test(line)) values.push(line);
        else throw new Error(`enum ${name}: cannot read "${line}"`);
      }
      enums.push({ name, dbName, values });
    } else if (kind === 'model') {
      const fields: ParsedField[] = [];
      const blockAttributes: { name: string; args: string }[] = [];
      for (const line of lines) {
        if (line.startsWith('@@')) {
          for (const attr of splitAttributes(line, '@@')) {
            if (!BLOCK_ATTRIBUTES.has(attr.name)) throw new Error(`model ${name}: unknown @@${attr.name}`);
            blockAttributes.push(attr);
          }
          continue;
        }
        const field = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
        if (!field) throw new Error(`model ${name}: cannot read "${line}"`);
        const [, fieldName, type, list, optional, rest] = field as unknown as [string, string, string, string | undefined, string | undefined, string];
        const attributes = new Map<string, string>();
        for (const attr of splitAttributes(rest, '@')) {
          if (!FIELD_ATTRIBUTES.has(attr.name)) throw new Error(`model ${name}.${fieldName}: unknown @${attr.name}`);
          attributes.set(attr.name, attr.args);
        }
        fields.push({ name: fieldName, type, optional: Boolean(optional), list: Boolean(list), attributes });
      }
      models.push({ name, fields, blockAttributes });
    }
  }
  return { models, enums };
}

// ---- what Prisma migrate derives from it ----

export interface CatalogColumn {
  readonly table: string;
  readonly column: string;
  /** `format_type()` spelling, e.g. `timestamp(3) with time zone`. */
  readonly type: string;
  readonly nullable: boolean;
  /** `pg_get_expr()` spelling of the default, or null. */
  readonly default: string | null;
}

export interface CatalogIndex {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly primary: boolean;
}

export interface CatalogForeignKey {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  /** Postgres' one-letter codes: a no action, r restrict, c cascade, n set null, d set default. */
  readonly onDelete: string;
  readonly onUpdate: string;
}

export interface Catalog {
  readonly enums: Readonly<Record<string, readonly string[]>>;
  readonly tables: readonly string[];
  readonly columns: readonly CatalogColumn[];
  readonly indexes: readonly CatalogIndex[];
  readonly foreignKeys: readonly CatalogForeignKey[];
}

const REFERENTIAL_ACTIONS: Record<string, string> = { Cascade: 'c', Restrict: 'r', NoAction: 'a', SetNull: 'n', SetDefault: 'd' };

function unquote(s: string): string {
  const m = /^"(.*)"$/.exec(s.trim());
  if (!m) throw new Error(`expected a string literal, got ${s}`);
  return m[1] as string;
}

function fieldList(args: string): string[] {
  const m = /^\[([^\]]*)\]/.exec(args.trim());
  if (!m) throw new Error(`expected a field list, got ${args}`);
  return (m[1] as string).split(',').map((s) => s.trim()).filter(Boolean);
}

function namedArg(args: string, key: string): string | undefined {
  const m = new RegExp(`${key}\\s*:\\s*(\\[[^\\]]*\\]|\\w+|"[^"]*")`).exec(args);
  return m?.[1];
}

function columnType(field: ParsedField, enumsByName: Map<string, ParsedEnum>): string {
  if (field.list) throw new Error(`field ${field.name}: scalar lists are not used by this schema`);
  const en = enumsByName.get(field.type);
  if (en) return en.dbName;
  const attrs = field.attributes;
  if (attrs.has('db.Uuid')) return 'uuid';
  if (attrs.has('db.Char')) return `character(${attrs.get('db.Char')})`;
  if (attrs.has('db.Timestamptz')) return `timestamp(${attrs.get('db.Timestamptz') || '6'}) with time zone`;
  const base: Record<string, string> = {
    String: 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Float: 'double precision',
    Boolean: 'boolean',
    DateTime: 'timestamp(3) without time zone',
    Json: 'jsonb',
    Bytes: 'bytea',
  };
  const type = base[field.type];
  if (!type) throw new Error(`field ${field.name}: unknown type ${field.type}`);
  return type;
}

function columnDefault(field: ParsedField, dbType: string, enumsByName: Map<string, ParsedEnum>): string | null {
  const raw = field.attributes.get('default');
  if (raw === undefined) return null;
  if (raw === 'now()') return 'CURRENT_TIMESTAMP';
  const generated = /^dbgenerated\((.*)\)$/.exec(raw);
  if (generated) return unquote(generated[1] as string);
  if (enumsByName.has(field.type)) return `'${raw}'::${dbType}`;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return raw;
  if (raw === 'true' || raw === 'false') return raw;
  if (raw.startsWith('"')) return `'${unquote(raw)}'::text`;
  throw new Error(`field ${field.name}: default ${raw} is not supported by this parser`);
}

/** The catalog Prisma migrate creates for `schema` (tables, columns, enums, indexes, foreign keys). */
export function expectedCatalog(schema: ParsedSchema): Catalog {
  const enumsByName = new Map(schema.enums.map((e) => [e.name, e]));
  const modelsByName = new Map(schema.models.map((m) => [m.name, m]));
  const tableOf = (m: ParsedModel): string => {
    const map = m.blockAttributes.find((a) => a.name === 'map');
    return map ? unquote(map.args) : m.name;
  };
  const isRelation = (f: ParsedField): boolean => modelsByName.has(f.type);
  const columnOf = (m: ParsedModel, fieldName: string): string => {
    const f = m.fields.find((x) => x.name === fieldName);
    if (!f || isRelation(f)) throw new Error(`model ${m.name}: no scalar field ${fieldName}`);
    const map = f.attributes.get('map');
    return map ? unquote(map) : f.name;
  };

  const columns: CatalogColumn[] = [];
  const indexes: CatalogIndex[] = [];
  const foreignKeys: CatalogForeignKey[] = [];
  for (const model of schema.models) {
    const table = tableOf(model);
    for (const field of model.fields) {
      if (isRelation(field)) {
        const rel = field.attributes.get('relation');
        const fieldsArg = rel && namedArg(rel, 'fields');
        if (!rel || !fieldsArg) continue; // the back-relation side has no columns
        const target = modelsByName.get(field.type) as ParsedModel;
        const cols = fieldList(fieldsArg).map((f) => columnOf(model, f));
        const refs = fieldList(namedArg(rel, 'references') ?? '[]').map((f) => columnOf(target, f));
        const onDelete = namedArg(rel, 'onDelete') ?? (field.optional ? 'SetNull' : 'Restrict');
        const onUpdate = namedArg(rel, 'onUpdate') ?? 'Cascade';
        foreignKeys.push({
          table,
          name: `${table}_${cols.join('_')}_fkey`,
          columns: cols,
          refTable: tableOf(target),
          refColumns: refs,
          onDelete: REFERENTIAL_ACTIONS[onDelete] as string,
          onUpdate: REFERENTIAL_ACTIONS[onUpdate] as string,
        });
        continue;
      }
      const column = columnOf(model, field.name);
      const type = columnType(field, enumsByName);
      columns.push({ table, column, type, nullable: field.optional, default: columnDefault(field, type, enumsByName) });
      if (field.attributes.has('id')) {
        indexes.push({ table, name: `${table}_pkey`, columns: [column], unique: true, primary: true });
      }
      if (field.attributes.has('unique')) {
        indexes.push({ table, name: `${table}_${column}_key`, columns: [column], unique: true, primary: false });
      }
    }
    for (const attr of model.blockAttributes) {
      if (attr.name === 'map') continue;
      const cols = fieldList(attr.args).map((f) => columnOf(model, f));
      if (attr.name === 'id') indexes.push({ table, name: `${table}_pkey`, columns: cols, unique: true, primary: true });
      if (attr.name === 'unique') indexes.push({ table, name: `${table}_${cols.join('_')}_key`, columns: cols, unique: true, primary: false });
      if (attr.name === 'index') indexes.push({ table, name: `${table}_${cols.join('_')}_idx`, columns: cols, unique: false, primary: false });
    }
  }
  return {
    enums: Object.fromEntries(schema.enums.map((e) => [e.dbName, e.values])),
    tables: schema.models.map(tableOf),
    columns,
    indexes,
    foreignKeys,
  };
}

/** Every difference between two catalogs, one readable line each (empty when they agree). */
export function diffCatalogs(expected: Catalog, actual: Catalog): string[] {
  const problems: string[] = [];
  const compare = <T>(what: string, exp: readonly T[], act: readonly T[], key: (x: T) => string): void => {
    const e = new Map(exp.map((x) => [key(x), JSON.stringify(x)]));
    const a = new Map(act.map((x) => [key(x), JSON.stringify(x)]));
    for (const [k, v] of e) {
      if (!a.has(k)) problems.push(`${what} ${k}: in the schema, missing from the database`);
      else if (a.get(k) !== v) problems.push(`${what} ${k}: schema ${v} vs database ${a.get(k)}`);
    }
    for (const k of a.keys()) if (!e.has(k)) problems.push(`${what} ${k}: in the database, not in the schema`);
  };
  compare('enum', Object.entries(expected.enums), Object.entries(actual.enums), ([name]) => name);
  compare('table', expected.tables, actual.tables, (t) => t);
  compare('column', expected.columns, actual.columns, (c) => `${c.table}.${c.column}`);
  compare('index', expected.indexes, actual.indexes, (i) => `${i.table}.${i.name}`);
  compare('foreign key', expected.foreignKeys, actual.foreignKeys, (f) => `${f.table}.${f.name}`);
  return problems;
}
