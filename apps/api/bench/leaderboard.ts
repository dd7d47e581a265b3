/**
 * Leaderboard and study-progress latency at 100,000 trials: seeds a throwaway database with one
 * study of N trials (about 85% COMPLETE), then times the routes through `app.inject` (no network),
 * printing median and p95 per route. Run: `pnpm --filter @tunefleet/api bench [trials]`.
 * Needs Postgres (TUNEFLEET_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { createDb, createStores, migrate } from '@tunefleet/db';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createRedis } from '../src/start.js';

const trials = Number(process.argv[2] ?? 100_000);
const reps = 30;
const server = new URL(process.env.TUNEFLEET_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
const name = `tunefleet_bench_${randomBytes(4).toString('hex')}`;
const url = new URL(server);
url.pathname = `/${name}`;

const admin = createDb(server.toString());
await migrate({ databaseUrl: url.toString() });
const db = createDb(url.toString());
const log = pino({ level: 'silent' });
const config = loadConfig({ API_KEY: 'bench-key-0123456789', LOG_LEVEL: 'silent' });
const redis = createRedis(config.redisUrl, log);
try {
  const stores = createStores(db);
  const study = await stores.studies.create({
    name: 'bench',
    spec: { kind: 'cnn', constraints: { minAccuracy: 0.5, maxParams: null } },
    objective: { kind: 'cnn', dataset: { name: 'cifar10', trainSize: 45000, validationSize: 5000, testSize: 0 } },
    metric: 'vloss',
    direction: 'minimize',
    seed: 1,
    maxTrials: trials,
    parallelism: 64,
  });
  const seedStart = performance.now();
  // Deterministic metrics from sin/cos of the trial number; every 10th PRUNED, every 17th FAILED.
  await db.$executeRawUnsafe(
    `INSERT INTO "trial" ("study_id", "number", "params", "state", "vloss", "accuracy", "macro_f1", "parameter_count",
                          "efficiency", "objective_value", "started_at", "finished_at")
     SELECT $1::uuid, g, jsonb_build_object('learning_rate', 0.001 + g * 1e-9, 'cnn_layers', 4 + g % 4),
            (CASE WHEN g % 10 = 0 THEN 'PRUNED' WHEN g % 17 = 0 THEN 'FAILED' ELSE 'COMPLETE' END)::"trial_state",
            v, a, a - 0.01, p, 1 / (v * p), v, now() - interval '2 minutes', now() - interval '1 minute'
     FROM (SELECT g, 0.5 + abs(sin(g)) AS v, 0.3 + 0.6 * abs(cos(g)) AS a, 1000 + (g * 7919) % 1000000 AS p
           FROM generate_series(0, $2::int - 1) AS g) AS s`,
    study.id,
    trials,
  );
  await db.$executeRawUnsafe(`ANALYZE "trial"`);
  process.stdout.write(`seeded ${trials} trials in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n\n`);

  const app = await buildApp({ config, log, db, redis });
  await app.ready();
  const routes = [
    `/studies/${study.id}/leaderboard?by=efficiency&limit=50`,
    `/studies/${study.id}/leaderboard?by=value&limit=50`,
    `/studies/${study.id}/leaderboard?by=vloss&limit=50`,
    `/studies/${study.id}/leaderboard?by=accuracy&limit=50`,
    `/studies/${study.id}`,
    `/studies/${study.id}/trials?limit=500&after=50000`,
  ];
  process.stdout.write('| route | median ms | p95 ms |\n|---|---|---|\n');
  for (const route of routes) {
    const times: number[] = [];
    for (let i = 0; i < reps + 3; i++) {
      const t0 = performance.now();
      const res = await app.inject({ method: 'GET', url: route });
      if (res.statusCode !== 200) throw new Error(`${route} answered ${res.statusCode}`);
      if (i >= 3) times.push(performance.now() - t0); // the first 3 warm the caches
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
    process.stdout.write(`| ${route.replace(study.id, ':id')} | ${q(0.5)} | ${q(0.95)} |\n`);
  }
  await app.close();
} finally {
  redis.disconnect();
  await db.close();
  await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.close();
}
