/**
 * A throwaway database for the api benchmarks: migrated, seeded in a few INSERT … SELECT
 * statements, analysed, and dropped by `drop()`.
 *
 * The mix (defaults): one big study of 100,000 trials (issue 4's leaderboard of ONE study), and 999
 * more studies sharing another 100,000 trials by a Zipf law (study k of the 999 has about
 * 100,000 / (k × H₉₉₉) trials: 13,370, 6,685, 4,457, … down to 13), so 1,000 studies and 200,000
 * trials in all, a few large studies and a long tail of small ones. Half the studies minimise
 * vloss, half maximise efficiency (objective value = log10 efficiency) with an accuracy floor of
 * 0.5; every study fixes batch_size. Each study's last `parallelism` (8) trials are RUNNING, the
 * rest about 85% COMPLETE, every 10th PRUNED, every 17th FAILED, with deterministic metrics from
 * sin and cos of the trial number and the study's index, and seven searched hyperparameters.
 * Finished trials have per-epoch values as ASHA leaves them: one epoch for most, 3 for every third,
 * 9 for every ninth.
 *
 * Needs Postgres (TUNEFLEET_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { type Db, createDb, migrate } from '@tunefleet/db';

export interface SeedOptions {
  /** Trials of the one big study (default 100,000). */
  readonly bigStudyTrials?: number;
  /** Studies besides the big one (default 999). */
  readonly otherStudies?: number;
  /** Trials shared by the other studies, Zipf-distributed (default 100,000). */
  readonly otherTrials?: number;
}

export interface BenchDatabase {
  readonly url: string;
  readonly db: Db;
  /** The big study. */
  readonly studyId: string;
  /** Every study, the big one first. */
  readonly studyIds: readonly string[];
  /** Trials in the database. */
  readonly trials: number;
  readonly seedSeconds: number;
  drop(): Promise<void>;
}

/** Trials per study: the big study first, then the others by Zipf's law, each at least 1. */
export function studySizes({ bigStudyTrials = 100_000, otherStudies = 999, otherTrials = 100_000 }: SeedOptions = {}): number[] {
  for (const [name, value] of [['bigStudyTrials', bigStudyTrials], ['otherStudies', otherStudies], ['otherTrials', otherTrials]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  let harmonic = 0;
  for (let k = 1; k <= otherStudies; k++) harmonic += 1 / k;
  const others = Array.from({ length: otherStudies }, (_, i) => Math.max(1, Math.round(otherTrials / ((i + 1) * harmonic))));
  return [bigStudyTrials, ...others];
}

export async function seedBenchDatabase(options: SeedOptions = {}): Promise<BenchDatabase> {
  const sizes = studySizes(options);
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
    const seedStart = performance.now();
    // Study k (0 = the big one) minimises vloss when k is even and maximises efficiency otherwise.
    const { rows: studies } = await db.pool.query<{ id: string }>(
      `INSERT INTO "study" ("name", "spec", "objective", "metric", "direction", "seed", "max_trials", "parallelism",
                            "next_trial_number", "created_at")
       SELECT 'bench-' || k,
              jsonb_build_object('v', 1, 'kind', 'cnn', 'constraints', jsonb_build_object('minAccuracy', 0.5, 'maxParams', NULL),
                                 'fixed', jsonb_build_object('batch_size', 128), 'maxEpochs', 9, 'maxTrials', size, 'parallelism', 8),
              '{"kind":"cnn","dataset":{"name":"cifar10","trainSize":45000,"validationSize":5000,"testSize":10000}}'::jsonb,
              CASE WHEN k % 2 = 0 THEN 'vloss' ELSE 'efficiency' END,
              (CASE WHEN k % 2 = 0 THEN 'minimize' ELSE 'maximize' END)::"study_direction",
              k, greatest(size, 1), 8, size, now() - interval '1 day'
       FROM unnest($1::int[]) WITH ORDINALITY AS u(size, k1), LATERAL (SELECT k1 - 1 AS k) AS kk
       ORDER BY k
       RETURNING "id"::text AS "id"`,
      [sizes],
    );
    const studyIds = studies.map((s) => s.id);
    // The counter triggers would update a study row once per trial (100,000 times for the big
    // study): the seed turns triggers off for its bulk inserts and fills the counters after them.
    const seeder = await db.pool.connect();
    try {
      await seeder.query('SET session_replication_role = replica');
      await insertTrials((text) => seeder.query(text));
    } finally {
      await seeder.query('RESET session_replication_role');
      seeder.release();
    }
    await db.pool.query(
      `UPDATE "study" AS s SET
         "waiting_trials" = d."waiting", "running_trials" = d."running", "paused_trials" = d."paused",
         "complete_trials" = d."complete", "pruned_trials" = d."pruned", "failed_trials" = d."failed",
         "timed_trials" = d."timed", "timed_trial_ms" = d."timed_ms"
       FROM (SELECT "study_id",
                    count(*) FILTER (WHERE "state" = 'WAITING') AS "waiting", count(*) FILTER (WHERE "state" = 'RUNNING') AS "running",
                    count(*) FILTER (WHERE "state" = 'PAUSED') AS "paused", count(*) FILTER (WHERE "state" = 'COMPLETE') AS "complete",
                    count(*) FILTER (WHERE "state" = 'PRUNED') AS "pruned", count(*) FILTER (WHERE "state" = 'FAILED') AS "failed",
                    count(*) FILTER (WHERE "started_at" IS NOT NULL AND "finished_at" IS NOT NULL) AS "timed",
                    coalesce(sum((extract(epoch FROM ("finished_at" - "started_at")) * 1000)::bigint), 0) AS "timed_ms"
             FROM "trial" GROUP BY "study_id") AS d
       WHERE s."id" = d."study_id"`,
    );
    await db.pool.query('ANALYZE');
    const seedSeconds = (performance.now() - seedStart) / 1000;
    return {
      url: url.toString(),
      db,
      studyId: studyIds[0] as string,
      studyIds,
      trials: sizes.reduce((a, b) => a + b, 0),
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

/** Trials of every study and the per-epoch values of the finished ones (see the module comment). */
async function insertTrials(query: (text: string) => Promise<unknown>): Promise<void> {
  await query(
    `INSERT INTO "trial" ("study_id", "number", "params", "state", "attempts", "worker_id", "vloss", "accuracy", "macro_f1",
                          "parameter_count", "efficiency", "objective_value", "created_at", "started_at", "finished_at", "last_event_at")
     SELECT s."id", g,
            jsonb_build_object('learning_rate', 0.0001 + ((g * 7 + k) % 1000) * 1e-5, 'starting_channels', 16 + (g + k) % 49,
                               'cnn_layers', 4 + g % 4, 'fcn_layers', 1 + g % 4, 'dropout', ((g + k) % 11) * 0.05,
                               'activation', (ARRAY['relu', 'elu', 'gelu'])[1 + g % 3], 'weight_decay', ((g * 3) % 100) * 1e-6),
            m."state"::"trial_state", 1, CASE WHEN m."state" = 'RUNNING' THEN 'worker-' || (g % 16) END,
            m."v", m."a", m."a" - 0.01, m."p", 1 / (m."v" * m."p"),
            CASE WHEN m."v" IS NULL THEN NULL WHEN s."metric" = 'vloss' THEN m."v" ELSE -log(m."v" * m."p") END,
            now() - interval '3 minutes', now() - interval '2 minutes',
            CASE WHEN m."state" <> 'RUNNING' THEN now() - interval '1 minute' END, now() - interval '1 minute'
     FROM (SELECT "id", "metric", "max_trials", "next_trial_number" AS "size", "seed" AS "k" FROM "study") AS s
     CROSS JOIN LATERAL generate_series(0, s."size" - 1) AS g
     CROSS JOIN LATERAL (
       SELECT st AS "state",
              CASE WHEN st IN ('COMPLETE', 'PRUNED') THEN 0.5 + abs(sin(g + k)) END AS "v",
              CASE WHEN st IN ('COMPLETE', 'PRUNED') THEN 0.3 + 0.6 * abs(cos(g * 1.3 + k)) END AS "a",
              CASE WHEN st IN ('COMPLETE', 'PRUNED') THEN 1000 + ((g + k) * 7919) % 1000000 END AS "p"
       FROM (SELECT CASE WHEN g >= s."size" - 8 THEN 'RUNNING' WHEN g % 10 = 0 THEN 'PRUNED' WHEN g % 17 = 0 THEN 'FAILED'
                         ELSE 'COMPLETE' END AS st) AS st
     ) AS m`,
  );
  await query(
    `INSERT INTO "intermediate_value" ("trial_id", "epoch", "value", "vloss", "accuracy", "macro_f1", "train_loss",
                                       "images_per_sec", "elapsed_ms", "created_at")
     SELECT t."id", e, t."vloss" + (9 - e) * 0.05, t."vloss" + (9 - e) * 0.05, t."accuracy" - (9 - e) * 0.01,
            t."macro_f1" - (9 - e) * 0.01, t."vloss" * 0.9, 2500 + t."number" % 500, 20000 * e, now() - interval '2 minutes'
     FROM "trial" AS t
     CROSS JOIN LATERAL generate_series(1, CASE WHEN t."number" % 9 = 0 THEN 9 WHEN t."number" % 3 = 0 THEN 3 ELSE 1 END) AS e
     WHERE t."state" IN ('COMPLETE', 'PRUNED')`,
  );
}
