/**
 * Many workers against one scheduler (issue 6): the api, one scheduler and 50 worker processes
 * (real processes, as in production) on a TPE study of ~500 instant Branin trials, 50 at a time.
 * Prints trials/s completed (study created → COMPLETE), duplicate runs (a trial number twice, a
 * trial started by two workers or twice, a job id other than the trial's first: all must be 0),
 * the distinct configurations among the first 50 trials and their mean pairwise distance in the
 * normalised space against uniform random points, the workers' memory (RSS, trainer processes
 * included) and the scheduler's CPU time.
 *
 *   pnpm bench fleet [--workers 50] [--trials 500]
 *
 * The workers run with LAZY_TRAINER=true: function objectives never need tfjs, so no worker forks
 * its trainer process. Uses its own database and Redis namespace, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trialRunJobId } from '@tunefleet/contracts';
import { createDb, migrate } from '@tunefleet/db';
import { Redis } from 'ioredis';
import { createApiClient } from '../helpers/api-client.js';
import { startFleet } from '../helpers/fleet.js';
import {
  BRANIN_SPACE,
  braninStudyBody,
  distinctCount,
  findDuplicates,
  jobStarts,
  meanPairwiseDistance,
  normalisedPoints,
  randomMeanPairwiseDistance,
} from '../helpers/many-workers.js';
import { waitFor } from '../helpers/wait-for.js';

const { values: args } = parseArgs({
  options: { workers: { type: 'string', default: '50' }, trials: { type: 'string', default: '500' } },
});
const WORKERS = Number(args.workers);
const TRIALS = Number(args.trials);
const REDIS_URL = process.env.TUNEFLEET_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env.TUNEFLEET_TEST_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const say = (line: string): void => void process.stdout.write(`${line}\n`);
/** One figure per line, labels aligned. */
const row = (label: string, value: string): void => say(`${label.padEnd(34)}${value}`);

/** CPU time (user + system) of a process in ms, from /proc (Linux; USER_HZ = 100). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident memory of a process and its children (a worker's trainer processes), in MiB. */
async function rssMiB(pid: number): Promise<number> {
  const own = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(own)?.[1] ?? 0);
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
    .split(' ')
    .filter((c) => c.trim() !== '');
  let total = kib / 1024;
  for (const child of children) total += await rssMiB(Number(child));
  return total;
}

const databaseName = `tunefleet_bench_${randomBytes(6).toString('hex')}`;
const databaseUrl = Object.assign(new URL(POSTGRES_URL), { pathname: `/${databaseName}` }).toString();
const namespace = `tfbench-${randomBytes(6).toString('hex')}`;
const workDir = await mkdtemp(path.join(os.tmpdir(), 'tunefleet-fleet-bench-'));
const log = jobStarts();

async function cleanup(): Promise<void> {
  const admin = createDb(POSTGRES_URL);
  await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.close();
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  await rm(workDir, { recursive: true, force: true });
}

await migrate({ databaseUrl });
const apiKey = randomBytes(24).toString('base64url');
const startedAt = performance.now();
say(`starting the api, the scheduler and ${WORKERS} workers (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})…`);
const fleet = await startFleet({
  databaseUrl,
  redisUrl: REDIS_URL,
  queuePrefix: namespace,
  apiKey,
  workers: WORKERS,
  workDir,
  baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
  workerEnv: { LAZY_TRAINER: 'true' },
  schedulerEnv: { POLL_INTERVAL_MS: '250' },
  onLog: log.record,
}).catch(async (err: unknown) => {
  await cleanup();
  throw err;
});
const startupS = (performance.now() - startedAt) / 1000;

try {
  const api = createApiClient(fleet.apiUrl, apiKey);
  const idleRss = await Promise.all(fleet.workers.map((w) => rssMiB(w.pid)));
  const schedulerCpuBefore = await cpuMs(fleet.scheduler.pid);
  const runStart = performance.now();
  const created = await api.createStudy(braninStudyBody({ name: 'fleet bench', maxTrials: TRIALS, parallelism: WORKERS, seed: 1 }));
  let peakRss = idleRss;
  const study = await waitFor(
    'the study to finish',
    async () => {
      const rss = await Promise.all(fleet.workers.map((w) => rssMiB(w.pid)));
      peakRss = peakRss.map((peak, i) => Math.max(peak, rss[i]));
      const s = await api.getStudy(created.id);
      return s.status === 'RUNNING' ? undefined : s;
    },
    { timeoutMs: 30 * 60_000, intervalMs: 500 },
  );
  const runS = (performance.now() - runStart) / 1000;
  const schedulerCpu = (await cpuMs(fleet.scheduler.pid)) - schedulerCpuBefore;
  const trials = await api.listTrials(created.id);

  const duplicates = findDuplicates(trials, log.starts);
  const foreignJobIds = log.starts.filter((s) => s.jobId !== trialRunJobId(s.trialId, 1));
  const first = normalisedPoints(trials, WORKERS);
  const dims = Object.keys(BRANIN_SPACE).length;
  const notComplete = trials.filter((t) => t.state !== 'COMPLETE').length;
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

  say(`\nfleet: ${WORKERS} workers, study of ${TRIALS} instant Branin trials (TPE), parallelism ${WORKERS}, 1 epoch each`);
  say(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  row(`fleet start-up`, `${startupS.toFixed(1)} s`);
  row(`study status`, `${study.status}, ${trials.length} trials, ${notComplete} not COMPLETE`);
  row(`trials/s completed`, `${(trials.length / runS).toFixed(1)} (${runS.toFixed(1)} s)`);
  row(`duplicate trial numbers`, `${duplicates.numbers.length}`);
  row(`trials run more than once`, `${duplicates.runs.length}`);
  row(`trials with a retried job`, `${duplicates.retried.length}`);
  row(`jobs not <trial>-a1`, `${foreignJobIds.length}`);
  row(`workers that ran a trial`, `${new Set(log.starts.map((s) => s.worker)).size} of ${WORKERS}`);
  row(`distinct configs, first ${WORKERS}`, `${distinctCount(first)} of ${first.length}`);
  row(`mean pairwise distance, first ${WORKERS}`, `${meanPairwiseDistance(first).toFixed(4)} (unit square)`);
  row(`  the same for uniform random points`, `${randomMeanPairwiseDistance(first.length, dims).toFixed(4)}`);
  row(`worker RSS idle`, `mean ${(sum(idleRss) / WORKERS).toFixed(0)} MiB, total ${(sum(idleRss) / 1024).toFixed(2)} GiB`);
  row(
    `worker RSS peak`,
    `mean ${(sum(peakRss) / WORKERS).toFixed(0)} MiB, max ${Math.max(...peakRss).toFixed(0)} MiB, total ${(sum(peakRss) / 1024).toFixed(2)} GiB`,
  );
  row(`scheduler CPU`, `${(schedulerCpu / 1000).toFixed(1)} s, ${(schedulerCpu / trials.length).toFixed(2)} ms/trial`);
  row(`scheduler RSS`, `${(await rssMiB(fleet.scheduler.pid)).toFixed(0)} MiB`);
} finally {
  await fleet.stop();
  await cleanup();
}
