/**
 * Turning worker metrics into what the database stores. Every formula (objective value,
 * efficiency) is a call into @tunefleet/search's objectives module; this file only picks fields.
 */
import type { EpochMetrics, FinalMetrics } from '@tunefleet/contracts';
import type { EpochReport, TrialUpdate } from '@tunefleet/db';
import { efficiency, objectiveValue } from '@tunefleet/search';
import type { Metric } from './study-runtime.js';

/** Why a report has no objective value, as a failure type and message. */
export interface MissingMetric {
  readonly missing: string;
}

/**
 * The study's metric at one epoch, or which metric is missing. `efficiency` needs the model's
 * parameter count, which dispatch stored on the trial.
 */
export function epochReport(
  metric: Metric,
  epoch: number,
  metrics: EpochMetrics,
  parameterCount: number | null,
): EpochReport | MissingMetric {
  const value = metricValue(metric, { ...metrics, parameterCount: parameterCount ?? undefined });
  if (typeof value !== 'number') return value;
  return {
    epoch,
    value,
    vloss: metrics.vloss ?? null,
    accuracy: metrics.accuracy ?? null,
    macroF1: metrics.f1 ?? null,
    trainLoss: metrics.trainLoss ?? null,
    imagesPerSec: metrics.imagesPerSec ?? null,
    elapsedMs: metrics.elapsedMs,
  };
}

/** The columns a completed trial sets: its final metrics, efficiency and objective value. */
export function finalUpdate(
  metric: Metric,
  metrics: FinalMetrics,
  storedParameterCount: number | null,
): TrialUpdate | MissingMetric {
  const parameterCount = metrics.parameterCount ?? storedParameterCount ?? undefined;
  const value = metricValue(metric, { ...metrics, parameterCount });
  if (typeof value !== 'number') return value;
  return {
    vloss: metrics.vloss ?? null,
    accuracy: metrics.accuracy ?? null,
    macroF1: metrics.f1 ?? null,
    perClassAccuracy: metrics.perClassAccuracy ?? null,
    confusionMatrix: metrics.confusionMatrix ?? null,
    parameterCount: parameterCount ?? null,
    efficiency:
      metrics.vloss !== undefined && parameterCount !== undefined ? efficiency(metrics.vloss, parameterCount) : null,
    objectiveValue: value,
  };
}

interface MetricFields {
  readonly vloss?: number;
  readonly accuracy?: number;
  readonly f1?: number;
  readonly value?: number;
  readonly parameterCount?: number;
}

function metricValue(metric: Metric, m: MetricFields): number | MissingMetric {
  if (metric === 'value') return m.value ?? { missing: 'value' };
  const needed: (keyof MetricFields)[] =
    metric === 'efficiency' ? ['vloss', 'parameterCount'] : [metric === 'f1' ? 'f1' : metric];
  const absent = needed.find((k) => m[k] === undefined);
  if (absent !== undefined) return { missing: absent };
  // objectiveValue reads only the fields of its objective; the others are placeholders.
  return objectiveValue(metric, {
    vloss: m.vloss ?? Number.NaN,
    accuracy: m.accuracy ?? Number.NaN,
    f1: m.f1 ?? Number.NaN,
    params: m.parameterCount ?? 1,
  });
}

export function isMissing(value: unknown): value is MissingMetric {
  return typeof value === 'object' && value !== null && 'missing' in value;
}
