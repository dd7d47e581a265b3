/**
 * The dashboard's data routes on a study of N trials (default 10,000) with 8 parameters and 9 epochs
 * of validation loss each: median and p95 per route through `app.inject` (no network), the first
 * (uncached) fANOVA importance, and fANOVA alone at N trials × 8 params.
 * Run: `pnpm --filter @tunefleet/api bench:analysis [trials]`.
 * Needs Postgres (TUNEFLEET_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { createDb, createStores, migrate } from '@tunefleet/db';
import { createRng, fanovaImportances, parseSearchSpace } from '@tunefleet/search';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createRedis } from '../src/start.js';

const trials = Number(process.argv[2] ?? 10_000);
const reps = 20;

/** As stored in a study's spec (JSON). */
const SPACE: Record<string, Record<string, string | number | boolean | (string | boolean)[]>> = {
  learning_rate: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  dropout: { type: 'float', low: 0, high: 0.5 },
  momentum: { type: 'float', low: 0.5, high: 0.99 },
  weight_decay: { type: 'float', low: 1e-6, high: 1e-2, log: true },
  cnn_layers: { type: 'int', low: 2, high: 8 },
  starting_channels: { type: 'int', low: 8, high: 64 },
  activation: { type: 'categorical', choices: ['relu', 'gelu', 'elu'] },
  batch_norm: { type: 'categorical', choices: [true, false] },
};

// A throwaway database of its own (the shared bench seeding builds a different mix of studies).
const server = new URL(process.env.TUNEFLEET_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
const url = new URL(server);
url.pathname = `/tunefleet_bench_${randomBytes(4).toString('hex')}`;
const admin = createDb(server.toString());
await migrate({ databaseUrl: url.toString() });
const db = createDb(url.toString());
const log = pino({ level: 'silent' });
const config = loadConfig({ API_KEY: 'bench-key-0123456789', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '0' });
const redis = createRedis(config.redisUrl, log);
try {
  const study = await createStores(db).studies.create({
    name: 'analysis bench',
    spec: { kind: 'function', searchSpace: SPACE, prunerJSON: { type: 'hyperband', minResource: 1, maxResource: 9, reductionFactor: 3, bootstrapCount: 0 }, maxEpochs: 9 },
    objective: { kind: 'function', name: 'bench' },
    metric: 'vloss',
    direction: 'minimize',
    seed: 1,
    maxTrials: trials,
    parallelism: 64,
  });
  const seedStart = performance.now();
  // Params from sin/cos of the trial number; vloss mostly from learning rate and layers.
  await db.$executeRawUnsafe(
    `INSERT INTO "trial" ("study_id", "number", "params", "state", "objective_value", "vloss")
     SELECT $1::uuid, g, jsonb_build_object('learning_rate', lr, 'dropout', 0.25 + 0.25 * sin(g * 1.3), 'momentum', 0.745 + 0.245 * cos(g * 0.7),
              'weight_decay', power(10, -4 + 2 * sin(g * 2.1)), 'cnn_layers', 2 + g % 7, 'starting_channels', 8 + (g * 13) % 57,
              'activation', (ARRAY['relu', 'gelu', 'elu'])[1 + g % 3], 'batch_norm', g % 2 = 0),
            (CASE WHEN g % 10 = 0 THEN 'PRUNED' ELSE 'COMPLETE' END)::"trial_state", v, v
     FROM (SELECT g, power(10, -2.5 + 1.5 * sin(g * 0.37)) AS lr,
                  0.6 + abs(log(power(10, -2.5 + 1.5 * sin(g * 0.37))) + 2.5) * 0.3 + abs(2 + g % 7 - 5) * 0.05 + 0.02 * cos(g) AS v
           FROM generate_series(0, $2::int - 1) AS g) AS s`,
    study.id,
    trials,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO "intermediate_value" ("trial_id", "epoch", "value", "vloss")
     SELECT t."id", e, t."vloss" * (1 + 1.0 / e), t."vloss" * (1 + 1.0 / e)
     FROM "trial" AS t CROSS JOIN generate_series(1, 9) AS e WHERE t."study_id" = $1::uuid`,
    study.id,
  );
  await db.$executeRawUnsafe(`ANALYZE "trial"`);
  await db.$executeRawUnsafe(`ANALYZE "intermediate_value"`);
  process.stdout.write(`seeded ${trials} trials × 9 epochs in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n\n`);

  const app = await buildApp({ config, log, db, redis });
  await app.ready();
  const t0 = performance.now();
  const first = await app.inject({ method: 'GET', url: `/studies/${study.id}/importance` });
  if (first.statusCode !== 200) throw new Error(`importance answered ${first.statusCode}: ${first.body}`);
  process.stdout.write(`first /importance (fANOVA, 64 trees, uncached): ${(performance.now() - t0).toFixed(0)} ms\n`);
  process.stdout.write(`  ${first.json().importances.map((i: { name: string; importance: number }) => `${i.name}=${i.importance.toFixed(3)}`).join(' ')}\n\n`);

  const routes = [
    `/studies/${study.id}/history`,
    `/studies/${study.id}/history?limit=1000`,
    `/studies/${study.id}/curves`,
    `/studies/${study.id}/curves?limit=200`,
    `/studies/${study.id}/params`,
    `/studies/${study.id}/importance`,
    `/studies/${study.id}/leaderboard?by=parameters`,
  ];
  process.stdout.write('| route | median ms | p95 ms | KiB |\n|---|---|---|---|\n');
  for (const route of routes) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < reps + 2; i++) {
      const start = performance.now();
      const res = await app.inject({ method: 'GET', url: route });
      if (res.statusCode !== 200) throw new Error(`${route} answered ${res.statusCode}`);
      bytes = res.rawPayload.length;
      if (i >= 2) times.push(performance.now() - start); // the first 2 warm the caches
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
    process.stdout.write(`| ${route.replace(study.id, ':id')} | ${q(0.5)} | ${q(0.95)} | ${(bytes / 1024).toFixed(0)} |\n`);
  }
  await app.close();

  // fANOVA alone, without the database: N trials × 8 params.
  const space = parseSearchSpace(SPACE);
  const rng = createRng(7);
  const synthetic = Array.from({ length: trials }, () => {
    const params = {
      learning_rate: 10 ** (-4 + 3 * rng.next()),
      dropout: 0.5 * rng.next(),
      momentum: 0.5 + 0.49 * rng.next(),
      weight_decay: 10 ** (-6 + 4 * rng.next()),
      cnn_layers: rng.int(2, 8),
      starting_channels: rng.int(8, 64),
      activation: ['relu', 'gelu', 'elu'][rng.int(0, 2)],
      batch_norm: rng.next() < 0.5,
    };
    const value = (Math.log10(params.learning_rate) + 2.5) ** 2 + 0.1 * Math.abs(params.cnn_layers - 5) + 0.05 * rng.normal();
    return { params, value };
  });
  for (let run = 0; run < 3; run++) {
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    fanovaImportances(space, synthetic);
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(
      `fanovaImportances ${trials} trials × 8 params, 64 trees: ${(performance.now() - start).toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms cpu\n`,
    );
  }
} finally {
  redis.disconnect();
  await db.close();
  await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
  await admin.close();
}
