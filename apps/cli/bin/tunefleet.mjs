#!/usr/bin/env node
// The installed `tunefleet` command. The client and the workspace packages it uses are TypeScript
// sources (the `source` export condition), so it runs src/main.ts under tsx in a child Node with
// that condition, and exits as the child did.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const child = spawn(process.execPath, ['--conditions=source', '--import', import.meta.resolve('tsx'), main, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
// Ctrl-C reaches the child through the terminal's process group; the launcher only waits for it.
process.on('SIGINT', () => {});
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
