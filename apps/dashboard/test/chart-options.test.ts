import { describe, expect, it } from 'vitest';
import type { Curves, History, Importance, ParamRows, Pareto } from '../src/api-types.js';
import {
  LARGE_THRESHOLD,
  confusionChart,
  curvesChart,
  epochChart,
  historyChart,
  importanceChart,
  paddedExtent,
  parallelChart,
  paretoChart,
} from '../src/charts/options.js';

// The options are plain objects; these helpers read the parts the tests pin.
type AnySeries = Record<string, any>;
const series = (option: Record<string, unknown>): AnySeries[] => option.series as AnySeries[];

describe('historyChart', () => {
  const history: History = {
    studyId: 's',
    objective: 'value',
    direction: 'minimize',
    total: 4,
    points: [
      { trialId: 'a', number: 0, value: 3, best: 3, state: 'COMPLETE' },
      { trialId: 'b', number: 1, value: 5, best: 3, state: 'PRUNED' },
      { trialId: 'c', number: 2, value: NaN, best: 3, state: 'COMPLETE' },
      { trialId: 'd', number: 3, value: 1, best: 1, state: 'COMPLETE' },
    ],
  };

  it('draws one scatter series per state and counts only finite values', () => {
    const { option, points } = historyChart(history);
    expect(points).toBe(3);
    const scatter = series(option).filter((s) => s.type === 'scatter');
    expect(scatter.map((s) => [s.name, s.data])).toEqual([
      ['complete', [[0, 3], [3, 1]]],
      ['pruned', [[1, 5]]],
    ]);
  });

  it("draws the api's best-so-far as a step line", () => {
    const best = series(historyChart(history).option).find((s) => s.type === 'line') as AnySeries;
    expect(best.step).toBe('end');
    expect(best.data).toEqual([[0, 3], [1, 3], [2, 3], [3, 1]]);
  });

  it('switches scatter series to large mode past the threshold', () => {
    const many: History = {
      ...history,
      points: Array.from({ length: LARGE_THRESHOLD + 1 }, (_, i) => ({ trialId: String(i), number: i, value: i, best: 0, state: 'COMPLETE' as const })),
    };
    const scatter = series(historyChart(many).option)[0];
    expect(scatter.large).toBe(true);
    expect(series(historyChart(history).option)[0].large).toBe(false);
  });
});

describe('curvesChart', () => {
  const curves: Curves = {
    studyId: 's',
    metric: 'vloss',
    rungs: [1, 3],
    total: 3,
    trials: [
      { trialId: 'a', number: 0, state: 'COMPLETE', prunedAtRung: null, values: [[1, 2], [2, 1.5], [3, 1.2], [4, 1.1]] },
      { trialId: 'b', number: 1, state: 'PRUNED', prunedAtRung: 0, values: [[1, 2.2]] },
      { trialId: 'c', number: 2, state: 'RUNNING', prunedAtRung: null, values: [] },
    ],
  };

  it('draws one polyline per trial with values, pruned trials apart and marked where they stopped', () => {
    const { option, points } = curvesChart(curves);
    expect(points).toBe(2);
    const [kept, pruned, marks] = series(option);
    expect(kept.data).toEqual([{ coords: [[1, 2], [2, 1.5], [3, 1.2], [4, 1.1]] }]);
    // One value: a zero-length line, since an ECharts polyline needs two points.
    expect(pruned.data).toEqual([{ coords: [[1, 2.2], [1, 2.2]] }]);
    expect(marks.data).toEqual([[1, 2.2]]);
  });

  it('draws a vertical line at every rung', () => {
    const marks = series(curvesChart(curves).option)[2];
    expect(marks.markLine.data).toEqual([{ xAxis: 1 }, { xAxis: 3 }]);
  });
});

describe('parallelChart', () => {
  const params: ParamRows = {
    studyId: 's',
    objective: 'vloss',
    direction: 'minimize',
    total: 3,
    dimensions: [
      { name: 'learning_rate', type: 'float', low: 1e-4, high: 1e-2, log: true },
      { name: 'cnn_layers', type: 'int', low: 4, high: 8 },
      { name: 'activation', type: 'categorical', choices: ['relu', 'gelu'] },
    ],
    rows: [
      { trialId: 'a', number: 0, state: 'COMPLETE', values: [1e-3, 5, 'relu'], objectiveValue: 0.9 },
      { trialId: 'b', number: 1, state: 'PRUNED', values: [1e-2, 4, 'gelu'], objectiveValue: 1.4 },
      { trialId: 'c', number: 2, state: 'RUNNING', values: [1e-4, 8, 'relu'], objectiveValue: null },
    ],
  };

  it('has an axis per dimension of the kind the space says, and the objective last', () => {
    const axes = parallelChart(params).option.parallelAxis as AnySeries[];
    expect(axes.map((a) => [a.name, a.type])).toEqual([
      ['learning_rate', 'log'],
      ['cnn_layers', 'value'],
      ['activation', 'category'],
      ['vloss', 'value'],
    ]);
    expect(axes[2].data).toEqual(['relu', 'gelu']);
  });

  it('draws the trials with an objective value, coloured by it with the best end warm', () => {
    const { option, points } = parallelChart(params);
    expect(points).toBe(2);
    expect(series(option)[0].data).toEqual([
      [1e-3, 5, 'relu', 0.9],
      [1e-2, 4, 'gelu', 1.4],
    ]);
    const visualMap = option.visualMap as AnySeries;
    expect(visualMap.dimension).toBe(3);
    // Minimising: the lowest value gets the last (warmest) colour.
    expect(visualMap.inRange.color[0]).toBe('#d73027');
  });
});

describe('importanceChart', () => {
  it('puts the most important hyperparameter on top', () => {
    const importance: Importance = {
      studyId: 's',
      method: 'fanova',
      trials: 20,
      importances: [
        { name: 'learning_rate', importance: 0.7 },
        { name: 'dropout', importance: 0.1 },
        { name: 'cnn_layers', importance: 0.2 },
      ],
    };
    const { option, points } = importanceChart(importance);
    expect(points).toBe(3);
    // A category y axis draws its first entry at the bottom.
    expect((option.yAxis as AnySeries).data).toEqual(['dropout', 'cnn_layers', 'learning_rate']);
    expect(series(option)[0].data).toEqual([0.1, 0.2, 0.7]);
  });
});

describe('paretoChart', () => {
  it('draws every point on a log x axis and the front in order of parameters', () => {
    const pareto: Pareto = {
      studyId: 's',
      axes: ['vloss', 'parameterCount'],
      frontSize: 2,
      points: [
        { trialId: 'a', number: 0, vloss: 0.8, parameterCount: 500_000, accuracy: 0.8, onFront: true },
        { trialId: 'b', number: 1, vloss: 1.2, parameterCount: 20_000, accuracy: 0.6, onFront: true },
        { trialId: 'c', number: 2, vloss: 1.3, parameterCount: 600_000, accuracy: 0.5, onFront: false },
      ],
    };
    const { option, points } = paretoChart(pareto);
    expect(points).toBe(3);
    expect((option.xAxis as AnySeries).type).toBe('log');
    const [others, front] = series(option);
    expect(others.data).toEqual([[600_000, 1.3, 2]]);
    expect(front.data).toEqual([
      [20_000, 1.2, 1],
      [500_000, 0.8, 0],
    ]);
  });
});

describe('trial charts', () => {
  it('lays a confusion matrix out as true class by row, prediction by column', () => {
    const { option, points } = confusionChart(
      [
        [8, 2],
        [1, 9],
      ],
      ['cat', 'dog'],
    );
    expect(points).toBe(4);
    expect(series(option)[0].data).toEqual([
      [0, 0, 8],
      [1, 0, 2],
      [0, 1, 1],
      [1, 1, 9],
    ]);
    expect((option.visualMap as AnySeries).max).toBe(9);
  });

  it('plots each per-epoch metric that was reported', () => {
    const epoch = (n: number, vloss: number | null) => ({
      epoch: n,
      value: vloss ?? 0,
      vloss,
      accuracy: 0.5,
      f1: null,
      trainLoss: null,
      imagesPerSec: null,
      elapsedMs: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const { option, points } = epochChart([epoch(1, 1.5), epoch(2, null)]);
    expect(points).toBe(2);
    const byName = Object.fromEntries(series(option).map((s) => [s.name, s.data]));
    expect(byName['validation loss']).toEqual([[1, 1.5]]);
    expect(byName.accuracy).toEqual([
      [1, 0.5],
      [2, 0.5],
    ]);
    expect(byName['macro-F1']).toEqual([]);
  });
});

describe('paddedExtent', () => {
  it('pads finite values by 5% and ignores the rest', () => {
    expect(paddedExtent([1, 3, NaN, Infinity])).toEqual([0.9, 3.1]);
    expect(paddedExtent([])).toBeNull();
    expect(paddedExtent([2, 2])).toEqual([1.9, 2.1]);
  });
});
