import { describe, expect, it } from 'vitest';
import {
  addConfusionMatrices,
  classificationMetrics,
  confusionMatrix,
  metricsFromConfusionMatrix,
} from '../src/metrics.js';

describe('confusionMatrix', () => {
  it('counts true classes in rows and predicted classes in columns', () => {
    expect(confusionMatrix([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('accepts typed arrays', () => {
    expect(confusionMatrix(new Uint8Array([1, 0]), new Int32Array([1, 1]), 2)).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it('rejects mismatched lengths and out-of-range classes, naming the field', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/^predictions: length 1/);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(/^labels\[1\]/);
    expect(() => confusionMatrix([0, 1], [0, -1], 2)).toThrow(/^predictions\[1\]/);
    expect(() => confusionMatrix([0], [0.5], 2)).toThrow(/^predictions\[0\]/);
    expect(() => confusionMatrix([], [], 0)).toThrow(/^classCount/);
  });
});

describe('classificationMetrics', () => {
  it('matches a hand-computed three-class case', () => {
    // recall [2/3, 1/2, 1], precision [1, 1/2, 1/2], F1 [0.8, 0.5, 2/3]
    const m = classificationMetrics([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 3);
    expect(m.count).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.perClassAccuracy).toEqual([2 / 3, 1 / 2, 1]);
    expect(m.meanClassAccuracy).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 12);
    expect(m.perClassPrecision).toEqual([1, 1 / 2, 1 / 2]);
    expect(m.perClassF1[0]).toBeCloseTo(0.8, 12);
    expect(m.perClassF1[1]).toBeCloseTo(0.5, 12);
    expect(m.perClassF1[2]).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('counts 0 for classes that never occur or are never predicted (zero_division=0)', () => {
    // class 2 is predicted once but never true; class 3 is neither true nor predicted.
    const m = classificationMetrics([0, 1, 1], [0, 1, 2], 4);
    expect(m.perClassAccuracy).toEqual([1, 0.5, 0, 0]);
    expect(m.perClassPrecision).toEqual([1, 1, 0, 0]);
    expect(m.perClassF1[1]).toBeCloseTo(2 / 3, 12);
    expect(m.perClassF1.slice(2)).toEqual([0, 0]);
    expect(m.macroF1).toBeCloseTo((1 + 2 / 3) / 4, 12);
    expect(m.meanClassAccuracy).toBeCloseTo(1.5 / 4, 12);
    expect(m.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('gives perfect scores for perfect predictions and zeros for an empty split', () => {
    const perfect = classificationMetrics([0, 1, 2, 2], [0, 1, 2, 2], 3);
    expect([perfect.accuracy, perfect.macroF1, perfect.meanClassAccuracy]).toEqual([1, 1, 1]);
    const empty = classificationMetrics([], [], 3);
    expect([empty.accuracy, empty.macroF1, empty.count]).toEqual([0, 0, 0]);
  });

  it('separates accuracy from mean class accuracy on imbalanced data', () => {
    // 9 of class 0 all right, 1 of class 1 wrong: accuracy 0.9, balanced accuracy 0.5.
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const m = classificationMetrics(labels, new Array(10).fill(0), 2);
    expect(m.accuracy).toBeCloseTo(0.9, 12);
    expect(m.meanClassAccuracy).toBeCloseTo(0.5, 12);
    // class 0: precision 0.9, recall 1 → F1 18/19; class 1: 0
    expect(m.macroF1).toBeCloseTo(18 / 19 / 2, 12);
  });
});

describe('metricsFromConfusionMatrix', () => {
  it('equals the metrics of the concatenated data when matrices are summed batch by batch', () => {
    const a = confusionMatrix([0, 1, 2], [0, 2, 2], 3);
    const b = confusionMatrix([2, 1, 0], [1, 1, 0], 3);
    const summed = metricsFromConfusionMatrix(addConfusionMatrices(a, b));
    expect(summed).toEqual(classificationMetrics([0, 1, 2, 2, 1, 0], [0, 2, 2, 1, 1, 0], 3));
  });

  it('rejects a matrix that is not square', () => {
    expect(() => metricsFromConfusionMatrix([[1, 0], [0]])).toThrow(/^confusionMatrix\[1\]/);
  });
});
