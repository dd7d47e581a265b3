/**
 * Latency under load over real HTTP: seeds a throwaway database with one study of N trials (see
 * seed-study.ts), starts the api as its own process on 127.0.0.1 (so the load generator does not
 * share its event loop), and drives each route with autocannon at a fixed overall rate, printing
 * p50/p99 latency, the rate achieved and the failures per route.
 *
 * Run: `pnpm --filter @tunefleet/api bench:load [trials] [rate] [seconds]` (defaults 100000, 500/s,
 * 10 s per route; at most 20 s per route). A benchmark, not a test: figures depend on the machine
 * and on whatever else runs on it.
 *
 * autocannon keeps `connections` requests in flight at most and paces them to `overallRate`;
 * a request that waits for a free connection is not timed while it waits (coordinated omission),
 * so a p99 near the rate's interval × connections means the server fell behind — compare the
 * achieved rate with the target.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { seedBenchDatabase } from './seed-study.js';

const trials = Number(process.argv[2] ?? 100_000);
const rate = Number(process.argv[3] ?? 500);
const seconds = Math.min(20, Number(process.argv[4] ?? 10));
const connections = 64;
const warmupSeconds = 2;

for (const [name, value] of [['trials', trials], ['rate', rate], ['seconds', seconds]] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${process.argv.join(' ')}`);
}

/** A port that was free a moment ago: the api is a separate process, so it cannot listen on 0 for us. */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`api exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`api did not answer ${url} within 30 s`);
}

function run(url: string, duration: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, overallRate: rate, duration, timeout: 10 });
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const bench = await seedBenchDatabase(trials);
let api: ChildProcess | undefined;
try {
  process.stdout.write(`seeded ${trials} trials in ${bench.seedSeconds.toFixed(1)} s\n`);
  api = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'src/main.ts'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: bench.url,
      API_KEY: 'bench-key-0123456789',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const id = bench.studyId;
  await waitUntilServing(`${base}/studies/${id}`, api);
  const routes = [
    `/studies/${id}/leaderboard?by=efficiency&limit=50`,
    `/studies/${id}/leaderboard?by=value&limit=50`,
    `/studies/${id}/leaderboard?by=vloss&limit=50`,
    `/studies/${id}/leaderboard?by=accuracy&limit=50`,
    `/studies/${id}`,
    `/studies/${id}/trials?limit=50&after=50000`,
    `/studies/${id}/trials?limit=500&after=50000`,
  ];
  process.stdout.write(
    `\n${rate} requests/s for ${seconds} s per route (after ${warmupSeconds} s of warm-up), ${connections} connections\n\n` +
      '| route | p50 ms | p99 ms | max ms | achieved req/s | non-2xx | errors |\n|---|---|---|---|---|---|---|\n',
  );
  for (const route of routes) {
    await run(base + route, warmupSeconds);
    const r = await run(base + route, seconds);
    process.stdout.write(
      `| ${route.replace(id, ':id')} | ${r.latency.p50} | ${r.latency.p99} | ${r.latency.max} | ${r.requests.average} | ${r.non2xx} | ${r.errors + r.timeouts} |\n`,
    );
  }
} finally {
  if (api && api.exitCode === null) {
    api.kill('SIGTERM');
    await once(api, 'exit');
  }
  await bench.drop();
}
