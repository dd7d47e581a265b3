import { describe, expect, it } from 'vitest';
import { parseSearchSpace, SearchSpaceError, searchSpaceToJSON, type SearchSpaceIssue } from '../../src/index.js';

function issuesOf(json: unknown): SearchSpaceIssue[] {
  try {
    parseSearchSpace(json);
  } catch (err) {
    expect(err).toBeInstanceOf(SearchSpaceError);
    expect((err as SearchSpaceError).code).toBe('SEARCH_SPACE_INVALID');
    return [...(err as SearchSpaceError).issues];
  }
  throw new Error('expected a SearchSpaceError');
}

const EXAMPLE = {
  learning_rate: { type: 'float', low: 1e-5, high: 0.1, log: true },
  dropout: { type: 'float', low: 0.0, high: 0.5, step: 0.05 },
  batch_size: { type: 'int', low: 25, high: 500, step: 25 },
  starting_channels: { type: 'int', low: 16, high: 64 },
  width: { type: 'int', low: 8, high: 1024, log: true },
  activation: { type: 'categorical', choices: ['relu', 'gelu', 'elu'] },
  momentum: { type: 'float', low: 0.5, high: 0.99, when: { optimizer: ['sgd'] } },
  optimizer: { type: 'categorical', choices: ['sgd', 'adam'] },
};

describe('parseSearchSpace', () => {
  it('parses the documented example with defaults filled in', () => {
    const space = parseSearchSpace(EXAMPLE);
    const byName = Object.fromEntries(space.params.map((p) => [p.name, p]));
    expect(byName.learning_rate.distribution).toEqual({ type: 'float', low: 1e-5, high: 0.1, log: true, step: null });
    expect(byName.starting_channels.distribution).toEqual({ type: 'int', low: 16, high: 64, log: false, step: 1 });
    expect(byName.momentum.when).toEqual({ optimizer: ['sgd'] });
    expect(byName.activation.when).toBeNull();
  });

  it('orders parents before children and otherwise keeps input order', () => {
    const names = parseSearchSpace(EXAMPLE).params.map((p) => p.name);
    expect(names).toEqual(['learning_rate', 'dropout', 'batch_size', 'starting_channels', 'width', 'activation', 'optimizer', 'momentum']);
    const chain = parseSearchSpace({
      c: { type: 'int', low: 0, high: 1, when: { b: ['x'] } },
      b: { type: 'categorical', choices: ['x'], when: { a: [true] } },
      a: { type: 'categorical', choices: [true, false] },
      d: { type: 'float', low: 0, high: 1 },
    });
    expect(chain.params.map((p) => p.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('round-trips through searchSpaceToJSON', () => {
    const space = parseSearchSpace(EXAMPLE);
    expect(parseSearchSpace(JSON.parse(JSON.stringify(searchSpaceToJSON(space))))).toEqual(space);
  });

  it('accepts a float with step 1 and a single-valued range', () => {
    expect(parseSearchSpace({ x: { type: 'float', low: 0, high: 5, step: 1 } }).params[0].distribution).toMatchObject({ step: 1 });
    expect(parseSearchSpace({ x: { type: 'int', low: 3, high: 3 } }).params[0].distribution).toMatchObject({ low: 3, high: 3 });
  });

  it('rejects what is not an object of definitions', () => {
    for (const bad of [null, [], 'x', 3, {}]) expect(issuesOf(bad)).toHaveLength(1);
    expect(issuesOf({ x: 5 })).toEqual([{ param: 'x', message: expect.stringMatching(/object/) }]);
    expect(issuesOf({ '': { type: 'int', low: 0, high: 1 } })[0].message).toMatch(/empty/);
  });

  it.each([
    ['unknown type', { type: 'double', low: 0, high: 1 }, /unknown type "double"/],
    ['missing type', { low: 0, high: 1 }, /type is required/],
    ['missing low', { type: 'float', high: 1 }, /low is required/],
    ['non-finite high', { type: 'float', low: 0, high: Infinity }, /high must be a finite number/],
    ['string bound', { type: 'int', low: '0', high: 1 }, /low must be a finite number/],
    ['low above high', { type: 'float', low: 2, high: 1 }, /low \(2\) must not exceed high \(1\)/],
    ['log with low 0', { type: 'float', low: 0, high: 1, log: true }, /log scale needs low > 0/],
    ['log int with negative low', { type: 'int', low: -3, high: 8, log: true }, /log scale needs low > 0/],
    ['log with step', { type: 'float', low: 1, high: 2, log: true, step: 0.5 }, /log and step cannot be combined/],
    ['non-boolean log', { type: 'float', low: 1, high: 2, log: 'yes' }, /log must be a boolean/],
    ['zero step', { type: 'float', low: 0, high: 1, step: 0 }, /step must be a positive/],
    ['negative step', { type: 'int', low: 0, high: 10, step: -2 }, /step must be a positive/],
    ['step not dividing the range', { type: 'float', low: 0, high: 1, step: 0.3 }, /does not divide/],
    ['int step not dividing the range', { type: 'int', low: 0, high: 10, step: 3 }, /does not divide/],
    ['fractional int bound', { type: 'int', low: 0.5, high: 10 }, /low must be an integer/],
    ['fractional int step', { type: 'int', low: 0, high: 10, step: 2.5 }, /step must be an integer/],
    ['unknown key', { type: 'float', low: 0, high: 1, scale: 'log' }, /unknown key "scale"/],
    ['choices on a float', { type: 'float', low: 0, high: 1, choices: [1] }, /unknown key "choices"/],
    ['missing choices', { type: 'categorical' }, /choices is required/],
    ['empty choices', { type: 'categorical', choices: [] }, /must not be empty/],
    ['duplicate choices', { type: 'categorical', choices: ['a', 'b', 'a'] }, /duplicate choice "a"/],
    ['null choice', { type: 'categorical', choices: ['a', null] }, /index 1 .* got null/],
    ['object choice', { type: 'categorical', choices: [{ a: 1 }] }, /index 0 .* got object/],
    ['low on a categorical', { type: 'categorical', choices: ['a'], low: 0 }, /unknown key "low"/],
  ])('rejects %s, naming the parameter', (_label, def, message) => {
    const issues = issuesOf({ p: def });
    expect(issues.some((i) => i.param === 'p' && message.test(i.message))).toBe(true);
  });

  it('keeps step precision: 0.05 divides [0, 0.5] and 0.1 divides [0.1, 0.7]', () => {
    expect(() => parseSearchSpace({ a: { type: 'float', low: 0, high: 0.5, step: 0.05 }, b: { type: 'float', low: 0.1, high: 0.7, step: 0.1 } })).not.toThrow();
  });

  it.each([
    ['a missing parent', { x: { type: 'float', low: 0, high: 1, when: { opt: ['a'] } } }, 'x', /not a parameter/],
    ['a numeric parent', { n: { type: 'int', low: 0, high: 3 }, x: { type: 'float', low: 0, high: 1, when: { n: [1] } } }, 'x', /int, not categorical/],
    ['a value that is not a choice', { o: { type: 'categorical', choices: ['a'] }, x: { type: 'float', low: 0, high: 1, when: { o: ['b'] } } }, 'x', /"b", which is not one of its choices/],
    ['a choice of another type', { o: { type: 'categorical', choices: [1] }, x: { type: 'float', low: 0, high: 1, when: { o: ['1'] } } }, 'x', /not one of its choices/],
    ['an empty value list', { o: { type: 'categorical', choices: ['a'] }, x: { type: 'float', low: 0, high: 1, when: { o: [] } } }, 'x', /non-empty list/],
    ['an empty condition', { x: { type: 'float', low: 0, high: 1, when: {} } }, 'x', /at least one/],
    ['itself', { o: { type: 'categorical', choices: ['a'], when: { o: ['a'] } } }, 'o', /itself/],
  ])('rejects a when naming %s', (_label, json, param, message) => {
    expect(issuesOf(json).some((i) => i.param === param && message.test(i.message))).toBe(true);
  });

  it('rejects cycles, naming every parameter on them', () => {
    const issues = issuesOf({
      a: { type: 'categorical', choices: ['x'], when: { c: ['z'] } },
      b: { type: 'categorical', choices: ['y'], when: { a: ['x'] } },
      c: { type: 'categorical', choices: ['z'], when: { b: ['y'] } },
      d: { type: 'categorical', choices: ['w'], when: { a: ['x'] } },
    });
    expect(issues.filter((i) => /cycle/.test(i.message)).map((i) => i.param).sort()).toEqual(['a', 'b', 'c']);
  });

  it('lists every problem of every parameter in one error', () => {
    const issues = issuesOf({
      a: { type: 'float', low: 1, high: 0, step: 0.3, extra: true },
      b: { type: 'categorical', choices: [] },
      c: { type: 'int', low: 0, high: 5, when: { nope: ['x'] } },
    });
    expect(new Set(issues.map((i) => i.param))).toEqual(new Set(['a', 'b', 'c']));
    expect(issues.filter((i) => i.param === 'a').length).toBeGreaterThanOrEqual(2);
  });
});
