/**
 * ECharts options for every plot, built from api answers. Pure (no DOM), so the unit tests check
 * what each plot shows. Each builder also returns `points`: how many data items the plot draws,
 * which the chart container exposes as `data-points`.
 *
 * Big studies: scatter series switch to ECharts' `large` mode past LARGE_THRESHOLD points, the
 * learning curves are one `lines` series of polylines (not one series per trial), and the
 * parallel-coordinates lines render progressively, so 10,000 trials stay interactive.
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { Curves, Direction, History, Importance, ParamRows, Pareto, TrialDetail } from '../api-types.js';
import { formatCompact, formatNumber } from '../format.js';
import { ACCENT, BEST, FRONT, MUTED, SEQUENTIAL, STATE_COLOURS } from './palette.js';

export interface ChartSpec {
  readonly option: EChartsCoreOption;
  /** Data items drawn (scatter points, curves, parallel lines, bars, heatmap cells). */
  readonly points: number;
}

export const LARGE_THRESHOLD = 2_000;

/** The objective as its values read: an efficiency study's objective value is log10 efficiency. */
export function objectiveLabel(objective: string): string {
  return objective === 'efficiency' ? 'log10 efficiency' : objective;
}
const PROGRESSIVE_CHUNK = 1_000;

const AXIS_NAME = { nameLocation: 'middle', nameGap: 32, nameTextStyle: { color: '#4a5563' } } as const;
const GRID = { left: 64, right: 24, top: 36, bottom: 52, containLabel: false } as const;
const TEXT = { fontFamily: 'inherit' } as const;

const scatterMode = (n: number) => ({ large: n > LARGE_THRESHOLD, largeThreshold: LARGE_THRESHOLD, progressive: PROGRESSIVE_CHUNK });

/** [min, max] of finite values padded by 5%, or null when there is none. */
export function paddedExtent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.abs(hi) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

/**
 * Optimization history: every trial's objective value by trial number, coloured by state, and the
 * best value so far as a step line (the api's `best`, so the rule for "best" stays server-side).
 */
export function historyChart(history: History): ChartSpec {
  const byState = new Map<string, [number, number][]>();
  const best: [number, number][] = [];
  let points = 0;
  for (const p of history.points) {
    if (p.value !== null && Number.isFinite(p.value)) {
      const list = byState.get(p.state) ?? [];
      list.push([p.number, p.value]);
      byState.set(p.state, list);
      points++;
    }
    if (p.best !== null && Number.isFinite(p.best)) best.push([p.number, p.best]);
  }
  const states = [...byState.keys()].sort();
  return {
    points,
    option: {
      textStyle: TEXT,
      animation: false,
      grid: GRID,
      legend: { top: 0, right: 8, itemWidth: 12, itemHeight: 8 },
      tooltip: { trigger: 'item', valueFormatter: (v: unknown) => formatNumber(v as number) },
      xAxis: { type: 'value', name: 'trial number', ...AXIS_NAME, minInterval: 1 },
      yAxis: { type: 'value', name: objectiveLabel(history.objective), ...AXIS_NAME, nameGap: 48, scale: true },
      dataZoom: [{ type: 'inside' }],
      series: [
        ...states.map((state) => {
          const data = byState.get(state) ?? [];
          return {
            name: state.toLowerCase(),
            type: 'scatter',
            data,
            symbolSize: data.length > LARGE_THRESHOLD ? 3 : 6,
            itemStyle: { color: STATE_COLOURS[state as keyof typeof STATE_COLOURS] ?? MUTED, opacity: 0.7 },
            ...scatterMode(data.length),
          };
        }),
        {
          name: `best so far (${history.direction})`,
          type: 'line',
          step: 'end',
          showSymbol: false,
          data: best,
          lineStyle: { color: BEST, width: 2 },
          itemStyle: { color: BEST },
          z: 3,
        },
      ],
    },
  };
}

/**
 * Learning curves: each trial's per-epoch vloss as one polyline; pruned trials in their own colour
 * with a marker where they stopped, and a dashed vertical line at every rung.
 */
export function curvesChart(curves: Curves): ChartSpec {
  const kept: { coords: [number, number][] }[] = [];
  const pruned: { coords: [number, number][] }[] = [];
  const stops: [number, number][] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const t of curves.trials) {
    const coords = t.values.filter(([, v]) => Number.isFinite(v)).map(([e, v]) => [e, v] as [number, number]);
    if (coords.length === 0) continue;
    // A polyline needs two points (ECharts reads the second unchecked): a trial stopped after its
    // first epoch is a zero-length line, seen through its marker when pruned.
    if (coords.length === 1) coords.push([...coords[0]]);
    for (const [e, v] of coords) {
      xs.push(e);
      ys.push(v);
    }
    if (t.state === 'PRUNED') {
      pruned.push({ coords });
      // A pruned trial reports nothing after the rung that stopped it: its last value is the mark.
      stops.push(coords[coords.length - 1]);
    } else {
      kept.push({ coords });
    }
  }
  const maxEpoch = Math.max(1, ...xs, ...curves.rungs);
  const yExtent = paddedExtent(ys) ?? [0, 1];
  const lineSeries = (name: string, data: { coords: [number, number][] }[], colour: string) => ({
    name,
    type: 'lines',
    coordinateSystem: 'cartesian2d',
    polyline: true,
    data,
    large: data.length > LARGE_THRESHOLD,
    largeThreshold: LARGE_THRESHOLD,
    progressive: PROGRESSIVE_CHUNK,
    lineStyle: { color: colour, width: 1.2, opacity: data.length > 500 ? 0.15 : 0.55 },
    silent: true,
  });
  return {
    points: kept.length + pruned.length,
    option: {
      textStyle: TEXT,
      animation: false,
      grid: GRID,
      legend: { top: 0, right: 8, itemWidth: 12, itemHeight: 8, data: ['completed / running', 'pruned', 'pruned at'] },
      tooltip: { trigger: 'item', valueFormatter: (v: unknown) => formatNumber(v as number) },
      xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, min: curves.trials.some((t) => t.values.some(([e]) => e === 0)) ? 0 : 1, max: maxEpoch, minInterval: 1 },
      yAxis: { type: 'value', name: 'validation loss', ...AXIS_NAME, nameGap: 48, min: yExtent[0], max: yExtent[1], axisLabel: { formatter: (v: number) => formatNumber(v, 3) } },
      series: [
        lineSeries('completed / running', kept, ACCENT),
        lineSeries('pruned', pruned, STATE_COLOURS.PRUNED),
        {
          name: 'pruned at',
          type: 'scatter',
          data: stops,
          symbol: 'diamond',
          symbolSize: stops.length > LARGE_THRESHOLD ? 4 : 7,
          itemStyle: { color: STATE_COLOURS.PRUNED, borderColor: '#fff', borderWidth: 0.5 },
          ...scatterMode(stops.length),
          markLine: {
            silent: true,
            symbol: 'none',
            label: { formatter: 'rung {c}', position: 'insideEndTop', color: '#4a5563' },
            lineStyle: { color: '#4a5563', type: 'dashed', width: 1 },
            data: curves.rungs.map((r) => ({ xAxis: r })),
          },
        },
      ],
    },
  };
}

/** Parallel coordinates: one axis per hyperparameter (log, int, categorical as the space says) and
 * the objective last, lines coloured by objective value, the best end warm. */
export function parallelChart(params: ParamRows): ChartSpec {
  const rows = params.rows.filter((r) => r.objectiveValue !== null && Number.isFinite(r.objectiveValue));
  const dims = params.dimensions;
  const data = rows.map((r) => [...dims.map((d, i) => (d.type === 'categorical' ? String(r.values[i]) : r.values[i])), r.objectiveValue as number]);
  const objectiveExtent = paddedExtent(rows.map((r) => r.objectiveValue as number)) ?? [0, 1];
  const colours = params.direction === 'minimize' ? [...SEQUENTIAL].reverse() : SEQUENTIAL;
  return {
    points: rows.length,
    option: {
      textStyle: TEXT,
      animation: false,
      parallel: { left: 56, right: 96, top: 48, bottom: 28, parallelAxisDefault: { nameLocation: 'start', nameGap: 16, nameTextStyle: { color: '#1f2933', fontSize: 12 } } },
      parallelAxis: [
        ...dims.map((d, i) =>
          d.type === 'categorical'
            ? { dim: i, name: d.name, type: 'category', data: (d.choices ?? []).map(String) }
            : {
                dim: i,
                name: d.name,
                type: d.log ? 'log' : 'value',
                min: d.low,
                max: d.high,
                minInterval: d.type === 'int' ? 1 : undefined,
                axisLabel: { formatter: (v: number) => formatNumber(v, 3) },
              },
        ),
        { dim: dims.length, name: objectiveLabel(params.objective), type: 'value', scale: true, axisLabel: { formatter: (v: number) => formatNumber(v, 3) } },
      ],
      visualMap: {
        type: 'continuous',
        dimension: dims.length,
        min: objectiveExtent[0],
        max: objectiveExtent[1],
        inRange: { color: colours },
        right: 8,
        top: 'middle',
        calculable: true,
        text: [params.direction === 'minimize' ? 'worse' : 'better', params.direction === 'minimize' ? 'better' : 'worse'],
        formatter: (v: number) => formatNumber(v, 3),
      },
      series: [
        {
          name: params.objective,
          type: 'parallel',
          data,
          smooth: false,
          progressive: PROGRESSIVE_CHUNK,
          progressiveThreshold: LARGE_THRESHOLD,
          lineStyle: { width: 1, opacity: rows.length > 1000 ? 0.2 : 0.5 },
          emphasis: { lineStyle: { width: 2, opacity: 1 } },
        },
      ],
    },
  };
}

/** Hyperparameter importances (fANOVA), largest on top. */
export function importanceChart(importance: Importance): ChartSpec {
  const sorted = [...importance.importances].sort((a, b) => a.importance - b.importance);
  return {
    points: sorted.length,
    option: {
      textStyle: TEXT,
      animation: false,
      grid: { ...GRID, left: 140, top: 16 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => formatNumber(v as number, 3) },
      xAxis: { type: 'value', name: `importance (${importance.method})`, ...AXIS_NAME, max: (e: { max: number }) => Math.max(e.max, 0.05) },
      yAxis: { type: 'category', data: sorted.map((i) => i.name), axisLabel: { color: '#1f2933' } },
      series: [
        {
          type: 'bar',
          data: sorted.map((i) => i.importance),
          itemStyle: { color: ACCENT, borderRadius: [0, 3, 3, 0] },
          label: { show: true, position: 'right', formatter: (p: { value: number }) => formatNumber(p.value, 2) },
          barMaxWidth: 22,
        },
      ],
    },
  };
}

/** vloss against parameter count (log x) for COMPLETE trials, the Pareto front drawn over them. */
export function paretoChart(pareto: Pareto): ChartSpec {
  const others = pareto.points.filter((p) => !p.onFront).map((p) => [p.parameterCount, p.vloss, p.number]);
  const front = pareto.points
    .filter((p) => p.onFront)
    .sort((a, b) => a.parameterCount - b.parameterCount)
    .map((p) => [p.parameterCount, p.vloss, p.number]);
  return {
    points: pareto.points.length,
    option: {
      textStyle: TEXT,
      animation: false,
      grid: GRID,
      legend: { top: 0, right: 8, itemWidth: 12, itemHeight: 8 },
      tooltip: {
        trigger: 'item',
        formatter: (p: { value: number[] }) => `trial #${p.value[2]}<br/>parameters ${p.value[0].toLocaleString('en-US')}<br/>vloss ${formatNumber(p.value[1])}`,
      },
      xAxis: { type: 'log', name: 'parameters (log)', ...AXIS_NAME, axisLabel: { formatter: formatCompact } },
      yAxis: { type: 'value', name: 'validation loss', ...AXIS_NAME, nameGap: 48, scale: true },
      series: [
        {
          name: 'trials',
          type: 'scatter',
          data: others,
          symbolSize: others.length > LARGE_THRESHOLD ? 3 : 6,
          itemStyle: { color: MUTED, opacity: 0.6 },
          ...scatterMode(others.length),
        },
        {
          name: `Pareto front (${front.length})`,
          type: 'line',
          step: 'end',
          data: front,
          symbol: 'circle',
          symbolSize: 8,
          lineStyle: { color: FRONT, width: 2 },
          itemStyle: { color: FRONT },
          z: 3,
        },
      ],
    },
  };
}

/** A trial's per-epoch losses (left axis) and accuracy and macro-F1 (right axis, 0–1). */
export function epochChart(epochs: TrialDetail['epochs']): ChartSpec {
  const pick = (key: 'vloss' | 'trainLoss' | 'accuracy' | 'f1') => epochs.filter((e) => e[key] !== null).map((e) => [e.epoch, e[key] as number]);
  const line = (name: string, data: number[][], colour: string, yAxisIndex = 0) => ({
    name,
    type: 'line',
    data,
    yAxisIndex,
    symbolSize: 6,
    lineStyle: { color: colour, width: 2 },
    itemStyle: { color: colour },
  });
  return {
    points: epochs.length,
    option: {
      textStyle: TEXT,
      animation: false,
      grid: { ...GRID, right: 64 },
      legend: { top: 0, right: 8, itemWidth: 12, itemHeight: 8 },
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => formatNumber(v as number) },
      xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, minInterval: 1, min: 'dataMin', max: 'dataMax' },
      yAxis: [
        { type: 'value', name: 'loss', ...AXIS_NAME, nameGap: 44, scale: true },
        { type: 'value', name: 'accuracy / F1', ...AXIS_NAME, nameGap: 40, min: 0, max: 1, splitLine: { show: false } },
      ],
      series: [
        line('validation loss', pick('vloss'), ACCENT),
        line('training loss', pick('trainLoss'), MUTED),
        line('accuracy', pick('accuracy'), BEST, 1),
        line('macro-F1', pick('f1'), STATE_COLOURS.PRUNED, 1),
      ],
    },
  };
}

/** Confusion matrix as a heatmap: rows the true class, columns the prediction. */
export function confusionChart(matrix: readonly (readonly number[])[], classNames: readonly string[]): ChartSpec {
  const data: [number, number, number][] = [];
  let max = 0;
  matrix.forEach((row, t) =>
    row.forEach((count, p) => {
      data.push([p, t, count]);
      if (count > max) max = count;
    }),
  );
  return {
    points: data.length,
    option: {
      textStyle: TEXT,
      animation: false,
      grid: { left: 96, right: 24, top: 16, bottom: 96 },
      tooltip: {
        formatter: (p: { value: [number, number, number] }) => `true ${classNames[p.value[1]]}, predicted ${classNames[p.value[0]]}: ${formatNumber(p.value[2])}`,
      },
      xAxis: { type: 'category', data: [...classNames], name: 'predicted', ...AXIS_NAME, nameGap: 64, axisLabel: { rotate: 40, interval: 0 }, splitArea: { show: true } },
      yAxis: { type: 'category', data: [...classNames], name: 'true class', ...AXIS_NAME, nameGap: 80, inverse: true, axisLabel: { interval: 0 }, splitArea: { show: true } },
      visualMap: { min: 0, max: max || 1, show: false, inRange: { color: ['#f5f8ff', '#9ec1ff', ACCENT, '#173a8a'] } },
      series: [
        {
          type: 'heatmap',
          data,
          label: { show: matrix.length <= 12, fontSize: 10, formatter: (p: { value: [number, number, number] }) => formatNumber(p.value[2], 3) },
          emphasis: { itemStyle: { borderColor: '#1f2933', borderWidth: 1 } },
        },
      ],
    },
  };
}
