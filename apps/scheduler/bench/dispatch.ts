/**
 * Dispatch overhead benchmark: a Branin study whose trials are instant, four in-process workers,
 * the real scheduler over the real Postgres and Redis. Prints trials/s end to end and the
 * per-trial overhead: the end-to-end time per trial minus the time the sampler itself takes for
 * the same study (measured with the in-memory `Study`), i.e. what the service adds; and the CPU
 * time of this process per trial (scheduler, Prisma, BullMQ and the in-process workers), which a
 * busy machine inflates far less than wall time.
 *
 *   pnpm bench:service [trials]        (default 1000)
 *
 * References: Optuna's RDB storage on Postgres ≈ 17 ms per trial; Ray Tune ran 100 trivial trials
 * in 22.7 s. Goal: ≥ 200 trials/s and < 5 ms overhead per trial.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { type Db, createDb, createStores, migrate } from '@tunefleet/db';
import { Study, samplerFromJSON } from '@tunefleet/search';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { startScheduler } from '../src/start.js';
import { startFakeWorkers } from '../test/helpers/fake-worker.js';
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
async function environment(): Promise<{ url: string; db: Db; namespace: string; cleanup(): Promise<void> }> {
  const name = `tunefleet_bench_${randomBytes(6).toString('hex')}`;
  const url = databaseUrl(name);
  await migrate({ databaseUrl: url });
  const db = createDb(url);
  const namespace = `tfbench-${randomBytes(6).toString('hex')}`;
  return {
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
  const workers = await startFakeWorkers({ redisUrl: REDIS_URL, namespace: env.namespace, workers: WORKERS, checkpoints: false });
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
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    await scheduler.stop();
    const counts = await stores.trials.countByState(study.id);
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
    };
  } finally {
    await workers.close();
    await env.cleanup();
  }
}

const rows: Row[] = [];
for (const sampler of [{ type: 'random' }, { type: 'tpe' }]) rows.push(await run(sampler));

const header = ['sampler', 'trials', 'wall s', 'trials/s', 'ms/trial', 'sampler ms/trial', 'overhead ms/trial', 'cpu ms/trial'];
const table = rows.map((r) => [
  r.sampler,
  String(r.trials),
  r.seconds.toFixed(2),
  r.trialsPerSec.toFixed(1),
  r.msPerTrial.toFixed(2),
  r.samplerMsPerTrial.toFixed(2),
  r.overheadMsPerTrial.toFixed(2),
  r.cpuMsPerTrial.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
process.stdout.write(`dispatch overhead: Branin, ${WORKERS} in-process workers, parallelism ${WORKERS}, 1 epoch per trial\n`);
process.stdout.write(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
process.stdout.write(`${line(header)}\n${table.map(line).join('\n')}\n`);
process.stdout.write('references: Optuna RDB (Postgres) ≈ 17 ms/trial; Ray Tune 100 trivial trials in 22.7 s (≈ 4.4 trials/s)\n');
process.exit(0);
