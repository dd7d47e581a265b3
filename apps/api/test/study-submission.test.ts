import { describe, expect, it } from 'vitest';
import { validateStudySubmission } from '../src/study-submission.js';
import { cnnStudyBody, functionStudyBody } from './helpers.js';

describe('validateStudySubmission', () => {
  it('accepts a valid CNN submission and returns what the api stores', () => {
    const result = validateStudySubmission(cnnStudyBody({ seed: 7 }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.study).toMatchObject({ metric: 'vloss', direction: 'minimize', seed: 7, objective: { kind: 'cnn' } });
  });

  it('uses the given default seed when the submission has none', () => {
    const result = validateStudySubmission(functionStudyBody(), { defaultSeed: 1234 });
    expect(result.ok && result.study.seed).toBe(1234);
  });

  it('reports schema problems as the api does, every one naming its field', () => {
    const body = functionStudyBody({ maxTrials: 'many', pruner: { type: 'none', maxEpochs: 1, extra: true } });
    delete body.name;
    const result = validateStudySubmission(body);
    expect(result).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'is required' },
        { path: 'maxTrials', message: 'must be integer' },
        { path: 'pruner.extra', message: 'is not a known property' },
      ]),
    );
  });

  it('coerces scalars as the api parses a request body', () => {
    const result = validateStudySubmission(functionStudyBody({ maxTrials: '12' }));
    expect(result.ok && result.body.maxTrials).toBe(12);
  });

  it('reports the rules beyond the schema at the exact key', () => {
    const result = validateStudySubmission(
      cnnStudyBody({ space: { dropout: { type: 'float', low: 0, high: 0.99 } }, direction: 'maximize' }),
    );
    expect(result).toMatchObject({ ok: false, code: 'STUDY_SPEC_INVALID' });
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual(['direction', 'space.dropout.high']);
  });

  it('checks function names against the given list', () => {
    expect(validateStudySubmission(functionStudyBody(), { functionNames: ['sphere'] })).toMatchObject({
      ok: false,
      issues: [{ path: 'function.name' }],
    });
  });
});
