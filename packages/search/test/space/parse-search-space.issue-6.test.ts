import { describe, expect, it } from 'vitest';
import { SearchSpaceError, parseSearchSpace } from '../../src/index.js';

// Issue 6 (api fuzzing): an object whose toString is not a function, where a scalar belongs, made
// the error message itself throw a TypeError, which the api answered with a 500.
describe('parseSearchSpace with objects where scalars belong', () => {
  it.each([
    [{ lr: { type: { toString: '' }, low: 1, high: 2 } }, 'unknown type {"toString":""}'],
    [{ lr: { type: 'float', low: { toString: '' }, high: 2 } }, 'low must be a finite number, got {"toString":""}'],
    [{ lr: { type: 'float', low: 1, high: 2, log: { toString: '' } } }, 'log must be a boolean, got {"toString":""}'],
    [{ lr: { type: 'float', low: 1, high: 2, step: [{ toString: '' }] } }, 'step must be a positive finite number, got [{"toString":""}]'],
  ])('reports %j as a SearchSpaceError', (space, message) => {
    expect(() => parseSearchSpace(space)).toThrow(SearchSpaceError);
    expect(() => parseSearchSpace(space)).toThrow(message);
  });
});
