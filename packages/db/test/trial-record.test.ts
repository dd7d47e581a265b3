import { describe, expect, it } from 'vitest';
import { Prisma } from '../src/generated/client.js';
import { DbInputError } from '../src/errors.js';
import { type TrialUpdate, toUpdateData } from '../src/trial-record.js';

function inputError(update: unknown): DbInputError {
  try {
    toUpdateData(update as TrialUpdate);
  } catch (err) {
    if (err instanceof DbInputError) return err;
    throw err;
  }
  throw new Error('expected a DbInputError');
}

describe('toUpdateData', () => {
  it('passes valid fields through and maps JSON arrays', () => {
    expect(
      toUpdateData({ workerId: 'w1', objectiveValue: 0.5, perClassAccuracy: [0.5, 1], confusionMatrix: [[1, 0], [0, 1]] }),
    ).toEqual({ workerId: 'w1', objectiveValue: 0.5, perClassAccuracy: [0.5, 1], confusionMatrix: [[1, 0], [0, 1]] });
  });

  it('stores an explicit null JSON field as SQL NULL', () => {
    expect(toUpdateData({ confusionMatrix: null }).confusionMatrix).toBe(Prisma.DbNull);
  });

  it.each([
    [{ state: 'COMPLETE' }, 'state'],
    [{ attempts: 1.5 }, 'attempts'],
    [{ attempts: -1 }, 'attempts'],
    [{ parameterCount: 2 ** 31 }, 'parameterCount'],
    [{ objectiveValue: '0.5' }, 'objectiveValue'],
    [{ failureMessage: 42 }, 'failureMessage'],
    [{ perClassAccuracy: [0.5, Number.NaN] }, 'perClassAccuracy[1]'],
    [{ confusionMatrix: [[1, 'x']] }, 'confusionMatrix[0][1]'],
  ])('rejects %j naming the field %s', (update, field) => {
    expect(inputError(update)).toMatchObject({ code: 'INVALID_INPUT', field });
  });
});
