import { describe, expect, it } from 'vitest';
import { gridValue, isActive, parseSearchSpace, SearchSpaceError, snapToGrid, validateParams, valueProblem } from '../../src/index.js';

const space = parseSearchSpace({
  optimizer: { type: 'categorical', choices: ['sgd', 'adam'] },
  momentum: { type: 'float', low: 0.5, high: 0.99, when: { optimizer: ['sgd'] } },
  nesterov: { type: 'categorical', choices: [true, false], when: { optimizer: ['sgd'] } },
  gain: { type: 'int', low: 1, high: 4, when: { nesterov: [true] } },
  dropout: { type: 'float', low: 0, high: 0.5, step: 0.05 },
  whole: { type: 'float', low: 0, high: 5, step: 1 },
  width: { type: 'int', low: 8, high: 1024, log: true },
});
const spec = (name: string) => space.params.find((p) => p.name === name)!;

function issues(params: Record<string, unknown>): string[] {
  try {
    validateParams(space, params as never);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(SearchSpaceError);
    return (err as SearchSpaceError).issues.map((i) => `${i.param}: ${i.message}`);
  }
}

describe('isActive', () => {
  it('needs every parent present with a listed value', () => {
    expect(isActive(spec('momentum'), { optimizer: 'sgd' })).toBe(true);
    expect(isActive(spec('momentum'), { optimizer: 'adam' })).toBe(false);
    expect(isActive(spec('momentum'), {})).toBe(false);
    expect(isActive(spec('optimizer'), {})).toBe(true);
  });

  it('compares values strictly: true is not 1', () => {
    expect(isActive(spec('gain'), { optimizer: 'sgd', nesterov: true })).toBe(true);
    expect(isActive(spec('gain'), { optimizer: 'sgd', nesterov: 1 })).toBe(false);
  });
});

describe('validateParams', () => {
  const good = { optimizer: 'sgd', momentum: 0.9, nesterov: true, gain: 2, dropout: 0.15, whole: 3, width: 100 };

  it('accepts valid params, including grid values with binary rounding noise', () => {
    expect(issues(good)).toEqual([]);
    expect(issues({ ...good, dropout: 0.15000000000000002 })).toEqual([]);
    expect(issues({ optimizer: 'adam', dropout: 0.5, whole: 0, width: 8 })).toEqual([]);
  });

  it('rejects off-grid, out-of-bounds, wrong-type and unknown values, naming each parameter', () => {
    const found = issues({ ...good, dropout: 0.12, whole: 2.5, width: 100.5, momentum: 1.2, gain: 'two', extra: 1 });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^dropout: .*grid/),
        expect.stringMatching(/^whole: .*grid/),
        expect.stringMatching(/^width: .*integer/),
        expect.stringMatching(/^momentum: .*outside/),
        expect.stringMatching(/^gain: .*finite number/),
        expect.stringMatching(/^extra: not a parameter/),
      ]),
    );
  });

  it('rejects inactive params that are present and active params that are missing', () => {
    expect(issues({ optimizer: 'adam', momentum: 0.9, dropout: 0, whole: 0, width: 8 })).toEqual([expect.stringMatching(/^momentum: present although inactive/)]);
    expect(issues({ optimizer: 'sgd', nesterov: false, dropout: 0, whole: 0, width: 8 })).toEqual([expect.stringMatching(/^momentum: missing/)]);
    // A child of an inactive parent is inactive too.
    expect(issues({ optimizer: 'adam', gain: 2, dropout: 0, whole: 0, width: 8 })).toEqual([expect.stringMatching(/^gain: present although inactive/)]);
  });
});

describe('grid helpers', () => {
  it('yields clean grid values and pins the last one to high', () => {
    expect(gridValue(0, 0.5, 0.05, 3)).toBe(0.15);
    expect(gridValue(0, 0.5, 0.05, 10)).toBe(0.5);
    expect(gridValue(25, 500, 25, 4)).toBe(125);
  });

  it('snaps to the nearest allowed value', () => {
    expect(snapToGrid(spec('dropout').distribution as never, 0.17)).toBe(0.15);
    expect(snapToGrid(spec('dropout').distribution as never, 0.9)).toBe(0.5);
    expect(snapToGrid(spec('whole').distribution as never, 1.6)).toBe(2);
    expect(snapToGrid(spec('width').distribution as never, 2000)).toBe(1024);
  });

  it('explains why a value does not belong to a distribution', () => {
    expect(valueProblem(spec('nesterov').distribution, 1)).toMatch(/not one of the choices/);
    expect(valueProblem(spec('dropout').distribution, NaN)).toMatch(/finite/);
    expect(valueProblem(spec('dropout').distribution, 0.45)).toBeNull();
  });
});
