/**
 * Dispatch overhead benchmark: a Branin study whose trials are instant, four fake workers (in a
 * child process), the real scheduler over the real Postgres and Redis. Prints trials/s end to end
 * and the per-trial overhead: the end-to-end time per trial minus the time the sampler itself
 * takes for the same study (measured with the in-memory `Study`), i.e. what the service adds; and
 * CPU time per trial, which a busy machine inflates far less than wall time: of the scheduler
 * (this process: scheduler, Prisma, BullMQ), of the Postgres backends serving it, and of the
 * workers' process.
 *
 *   pnpm bench:service [trials]        (default 1000)
 *
 * References: Optuna's RDB storage on Postgres ≈ 17 ms per trial; Ray Tune ran 100 trivial trials
 * in 22.7 s. Goal: ≥ 200 trials/s and < 5 ms overhead per trial.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { type Db, createDb, createStores, migrate } from '@tunefleet/db';
import { Study, samplerFromJSON } from '@tunefleet/search';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { startScheduler } from '../src/start.js';
import { evaluateFunction } from '../test/helpers/function-objectives.js';
import { BRANIN_SPACE, functionStudy } from '../test/helpers/harness.js';

const trials = Number(process.argv[2] ?? 1000);
const WORKERS = 4;
const REDIS_URL = process.env.TUNEFLEET_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env.TUNEFLEET_TEST_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A migrated database and a Redis namespace of the run's own, removed afterwards. */
async function environment(): Promise<{ name: string; url: string; db: Db; namespace: string; cleanup(): Promise<void> }> {
  const name = `tunefleet_bench_${randomBytes(6).toString('hex')}`;
  const url = databaseUrl(name);
  await migrate({ databaseUrl: url });
  const db = createDb(url);
  const namespace = `tfbench-${randomBytes(6).toString('hex')}`;
  return {
    name,
    url,
    db,
    namespace,
    async cleanup() {
      await db.close();
      const admin = createDb(POSTGRES_URL);
      await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.close();
      const redis = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

interface Row {
  sampler: string;
  trials: number;
  seconds: number;
  trialsPerSec: number;
  msPerTrial: number;
  samplerMsPerTrial: number;
  overheadMsPerTrial: number;
  cpuMsPerTrial: number;
  postgresCpuMsPerTrial: number;
  workersCpuMsPerTrial: number;
  trialsPerInsert: number;
}

/** The fake workers in a child process (fake-workers-process.ts); `close()` returns its CPU time in ms. */
async function startWorkerProcess(namespace: string): Promise<{ close(): Promise<number> }> {
  const script = fileURLToPath(new URL('./fake-workers-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, REDIS_URL, namespace, String(WORKERS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`the workers' process did not start: ${String(first.value)}`);
  return {
    async close() {
      child.stdin.end();
      const last = await lines.next();
      await once(child, 'exit');
      return Number(String(last.value).replace(/^cpu /, ''));
    },
  };
}

/** CPU time (ms) of the Postgres backends connected to `database` (Linux /proc; 0 elsewhere). */
async function postgresCpuMs(db: Db, database: string): Promise<number> {
  const rows = await db.$queryRaw<{ pid: number }[]>`SELECT "pid" FROM pg_stat_activity WHERE "datname" = ${database}`;
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // Not on this machine (a remote server): no figure.
    }
  }
  return ticks / ticksPerMs;
}

/** Time the sampler alone needs for the same study, sequentially, in memory. */
function samplerCost(sampler: Record<string, unknown>, n: number): number {
  const study = new Study({ space: BRANIN_SPACE, direction: 'minimize', sampler: samplerFromJSON({ ...sampler, seed: 1 } as unknown as { type: string }) });
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const { number, params } = study.ask();
    study.tell(number, evaluateFunction('branin', params));
  }
  return (performance.now() - start) / n;
}

async function run(sampler: Record<string, unknown>): Promise<Row> {
  const env = await environment();
  const stores = createStores(env.db);
  const workers = await startWorkerProcess(env.namespace);
  let workersCpuMs: number | null = null;
  try {
    const study = await stores.studies.create(functionStudy({ maxTrials: trials, parallelism: WORKERS, sampler, seed: 1 }));
    const config = loadConfig({
      DATABASE_URL: env.url,
      REDIS_URL,
      QUEUE_PREFIX: env.namespace,
      LOG_LEVEL: 'silent',
      POLL_INTERVAL_MS: '1000',
      RECONCILE_INTERVAL_MS: '0',
    });
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const scheduler = await startScheduler({ config, db: env.db });
    for (;;) {
      if ((await stores.studies.get(study.id)).status === 'COMPLETE') break;
      // Every 100 ms: the polling runs in this process, so its CPU counts as the scheduler's.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    // Backends of this database: the scheduler's pool and the polling above (a few reads a second).
    const postgresMs = await postgresCpuMs(env.db, env.name);
    await scheduler.stop();
    workersCpuMs = await workers.close();
    const counts = await stores.trials.countByState(study.id);
    // A batch of new trials shares one started_at (createMany stamps them once): trials per INSERT.
    const [{ inserts }] = await env.db.$queryRaw<{ inserts: number }[]>`
      SELECT count(DISTINCT "started_at")::int AS "inserts" FROM "trial" WHERE "study_id" = ${study.id}::uuid`;
    if (counts.COMPLETE !== trials) throw new Error(`expected ${trials} COMPLETE trials, got ${JSON.stringify(counts)}`);
    const samplerMs = samplerCost(sampler, trials);
    const msPerTrial = (seconds * 1000) / trials;
    return {
      sampler: String(sampler.type),
      trials,
      seconds,
      trialsPerSec: trials / seconds,
      msPerTrial,
      samplerMsPerTrial: samplerMs,
      overheadMsPerTrial: msPerTrial - samplerMs,
      cpuMsPerTrial: (cpu.user + cpu.system) / 1000 / trials,
      postgresCpuMsPerTrial: postgresMs / trials,
      workersCpuMsPerTrial: workersCpuMs / trials,
      trialsPerInsert: trials / inserts,
    };
  } finally {
    if (workersCpuMs === null) await workers.close();
    await env.cleanup();
  }
}

const rows: Row[] = [];
for (const sampler of [{ type: 'random' }, { type: 'tpe' }]) rows.push(await run(sampler));

const header = [
  'sampler',
  'trials',
  'wall s',
  'trials/s',
  'ms/trial',
  'sampler ms/trial',
  'overhead ms/trial',
  'scheduler cpu ms/trial',
  'postgres cpu ms/trial',
  'workers cpu ms/trial',
  'trials/INSERT',
];
const table = rows.map((r) => [
  r.sampler,
  String(r.trials),
  r.seconds.toFixed(2),
  r.trialsPerSec.toFixed(1),
  r.msPerTrial.toFixed(2),
  r.samplerMsPerTrial.toFixed(2),
  r.overheadMsPerTrial.toFixed(2),
  r.cpuMsPerTrial.toFixed(2),
  r.postgresCpuMsPerTrial.toFixed(2),
  r.workersCpuMsPerTrial.toFixed(2),
  r.trialsPerInsert.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
process.stdout.write(`dispatch overhead: Branin, ${WORKERS} fake workers (one child process), parallelism ${WORKERS}, 1 epoch per trial\n`);
process.stdout.write(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
process.stdout.write(`${line(header)}\n${table.map(line).join('\n')}\n`);
process.stdout.write('references: Optuna RDB (Postgres) ≈ 17 ms/trial; Ray Tune 100 trivial trials in 22.7 s (≈ 4.4 trials/s)\n');
process.exit(0);
