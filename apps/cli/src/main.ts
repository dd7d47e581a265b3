#!/usr/bin/env node
/** The `tunefleet` process: real stdout, stderr, environment and working directory around runCli. */
import { runCli } from './cli.js';

const controller = new AbortController();
// The first Ctrl-C stops a watch cleanly (its line finished); a second one is Node's default.
process.once('SIGINT', () => controller.abort());

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  // `pnpm tunefleet …` runs in the workspace root; INIT_CWD is where the command was typed.
  cwd: process.env.INIT_CWD ?? process.cwd(),
  signal: controller.signal,
});
