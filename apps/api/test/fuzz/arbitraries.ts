/**
 * Hostile inputs for the api fuzz test: strings, ids, query strings, headers and bodies. Each
 * arbitrary mixes plausible values (so requests get past the first check) with the kinds of
 * input that break services: injection strings, path traversal, unicode edge cases, wrong types,
 * oversized and deeply nested payloads.
 */
import fc from 'fast-check';
import { API_KEY } from '../helpers.js';

/** Strings aimed at SQL, shells, templates, paths and prototypes. */
export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE study; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  "00000000-0000-4000-8000-000000000000' OR 1=1 --",
  '$(id)',
  '`rm -rf /`',
  "require('child_process').execSync('id')",
  '${7*7}',
  '{{constructor.constructor("return process")()}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '/etc/passwd',
  'C:\\Windows\\System32',
  'file:///etc/passwd',
  '%00',
  '%2e%2e%2f%2e%2e%2f',
  '<script>alert(1)</script>',
  'NaN',
  'Infinity',
  '-0',
  '1e400',
  '0x10',
  'null',
  'true',
  '[]',
  '{}',
] as const;

/** Unicode that trips storage and rendering: NUL, lone surrogates, astral, RTL, combining, BOM. */
export const UNICODE = [
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDC00y',
  '\uD83E\uDDEA',
  '𝕿𝖚𝖓𝖊',
  '\u202Eevil\u202C',
  '\u05D0\u05D1\u05D2',
  'e\u0301\u0301\u0301',
  '\uFEFF',
  '\u200B',
  '\uFFFF',
  '\u2028\u2029',
  '\r\n\t',
] as const;

/** Any string, lone surrogates included, or one of the crafted ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS, ...UNICODE) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'x'.repeat(5_000)) },
);

/** Numbers where validation goes wrong: bounds, fractions, huge, negative zero. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, with hostile strings as both keys and values. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/**
 * A value for a path segment, already in URL form: encoded hostile strings, plausible ids, and
 * raw traversal and encoding tricks that no encoder would produce.
 */
export function pathSegment(knownIds: readonly string[]): fc.Arbitrary<string> {
  const raw = fc.constantFrom(
    '..',
    '.',
    '..%2F..%2Fetc%2Fpasswd',
    '..%2f..%2f..%2fetc%2fshadow',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%252F..%252Fetc%252Fpasswd',
    '%2Fetc%2Fpasswd',
    '%00',
    'abc%00.tar',
    '%c0%ae%c0%ae%2f',
    '%E0%A4%A',
    '%',
    '%ZZ',
    '%uD800',
    '..;',
    '%20',
    '-1',
    '1e999',
    '99999999999999999999999',
  );
  return fc.oneof(
    { weight: 3, arbitrary: knownIds.length > 0 ? fc.constantFrom(...knownIds) : fc.uuid() },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: raw },
    { weight: 3, arbitrary: hostileString.filter((s) => s.length > 0).map(percentEncode) },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
}

/** Percent-encodes every byte outside the unreserved set; lone surrogates become U+FFFD. */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A query string: the route's own keys with plausible and hostile values (repeated keys
 * included, which Fastify turns into arrays), plus unknown keys.
 */
export function queryString(values: Readonly<Record<string, fc.Arbitrary<string>>>): fc.Arbitrary<string> {
  const value = (arbitrary: fc.Arbitrary<string>) => fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: hostileString });
  const known = Object.entries(values).map(([key, arbitrary]) =>
    fc
      .option(
        // Mostly one value; sometimes the key repeated, which Fastify turns into an array.
        fc.oneof({ weight: 4, arbitrary: value(arbitrary).map((v) => [v]) }, { weight: 1, arbitrary: fc.array(value(arbitrary), { minLength: 2, maxLength: 3 }) }),
        { freq: 2 },
      )
      .map((vs) => (vs ?? []).map((v) => [key, v] as const)),
  );
  // Unknown keys in one query of five: enough to test them, few enough to let the rest through.
  const unknown = fc.oneof(
    { weight: 4, arbitrary: fc.constant([] as [string, string][]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(hostileString, hostileString), { minLength: 1, maxLength: 2 }) },
  );
  return fc.tuple(fc.tuple(...known), unknown, fc.boolean()).map(([pairs, extra, raw]) => {
    const all = [...pairs.flat(), ...extra];
    if (all.length === 0) return '';
    // Now and then a raw, unencoded query: brackets, stray '%', repeated '&'.
    if (raw && extra.length > 0) return `?${all.map(([k, v]) => `${k}=${v}`.replace(/[#\s\u0000-\u001f\u007f-\uffff]/g, '')).join('&')}`;
    return `?${all.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')}`;
  });
}

export type AuthKind = 'valid' | 'none' | 'wrong';

/** An Authorization header and whether it carries the right key. */
export const authHeader: fc.Arbitrary<{ kind: AuthKind; header?: string }> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'valid' as const, header: `Bearer ${API_KEY}` }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        `Bearer ${API_KEY}x`,
        `Bearer ${API_KEY.slice(0, -1)}`,
        `Bearer ${API_KEY.toUpperCase()}`,
        `Bearer  ${API_KEY} extra`,
        `Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}`,
        API_KEY,
        'Bearer',
        'Bearer ',
        `Bearer ${'a'.repeat(20_000)}`,
        "Bearer ' OR 1=1 --",
        'Bearer \u00ff\u00fe',
        'Digest username="x"',
      )
      .map((header) => ({ kind: 'wrong' as const, header })),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 })
      .map((token) => ({ kind: 'wrong' as const, header: `Bearer ${token}` })),
  },
);

/** Content types a client may send, right and wrong. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/JSON',
      'application/json; charset=utf-16',
      'application/json;;;',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'application/octet-stream',
      'application/xml',
      'application/vnd.api+json',
      '*/*',
      'garbage',
      'a/b/c',
      '',
    ),
  },
);

/** Headers every request may carry besides auth and content type. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'x-request-id': fc.oneof(fc.constantFrom('abc-123', '../../x', "' OR 1=1", 'a'.repeat(300)), fc.string({ maxLength: 20 })),
    accept: fc.constantFrom('*/*', 'application/json', 'text/html', 'application/x-tar', 'garbage'),
    'if-none-match': fc.constantFrom('*', '"abc"', 'W/"x"', "' OR 1=1"),
    origin: fc.constantFrom('https://evil.example', 'null'),
  },
  { requiredKeys: [] },
).map((headers) => Object.fromEntries(Object.entries(headers).filter(([, v]) => /^[\x20-\x7e]*$/.test(v))));

let hugeBody: string | undefined;
/** A JSON body larger than the default 256 KiB body limit. */
export function oversizedJson(): string {
  hugeBody ??= JSON.stringify({ name: 'x'.repeat(300 * 1024) });
  return hugeBody;
}

/** `levels` nested arrays or objects around 1, as JSON text. */
export function nestedJson(levels: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(levels)}1${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** Text that is not JSON, or JSON cut short. */
export const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', '{', '{"name":', '[1,2', '{"a":1,}', "{'a':1}", 'undefined', 'NaN', '{"a":NaN}', '\uFEFF{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"x":1}}', '{"a":1}{"b":2}', '\u0000'),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/**
 * A request body: a mutation of a valid one (when given), any JSON value, malformed text, a body
 * over the limit, or 10,000 levels of nesting.
 */
export function body(valid?: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 2, arbitrary: hostileJson.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: malformedJson },
    { weight: 1, arbitrary: fc.constant(null).map(() => oversizedJson()) },
    { weight: 1, arbitrary: fc.constantFrom<'array' | 'object'>('array', 'object').map((kind) => nestedJson(10_000, kind)) },
  ];
  if (valid) options.push({ weight: 8, arbitrary: mutated(valid) });
  return fc.oneof(...options);
}

type Mutation = { op: 'set'; path: string[]; value: unknown } | { op: 'delete'; path: string[] } | { op: 'nest'; path: string[] };

/** A valid body with a few of its fields replaced, removed, or buried under deep nesting. */
export function mutated(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return fc
    .tuple(
      valid,
      fc.oneof(
        fc.constant([]),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('set', 'set', 'set', 'set', 'delete', 'nest'), hostileJson, hostileString), { minLength: 1, maxLength: 3 }),
      ),
    )
    .map(([base, picks]) => {
      const copy = structuredClone(base);
      let nest: string[] | null = null;
      for (const [a, b, op, value, newKey] of picks) {
        const mutation = pickMutation(copy, a, b, op as Mutation['op'], value, newKey);
        if (mutation.op === 'nest') nest = mutation.path;
        else applyMutation(copy, mutation);
      }
      let text = JSON.stringify(copy);
      if (nest !== null) {
        // Replaces one field's value with 10,000 levels of nesting, as text (no recursion here).
        const marker = '"__fuzz_nest_marker__"';
        applyMutation(copy, { op: 'set', path: nest, value: '__fuzz_nest_marker__' });
        text = JSON.stringify(copy).replace(marker, nestedJson(10_000, 'array'));
      }
      return text;
    });
}

function pickMutation(target: Record<string, unknown>, a: number, b: number, op: Mutation['op'], value: unknown, newKey: string): Mutation {
  const paths = leafPaths(target);
  const path = paths[a % paths.length] ?? ['name'];
  // Half the time go one level into an object field, or add an unknown key there.
  const extended = b % 3 === 0 ? [...path.slice(0, -1), newKey] : path;
  if (op === 'delete') return { op, path: extended };
  if (op === 'nest') return { op, path: extended };
  return { op: 'set', path: extended, value };
}

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return [prefix, ...entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))].filter((p) => p.length > 0);
}

function applyMutation(target: Record<string, unknown>, mutation: Exclude<Mutation, { op: 'nest' }>): void {
  let node: unknown = target;
  for (const key of mutation.path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node !== 'object') return;
  const last = mutation.path[mutation.path.length - 1];
  if (mutation.op === 'delete') delete (node as Record<string, unknown>)[last];
  else Object.defineProperty(node, last, { value: mutation.value, enumerable: true, writable: true, configurable: true });
}
