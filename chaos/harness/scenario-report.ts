/**
 * The scenario table. Each scenario calls `recordScenario` once (before its assertions, so a
 * failing scenario is in the table too); the rows go to a JSON-lines file because the test files
 * run in their own workers. The chaos project's global setup (report-setup.ts) names that file
 * for the run and, after it, prints the table as markdown and writes artifacts/chaos-report.md.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../e2e/helpers/app-process.js';
import type { InvariantReport } from './invariants.js';

export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'artifacts');
export const REPORT_FILE = path.join(ARTIFACTS_DIR, 'chaos-report.md');
/** Set by the global setup to this run's own rows file, so two runs at once do not mix their rows. */
export const ROWS_FILE_ENV = 'TUNEFLEET_CHAOS_ROWS_FILE';

/** The rows file of the current run (the test files inherit the variable from the runner). */
export function scenarioRowsFile(): string {
  return process.env[ROWS_FILE_ENV] || path.join(ARTIFACTS_DIR, 'chaos-scenarios.jsonl');
}

export interface ScenarioRow {
  readonly scenario: string;
  /** Studies run (each checked by `checkStudyInvariants`). */
  readonly runs: number;
  /** Faults injected (kills, pauses, injected messages…), in the scenario's own words. */
  readonly faults: string;
  readonly trials: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly stuck: number;
  /** Broken rules beyond the three counts (a wrong decision, a half-written study…). */
  readonly violations: readonly string[];
  readonly seconds: number;
}

/** Sums the invariant reports of a scenario's studies into its row. */
export function scenarioRow(
  scenario: string,
  reports: readonly InvariantReport[],
  extra: { faults: string; seconds: number; violations?: readonly string[] },
): ScenarioRow {
  const sum = (key: 'trials' | 'lost' | 'duplicated' | 'stuck') => reports.reduce((n, r) => n + r[key], 0);
  return {
    scenario,
    runs: reports.length,
    faults: extra.faults,
    trials: sum('trials'),
    lost: sum('lost'),
    duplicated: sum('duplicated'),
    stuck: sum('stuck'),
    violations: [...reports.flatMap((r) => r.violations), ...(extra.violations ?? [])],
    seconds: Math.round(extra.seconds),
  };
}

export function recordScenario(row: ScenarioRow): void {
  mkdirSync(path.dirname(scenarioRowsFile()), { recursive: true });
  appendFileSync(scenarioRowsFile(), `${JSON.stringify(row)}\n`);
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table of the rows, and the violations of each failing scenario below it. */
export function renderScenarioTable(rows: readonly ScenarioRow[]): string {
  const lines = [
    '| scenario | runs | faults | trials | lost | duplicated | stuck | violations | s |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${cell(r.scenario)} | ${r.runs} | ${cell(r.faults)} | ${r.trials} | ${r.lost} | ${r.duplicated} | ${r.stuck} | ${r.violations.length} | ${r.seconds} |`,
    ),
  ];
  for (const r of rows.filter((r) => r.violations.length > 0)) {
    lines.push('', `**${cell(r.scenario)}**`, ...r.violations.slice(0, 50).map((v) => `- ${v}`));
    if (r.violations.length > 50) lines.push(`- … and ${r.violations.length - 50} more`);
  }
  return `${lines.join('\n')}\n`;
}
