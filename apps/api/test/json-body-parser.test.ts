import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonBodyIssues, stringProblem } from '../src/json-body-parser.js';

const nested = (levels: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

describe('jsonBodyIssues', () => {
  it('accepts ordinary bodies, astral and right-to-left text included', () => {
    expect(jsonBodyIssues({ name: 'étude 🧪 \u202Eabc \u05D0', space: { x: { type: 'float', low: 0, high: 1 } }, list: [1, 'a', null] })).toEqual([]);
    expect(jsonBodyIssues(nested(MAX_JSON_DEPTH))).toEqual([]);
  });

  it('refuses nesting deeper than the limit at the field where it goes too deep, 10,000 levels included', () => {
    const issues = jsonBodyIssues({ space: nested(10_000) });
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(`deeper than ${MAX_JSON_DEPTH} levels`);
    expect(issues[0].field).toMatch(/^space(\.a|\[0\])+$/);
    expect(jsonBodyIssues(nested(MAX_JSON_DEPTH + 1))).toHaveLength(1);
  });

  it('names __proto__ and constructor.prototype keys wherever they are', () => {
    const body = JSON.parse('{"space":{"__proto__":{"polluted":true}},"fixed":{"constructor":{"prototype":{"x":1}}},"list":[{"__proto__":1}]}');
    expect(jsonBodyIssues(body).map((i) => i.field)).toEqual(['space.__proto__', 'fixed.constructor.prototype', 'list[0].__proto__']);
    // A key named constructor that carries no prototype is ordinary data.
    expect(jsonBodyIssues({ constructor: 'x' })).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names strings and keys Postgres cannot store: NUL and lone surrogates', () => {
    expect(jsonBodyIssues({ name: 'a\u0000b', space: { 'x\u0000': 1 }, list: ['ok', '\uD800'], tail: 'x\uDC00' })).toEqual([
      { field: 'name', message: 'must not contain NUL characters (U+0000)' },
      { field: 'space.x\\u0000', message: 'name must not contain NUL characters (U+0000)' },
      { field: 'list[1]', message: 'must be well-formed Unicode (it contains a lone surrogate)' },
      { field: 'tail', message: 'must be well-formed Unicode (it contains a lone surrogate)' },
    ]);
    expect(jsonBodyIssues('\u0000')).toEqual([{ field: 'body', message: 'must not contain NUL characters (U+0000)' }]);
  });

  it('names numbers beyond double range, which JSON.parse reads as Infinity', () => {
    expect(jsonBodyIssues(JSON.parse('{"a":1e400,"b":[-1e400],"c":1e308}'))).toEqual([
      { field: 'a', message: 'must be a finite number' },
      { field: 'b[0]', message: 'must be a finite number' },
    ]);
  });

  it('reports at most 20 issues for a body full of them', () => {
    expect(jsonBodyIssues(Array.from({ length: 1000 }, () => '\u0000'))).toHaveLength(20);
  });

  it('tells a surrogate pair from a lone surrogate', () => {
    expect(stringProblem('\uD83E\uDDEA')).toBeNull();
    expect(stringProblem('\uDDEA\uD83E')).not.toBeNull();
  });
});
