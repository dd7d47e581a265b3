import { describe, expect, it } from 'vitest';
import {
  OBJECTIVES,
  efficiency,
  logEfficiency,
  objectiveDirection,
  objectiveValue,
  parseObjectiveName,
  violatesConstraints,
} from '../../src/study/objectives.js';

describe('objectives', () => {
  it('knows each objective and its direction', () => {
    expect(OBJECTIVES).toEqual({ vloss: 'minimize', accuracy: 'maximize', f1: 'maximize', efficiency: 'maximize' });
    expect(objectiveDirection('vloss')).toBe('minimize');
    expect(objectiveDirection('efficiency')).toBe('maximize');
    expect(() => parseObjectiveName('loss')).toThrow(/objective must be one of vloss, accuracy, f1, efficiency, got "loss"/);
    expect(() => parseObjectiveName('toString')).toThrow(/objective must be one of/);
  });

  it('computes efficiency and its log form', () => {
    expect(efficiency(0.5, 1000)).toBe(0.002);
    expect(logEfficiency(0.5, 1000)).toBeCloseTo(-Math.log10(500), 12);
    expect(logEfficiency(0.54, 875_592)).toBeCloseTo(-5.6747, 4);
    expect(efficiency(NaN, 10)).toBeNaN();
    expect(() => efficiency(0.5, 0)).toThrow(/params must be an integer >= 1, got 0/);
    expect(() => logEfficiency(-1, 10)).toThrow(/vloss must be a number >= 0, got -1/);
  });

  it('pins why raw efficiency misleads: a chance-level tiny model beats the seed model by about 205x', () => {
    const chance = efficiency(Math.LN10, 1_000);
    const seedModel = efficiency(0.54, 875_592);
    expect(chance / seedModel).toBeCloseTo(205.34, 2);
    expect(logEfficiency(Math.LN10, 1_000) - logEfficiency(0.54, 875_592)).toBeCloseTo(Math.log10(205.34), 4);
  });

  it('reads the objective value of a trial', () => {
    const m = { vloss: 0.6, accuracy: 0.8, f1: 0.78, params: 10_000 };
    expect(objectiveValue('vloss', m)).toBe(0.6);
    expect(objectiveValue('accuracy', m)).toBe(0.8);
    expect(objectiveValue('f1', m)).toBe(0.78);
    expect(objectiveValue('efficiency', m)).toBeCloseTo(-Math.log10(6000), 12);
  });

  it.each([
    [{ params: 100, accuracy: 0.5 }, {}, false],
    [{ params: 100, accuracy: 0.5 }, { maxParams: 100 }, false],
    [{ params: 101, accuracy: 0.5 }, { maxParams: 100 }, true],
    [{ params: 100, accuracy: 0.5 }, { minAccuracy: 0.5 }, false],
    [{ params: 100, accuracy: 0.49 }, { minAccuracy: 0.5 }, true],
    [{ params: 100, accuracy: NaN }, { minAccuracy: 0.1 }, true],
    [{ params: 100, accuracy: 0.9 }, { maxParams: null, minAccuracy: null }, false],
  ])('violatesConstraints(%j, %j) is %s', (metrics, constraints, expected) => {
    expect(violatesConstraints(metrics, constraints)).toBe(expected);
  });

  it('rejects bad constraints naming the field', () => {
    expect(() => violatesConstraints({ params: 1, accuracy: 1 }, { maxParams: 0 })).toThrow(/maxParams must be >= 1/);
    expect(() => violatesConstraints({ params: 1, accuracy: 1 }, { minAccuracy: 2 })).toThrow(/minAccuracy must be within \[0, 1\]/);
  });
});
