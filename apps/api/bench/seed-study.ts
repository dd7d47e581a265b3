/**
 * A throwaway database with one study of N trials for the api benchmarks: migrated, seeded in one
 * INSERT (about 85% COMPLETE; every 10th PRUNED, every 17th FAILED; deterministic metrics from sin
 * and cos of the trial number), analysed, and dropped by `drop()`.
 * Needs Postgres (TUNEFLEET_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { type Db, createDb, createStores, migrate } from '@tunefleet/db';

export interface BenchDatabase {
  readonly url: string;
  readonly db: Db;
  readonly studyId: string;
  readonly seedSeconds: number;
  drop(): Promise<void>;
}

export async function seedBenchDatabase(trials: number): Promise<BenchDatabase> {
  const server = new URL(process.env.TUNEFLEET_BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const name = `tunefleet_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  const admin = createDb(server.toString());
  const drop = async () => {
    await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.close();
  };
  try {
    await migrate({ databaseUrl: url.toString() });
    const db = createDb(url.toString());
    const study = await createStores(db).studies.create({
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
    const seedSeconds = (performance.now() - seedStart) / 1000;
    return {
      url: url.toString(),
      db,
      studyId: study.id,
      seedSeconds,
      async drop() {
        await db.close();
        await drop();
      },
    };
  } catch (err) {
    await drop();
    throw err;
  }
}
