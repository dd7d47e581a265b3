import { efficiency, logEfficiency } from '@tunefleet/search';
import { describe, expect, it } from 'vitest';
import { epochReport, finalUpdate } from '../src/trial-metrics.js';

describe('epochReport', () => {
  it('takes the study metric as the value and keeps the other measurements', () => {
    expect(epochReport('vloss', 2, { vloss: 0.7, accuracy: 0.6, f1: 0.5, trainLoss: 0.8, imagesPerSec: 900, elapsedMs: 12 }, 1000)).toEqual({
      epoch: 2,
      value: 0.7,
      vloss: 0.7,
      accuracy: 0.6,
      macroF1: 0.5,
      trainLoss: 0.8,
      imagesPerSec: 900,
      elapsedMs: 12,
    });
    expect(epochReport('f1', 1, { f1: 0.5, elapsedMs: 1 }, null)).toMatchObject({ value: 0.5 });
    expect(epochReport('value', 1, { value: -3, elapsedMs: 1 }, null)).toMatchObject({ value: -3 });
  });

  it('computes efficiency from vloss and the stored parameter count', () => {
    expect(epochReport('efficiency', 1, { vloss: 0.5, elapsedMs: 1 }, 2000)).toMatchObject({ value: logEfficiency(0.5, 2000) });
  });

  it('says which measurement is missing', () => {
    expect(epochReport('accuracy', 1, { vloss: 1, elapsedMs: 1 }, 10)).toEqual({ missing: 'accuracy' });
    expect(epochReport('efficiency', 1, { vloss: 1, elapsedMs: 1 }, null)).toEqual({ missing: 'parameterCount' });
    expect(epochReport('value', 1, { vloss: 1, elapsedMs: 1 }, null)).toEqual({ missing: 'value' });
  });
});

describe('finalUpdate', () => {
  it('stores final metrics, efficiency and the objective value', () => {
    const update = finalUpdate(
      'efficiency',
      { vloss: 0.5, accuracy: 0.8, f1: 0.7, perClassAccuracy: [0.8, 0.8], confusionMatrix: [[4, 1], [1, 4]], parameterCount: 1000 },
      null,
    );
    expect(update).toEqual({
      vloss: 0.5,
      accuracy: 0.8,
      macroF1: 0.7,
      perClassAccuracy: [0.8, 0.8],
      confusionMatrix: [[4, 1], [1, 4]],
      parameterCount: 1000,
      efficiency: efficiency(0.5, 1000),
      objectiveValue: logEfficiency(0.5, 1000),
    });
  });

  it('falls back to the parameter count stored at dispatch', () => {
    expect(finalUpdate('efficiency', { vloss: 0.5 }, 400)).toMatchObject({ parameterCount: 400, efficiency: efficiency(0.5, 400) });
  });

  it('stores a function value without model metrics', () => {
    expect(finalUpdate('value', { value: 0.4 }, null)).toMatchObject({ objectiveValue: 0.4, efficiency: null, vloss: null });
    expect(finalUpdate('vloss', { value: 0.4 }, null)).toEqual({ missing: 'vloss' });
  });
});
