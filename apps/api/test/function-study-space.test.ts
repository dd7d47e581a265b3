import { FUNCTION_OBJECTIVE_NAMES } from '@tunefleet/contracts';
import { describe, expect, it } from 'vitest';
import { StudySpecError } from '../src/errors.js';
import type { CreateStudyBody } from '../src/schemas/studies.js';
import { normaliseStudySpec } from '../src/study-spec.js';

const context = { defaultSeed: 7, functionNames: FUNCTION_OBJECTIVE_NAMES };
const float = { type: 'float', low: 0, high: 1 };

function study(name: string, space: Record<string, unknown>): CreateStudyBody {
  return { name: 'f', space, function: { name }, maxTrials: 10, parallelism: 2, pruner: { type: 'none', maxEpochs: 1 } } as CreateStudyBody;
}

function issues(body: CreateStudyBody): { field: string; message: string }[] {
  try {
    normaliseStudySpec(body, context);
    return [];
  } catch (err) {
    if (err instanceof StudySpecError) return [...err.issues];
    throw err;
  }
}

describe('the space of a function study', () => {
  it('accepts identifier names with numeric dimensions, numeric categorical choices included', () => {
    expect(issues(study('branin', { x1: float, x_2: { type: 'categorical', choices: [0, 0.5, 1] } }))).toEqual([]);
    expect(issues(study('sphere', { a: float, b: float, c: float }))).toEqual([]);
  });

  it('refuses names that are not identifiers, or that every object already has, at the name', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(issues(study('branin', { x1: float, [name]: float })).map((i) => i.field), name).toContain(`space.${name}`);
    }
    for (const name of ["require('fs')", '1x', 'a.b', 'x'.repeat(65), 'é']) {
      expect(issues(study('branin', { x1: float, [name]: float })).map((i) => i.field), name).toContain(`space.${name}`);
    }
  });

  it('refuses choices the function cannot take, at the choice', () => {
    const found = issues(study('branin', { x1: { type: 'categorical', choices: [1, 'relu', true] }, x2: float }));
    expect(found.map((i) => i.field)).toEqual(['space.x1.choices[1]', 'space.x1.choices[2]']);
  });

  it("checks the number of inputs against the function's", () => {
    expect(issues(study('branin', { x1: float, x2: float, x3: float }))).toEqual([
      { field: 'space', message: 'branin takes exactly 2 inputs, got 3' },
    ]);
    expect(issues(study('rosenbrock', { x1: float })).map((i) => i.field)).toEqual(['space']);
  });
});
