/**
 * Global setup of the vitest project `chaos`: starts each run with an empty scenario file and
 * ends it with the scenario table (stdout and artifacts/chaos-report.md).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ARTIFACTS_DIR, REPORT_FILE, SCENARIO_ROWS_FILE, type ScenarioRow, renderScenarioTable } from './scenario-report.js';

export function setup(): () => void {
  rmSync(SCENARIO_ROWS_FILE, { force: true });
  return () => {
    const rows: ScenarioRow[] = existsSync(SCENARIO_ROWS_FILE)
      ? readFileSync(SCENARIO_ROWS_FILE, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as ScenarioRow)
      : [];
    if (rows.length === 0) return;
    const table = renderScenarioTable(rows);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    writeFileSync(REPORT_FILE, `# Chaos scenarios\n\n${table}`);
    process.stdout.write(`\nChaos scenarios (${REPORT_FILE}):\n\n${table}\n`);
  };
}
