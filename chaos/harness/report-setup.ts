/**
 * Global setup of the vitest project `chaos`: gives the run a rows file of its own (the test
 * files inherit its path) and ends the run with the scenario table (stdout and
 * artifacts/chaos-report.md).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS_DIR, REPORT_FILE, ROWS_FILE_ENV, type ScenarioRow, renderScenarioTable } from './scenario-report.js';

export function setup(): () => void {
  const rowsFile = path.join(ARTIFACTS_DIR, `chaos-scenarios-${process.pid}.jsonl`);
  rmSync(rowsFile, { force: true });
  process.env[ROWS_FILE_ENV] = rowsFile;
  return () => {
    const rows: ScenarioRow[] = existsSync(rowsFile)
      ? readFileSync(rowsFile, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as ScenarioRow)
      : [];
    rmSync(rowsFile, { force: true });
    if (rows.length === 0) return;
    const table = renderScenarioTable(rows);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    writeFileSync(REPORT_FILE, `# Chaos scenarios\n\n${table}`);
    process.stdout.write(`\nChaos scenarios (${REPORT_FILE}):\n\n${table}\n`);
  };
}
