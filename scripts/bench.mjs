#!/usr/bin/env node
// `pnpm bench <name> [args]` runs one benchmark suite: search, train, service or fleet.
import { spawnSync } from 'node:child_process';

const suites = {
  search: ['--filter', '@tunefleet/search', 'run', 'bench'],
  train: ['--filter', '@tunefleet/models', 'run', 'bench'],
  service: ['--filter', '@tunefleet/scheduler', 'run', 'bench'],
  api: ['--filter', '@tunefleet/api', 'run', 'bench:load'],
  // The api, one scheduler and 50 worker processes (e2e/bench/fleet-50.ts).
  fleet: ['exec', 'tsx', '--conditions=source', 'e2e/bench/fleet-50.ts'],
};
const [name, ...rest] = process.argv.slice(2);
if (!suites[name]) {
  process.stderr.write(`usage: pnpm bench <${Object.keys(suites).join('|')}> [args]\n`);
  process.exit(2);
}
const run = spawnSync('pnpm', [...suites[name], ...rest], { stdio: 'inherit' });
process.exit(run.status ?? 1);
