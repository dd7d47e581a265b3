/**
 * Read latency under load over real HTTP. Seeds a throwaway database (seed-study.ts: 1,000
 * studies, 200,000 trials, one study of 100,000), starts the api as its own process on 127.0.0.1
 * (so the load generator does not share its event loop), and drives each read route at a fixed
 * rate, printing per route: target and achieved rate, p50/p90/p99/max latency, failures, the api
 * process's CPU time per request (from /proc, which depends less than latency on what else runs
 * on the machine) and the load average around the run.
 *
 * Run: `pnpm bench api` or `pnpm --filter @tunefleet/api bench:load [--rate 500] [--seconds 10]
 * [--connections 16] [--big 100000] [--studies 1000] [--fleet-trials 100000] [--only <substring>]
 * [--cpu-prof <dir>] [--entry <path>] [--open-loop | --wrk]` (at most 30 s per route). `--cpu-prof` writes
 * a V8 CPU profile of the api; `--entry` starts another api entry than src/main.ts (relative to
 * apps/api), e.g. an older revision's sources extracted beside it, to compare before and after.
 * A benchmark, not a test: figures depend on the machine and on whatever else runs on it.
 *
 * autocannon's fixed rate is a quota per connection per second: the requests arrive as one burst
 * at the start of each second, and its p99 includes the time the server takes to drain the burst.
 * `--open-loop` sends them evenly spaced instead and times each from the instant it was due
 * (open-loop.ts), at the price of parsing the responses in this Node process, which shares the
 * machine's cores with the api (it falls behind on 60 kB trial pages at 500/s on 2 busy cores).
 * `--wrk` drives the rate from Debian's wrk (C) with a think time per connection (paced-wrk.ts), the
 * cheapest generator on a shared machine. "big" routes hit the 100,000-trial study; "fleet"
 * routes spread their requests over every study (or over 5,000 sampled trials), so caches see a
 * realistic spread of keys. Compare the achieved rate with the target: a shortfall means the
 * server fell behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { type OpenLoopResult, runOpenLoop } from './open-loop.js';
import { runPacedWrk } from './paced-wrk.js';
import { seedBenchDatabase } from './seed-study.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    big: { type: 'string', default: '100000' },
    studies: { type: 'string', default: '1000' },
    'fleet-trials': { type: 'string', default: '100000' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    entry: { type: 'string', default: 'src/main.ts' },
    'open-loop': { type: 'boolean', default: false },
    wrk: { type: 'boolean', default: false },
  },
});

function positiveInt(name: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${text}`);
  return value;
}

const rate = positiveInt('rate', args.rate);
const seconds = Math.min(30, positiveInt('seconds', args.seconds));
const connections = positiveInt('connections', args.connections);
const studies = positiveInt('studies', args.studies);
const seedOptions = {
  bigStudyTrials: positiveInt('big', args.big),
  otherStudies: studies - 1,
  otherTrials: positiveInt('fleet-trials', args['fleet-trials'], 0),
};
const warmupSeconds = 3;

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
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`api exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`api did not answer ${url} within 60 s`);
}

/** User + system CPU seconds of a process so far, or null where /proc is not available. */
function cpuSeconds(pid: number): number | null {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name) are utime and stime in ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** `rate` requests/s for `duration` s cycling through `paths`: autocannon's per-second quota, or open loop. */
async function run(base: string, paths: readonly string[], duration: number, warmup?: OpenLoopResult): Promise<OpenLoopResult> {
  if (args['open-loop']) return runOpenLoop({ base, paths, rate, seconds: duration, connections });
  if (args.wrk) return runPacedWrk({ base, paths, rate, seconds: duration, connections, ...(warmup && { answerMs: warmup.p50 }) });
  let next = 0;
  const r = await autocannon({
    url: base,
    connections,
    overallRate: rate,
    duration,
    timeout: 10,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] as string }) }],
  });
  return {
    completed: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    achievedPerSecond: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
  };
}

/** A deterministic sample of `n` values of `from` (a fixed stride, so every run asks the same). */
function sample<T>(from: readonly T[], n: number): T[] {
  const stride = Math.max(1, Math.floor(from.length / n));
  return from.filter((_, i) => i % stride === 0).slice(0, n);
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const bench = await seedBenchDatabase(seedOptions);
let api: ChildProcess | undefined;
try {
  process.stdout.write(
    `seeded ${bench.studyIds.length} studies, ${bench.trials} trials (big study: ${seedOptions.bigStudyTrials}) in ${bench.seedSeconds.toFixed(1)} s\n`,
  );
  const big = bench.studyId;
  const { rows: trialRows } = await bench.db.pool.query<{ id: string }>(
    `SELECT "id"::text AS "id" FROM "trial" TABLESAMPLE BERNOULLI (5) REPEATABLE (1) LIMIT 5000`,
  );
  const trialIds = trialRows.map((r) => r.id);
  const fleet = bench.studyIds;
  const cursors = Array.from({ length: 500 }, (_, i) => Math.floor((i * 7919) % Math.max(1, seedOptions.bigStudyTrials - 100)));
  const routes: { name: string; paths: string[] }[] = [
    { name: 'leaderboard, big study, by=efficiency', paths: [`/studies/${big}/leaderboard?by=efficiency&limit=50`] },
    { name: 'leaderboard, big study, by=vloss', paths: [`/studies/${big}/leaderboard?by=vloss&limit=50`] },
    { name: 'leaderboard, fleet (own objective)', paths: fleet.map((id) => `/studies/${id}/leaderboard?limit=50`) },
    { name: 'study page, big study', paths: [`/studies/${big}`] },
    { name: 'study page, fleet', paths: fleet.map((id) => `/studies/${id}`) },
    { name: 'trials first page (100), big study', paths: [`/studies/${big}/trials`] },
    { name: 'trials first page (100), fleet', paths: fleet.map((id) => `/studies/${id}/trials`) },
    { name: 'trials cursor page (100), big study', paths: cursors.map((after) => `/studies/${big}/trials?after=${after}`) },
    { name: 'trials state=RUNNING, big study', paths: [`/studies/${big}/trials?state=RUNNING`] },
    { name: 'trial detail, fleet', paths: sample(trialIds, 5000).map((id) => `/trials/${id}`) },
    { name: 'trials page of 500, big study', paths: [`/studies/${big}/trials?limit=500&after=50000`] },
  ].filter((r) => args.only === undefined || r.name.includes(args.only));

  api = spawn(
    process.execPath,
    [
      ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : []),
      '--import',
      'tsx',
      '--conditions=source',
      args.entry,
    ],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: bench.url,
        API_KEY: 'bench-key-0123456789',
        LOG_LEVEL: 'warn',
        // One client asks for 500 requests/s: the limiter still counts them (its cost is measured)
        // but never refuses one.
        RATE_LIMIT_MAX: '1000000000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  await waitUntilServing(`${base}/studies/${big}`, api);
  const pid = api.pid as number;
  process.stdout.write(
    `\n${rate} requests/s (${args['open-loop'] ? 'open loop, evenly spaced' : args.wrk ? 'wrk, each connection paced by a think time' : "autocannon, a per-second quota per connection"}) for ${seconds} s per route ` +
      `(after ${warmupSeconds} s of warm-up), ${connections} connections, ` +
      `load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n` +
      '| route | target/s | achieved/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors | api CPU ms/req | load 1 min |\n' +
      '|---|---|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const route of routes) {
    const warmup = await run(base, route.paths, warmupSeconds);
    const cpuBefore = cpuSeconds(pid);
    const r = await run(base, route.paths, seconds, warmup);
    const cpuAfter = cpuSeconds(pid);
    const cpuPerRequest = cpuBefore === null || cpuAfter === null || r.completed === 0 ? '—' : (((cpuAfter - cpuBefore) * 1000) / r.completed).toFixed(2);
    process.stdout.write(
      `| ${route.name} | ${rate} | ${r.achievedPerSecond} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ` +
        `${r.non2xx} | ${r.errors} | ${cpuPerRequest} | ${loadavg()[0]?.toFixed(2)} |\n`,
    );
  }
} finally {
  if (api && api.exitCode === null) {
    api.kill('SIGTERM');
    await once(api, 'exit');
  }
  await bench.drop();
}
