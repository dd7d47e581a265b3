/**
 * Leaderboard and study-progress latency at 100,000 trials: seeds a throwaway database with one
 * study of N trials (about 85% COMPLETE; see seed-study.ts), then times the routes through `app.inject` (no network),
 * printing median and p95 per route. Run: `pnpm --filter @tunefleet/api bench [trials]`. The same
 * routes over HTTP under a fixed request rate: `bench/load.ts`.
 * Needs Postgres (TUNEFLEET_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
 */
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createRedis } from '../src/start.js';
import { seedBenchDatabase } from './seed-study.js';

const trials = Number(process.argv[2] ?? 100_000);
const reps = 30;

const bench = await seedBenchDatabase({ bigStudyTrials: trials, otherStudies: 0 });
const { db, studyId } = bench;
const study = { id: studyId };
const log = pino({ level: 'silent' });
const config = loadConfig({ API_KEY: 'bench-key-0123456789', LOG_LEVEL: 'silent' });
const redis = createRedis(config.redisUrl, log);
try {
  process.stdout.write(`seeded ${trials} trials in ${bench.seedSeconds.toFixed(1)} s\n\n`);

  const app = await buildApp({ config, log, db, redis });
  await app.ready();
  const routes = [
    `/studies/${study.id}/leaderboard?by=efficiency&limit=50`,
    `/studies/${study.id}/leaderboard?by=value&limit=50`,
    `/studies/${study.id}/leaderboard?by=vloss&limit=50`,
    `/studies/${study.id}/leaderboard?by=accuracy&limit=50`,
    `/studies/${study.id}`,
    `/studies/${study.id}/trials?limit=50&after=50000`,
    `/studies/${study.id}/trials?limit=500&after=50000`,
    `/studies/${study.id}/pareto?frontOnly=true`,
    `/studies/${study.id}/pareto`,
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
  await bench.drop();
}
