/**
 * Realistic studies for the browser tests and the README screenshot: a CNN study submitted over
 * HTTP, then trials written through the stores the scheduler uses (per-epoch reports, ASHA rungs,
 * prunes, completions with per-class accuracy and a confusion matrix), all from a seeded generator
 * so every run draws the same pages. A loss model ties the numbers together: learning rates near
 * 2.5e-3 and wider, deeper networks reach lower validation loss.
 */
import type { Db, Stores } from '@tunefleet/db';
import { describeArchitecture, resolveHyperparameters } from '@tunefleet/models/config';
import { efficiency, logEfficiency } from '@tunefleet/search';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export const API_KEY = 'dashboard-test-key-0123456789';

/** Rungs of the study's ASHA pruner (minEpochs 1, reductionFactor 3, maxEpochs 9), in epochs. */
export const RUNG_EPOCHS = [1, 3] as const;
export const MAX_EPOCHS = 9;

export function cnnStudyBody(name = 'cifar10 · compact CNNs'): Record<string, unknown> {
  return {
    name,
    space: {
      learning_rate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
      starting_channels: { type: 'int', low: 16, high: 64 },
      cnn_layers: { type: 'int', low: 4, high: 7 },
      dropout: { type: 'float', low: 0, high: 0.5 },
      activation: { type: 'categorical', choices: ['relu', 'gelu', 'elu'] },
    },
    objective: 'efficiency',
    constraints: { minAccuracy: 0.55 },
    maxTrials: 80,
    parallelism: 4,
    sampler: { type: 'tpe' },
    pruner: { type: 'asha', mode: 'stop', minEpochs: 1, maxEpochs: MAX_EPOCHS, reductionFactor: 3 },
    dataset: { name: 'cifar10', trainSize: 45000, validationSize: 5000, testSize: 0 },
    fixed: { final_channels: 160, fcn_layers: 3, batch_size: 128 },
  };
}

export function functionStudyBody(name = 'branin · random search'): Record<string, unknown> {
  return {
    name,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    function: { name: 'branin' },
    maxTrials: 50,
    parallelism: 4,
    sampler: { type: 'random' },
    pruner: { type: 'none', maxEpochs: 1 },
  };
}

/** POST /studies; returns the created study's id. */
export async function submitStudy(apiUrl: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${apiUrl}/studies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`POST /studies answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** Mulberry32: a small seeded generator, enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How much harder each CIFAR-10 class is than the average (cats and dogs are confused most). */
const CLASS_OFFSET = [0.03, 0.1, -0.1, -0.2, -0.04, -0.1, 0.06, 0.04, 0.09, 0.08];
/** Pairs of classes a CNN confuses more than others. */
const SIMILAR: [number, number, number][] = [
  [3, 5, 6],
  [1, 9, 6],
  [0, 8, 4],
  [4, 7, 3],
  [2, 0, 2],
  [2, 6, 2],
  [3, 6, 2],
];

/** A 10×10 confusion matrix of `perClass` images per class at about `accuracy`, and its metrics. */
export function confusionFor(accuracy: number, perClass: number, random: () => number) {
  const matrix: number[][] = [];
  for (let t = 0; t < 10; t++) {
    const recall = Math.min(0.99, Math.max(0.05, accuracy + CLASS_OFFSET[t] + (random() - 0.5) * 0.04));
    const correct = Math.round(recall * perClass);
    const weights = Array.from({ length: 10 }, (_, p) => (p === t ? 0 : 1 + random() * 0.5));
    for (const [a, b, w] of SIMILAR) {
      if (a === t) weights[b] += w;
      if (b === t) weights[a] += w;
    }
    const total = weights.reduce((s, w) => s + w, 0);
    const wrong = perClass - correct;
    // Largest-remainder rounding keeps every row summing to `perClass`.
    const exact = weights.map((w) => (w / total) * wrong);
    const row = exact.map(Math.floor);
    let left = wrong - row.reduce((s, v) => s + v, 0);
    for (const p of exact.map((v, i) => [v - Math.floor(v), i]).sort((x, y) => y[0] - x[0]).map(([, i]) => i)) {
      if (left-- <= 0) break;
      row[p]++;
    }
    row[t] = correct;
    matrix.push(row);
  }
  const columnSums = matrix[0].map((_, p) => matrix.reduce((s, row) => s + row[p], 0));
  const perClassAccuracy = matrix.map((row, t) => row[t] / perClass);
  const f1s = matrix.map((row, t) => {
    const precision = columnSums[t] === 0 ? 0 : row[t] / columnSums[t];
    const recall = row[t] / perClass;
    return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  });
  return {
    matrix,
    perClassAccuracy,
    accuracy: matrix.reduce((s, row, t) => s + row[t], 0) / (perClass * 10),
    macroF1: f1s.reduce((s, v) => s + v, 0) / 10,
  };
}

export interface SeededTrial {
  readonly id: string;
  readonly number: number;
  readonly state: 'COMPLETE' | 'PRUNED' | 'RUNNING' | 'FAILED';
}

export interface SeedOptions {
  readonly trials: number;
  readonly seed?: number;
  /** Trials left RUNNING at the end (a live study), after `trials` finished ones. */
  readonly running?: number;
  /** Trials with a checkpoint at their last epoch (the first COMPLETE ones). */
  readonly checkpoints?: number;
}

/**
 * Writes `trials` finished trials (and `running` open ones) into a study created with
 * `cnnStudyBody`, as the scheduler would: each created RUNNING, reported epoch by epoch, judged at
 * each rung against the values recorded there so far (kept if in the top third), then PRUNED or
 * COMPLETE with final metrics.
 */
export async function seedCnnTrials(stores: Stores, studyId: string, options: SeedOptions): Promise<SeededTrial[]> {
  const random = seededRandom(options.seed ?? 7);
  const fixed = (cnnStudyBody().fixed ?? {}) as Record<string, unknown>;
  const rungValues: number[][] = RUNG_EPOCHS.map(() => []);
  const seeded: SeededTrial[] = [];
  let checkpointsLeft = options.checkpoints ?? 0;
  const total = options.trials + (options.running ?? 0);

  for (let i = 0; i < total; i++) {
    const params = {
      learning_rate: 10 ** (-4 + 2 * random()),
      starting_channels: 16 + Math.floor(random() * 49),
      cnn_layers: 4 + Math.floor(random() * 4),
      dropout: Math.round(random() * 50) / 100,
      activation: ['relu', 'gelu', 'elu'][Math.floor(random() * 3)],
    };
    const parameterCount = describeArchitecture(resolveHyperparameters({ ...fixed, ...params })).totalParams;
    const trial = await stores.trials.create(studyId, { params, running: { parameterCount } });
    const open = i >= options.trials;

    const lrMiss = (Math.log10(params.learning_rate) - Math.log10(2.5e-3)) ** 2;
    const floor = 0.62 + 0.32 * lrMiss + 0.9 / params.starting_channels ** 0.6 + 0.06 / (params.cnn_layers - 3) + 0.25 * params.dropout ** 2 + random() * 0.06;
    const tau = 1.2 + 1.5 * lrMiss + random() * 0.5;
    const lastEpoch = open ? 1 + Math.floor(random() * 4) : MAX_EPOCHS;
    let state: SeededTrial['state'] = open ? 'RUNNING' : 'COMPLETE';
    let value = 0;
    let vloss = 0;
    let accuracy = 0;
    let prunedAtRung: number | null = null;

    for (let epoch = 1; epoch <= lastEpoch; epoch++) {
      vloss = floor + (2.3 - floor) * Math.exp(-epoch / tau) + (random() - 0.5) * 0.02;
      accuracy = Math.min(0.95, Math.max(0.1, 0.1 + (0.85 * (2.3 - vloss)) / 1.75));
      value = logEfficiency(vloss, parameterCount);
      await stores.trials.reportEpoch(trial.id, {
        epoch,
        value,
        vloss,
        accuracy,
        macroF1: accuracy - 0.012,
        trainLoss: vloss * (0.82 - 0.02 * epoch),
        imagesPerSec: 2400 + random() * 600,
        elapsedMs: Math.round(18_000 + random() * 4_000),
      });
      const rung = RUNG_EPOCHS.indexOf(epoch as (typeof RUNG_EPOCHS)[number]);
      if (rung >= 0 && !open) {
        await stores.trials.recordRung(trial.id, rung, value);
        const values = rungValues[rung];
        values.push(value);
        // Keep the top 1/η (η = 3) of the values recorded at this rung so far (maximising).
        const sorted = [...values].sort((a, b) => b - a);
        const kept = sorted.slice(0, Math.max(1, Math.floor(values.length / 3)));
        if (values.length >= 3 && value < kept[kept.length - 1]) {
          state = 'PRUNED';
          prunedAtRung = rung;
          break;
        }
      }
    }

    if (state === 'PRUNED') {
      await stores.trials.apply(trial.id, 'pruned', { objectiveValue: value, prunedAtRung });
    } else if (state === 'COMPLETE') {
      const cm = confusionFor(accuracy, 500, random);
      await stores.trials.apply(trial.id, 'completed', {
        vloss,
        accuracy: cm.accuracy,
        macroF1: cm.macroF1,
        perClassAccuracy: cm.perClassAccuracy,
        confusionMatrix: cm.matrix,
        parameterCount,
        efficiency: efficiency(vloss, parameterCount),
        objectiveValue: logEfficiency(vloss, parameterCount),
      });
      if (checkpointsLeft > 0) {
        checkpointsLeft--;
        await stores.checkpoints.save({ trialId: trial.id, epoch: MAX_EPOCHS, data: new TextEncoder().encode(`weights of trial ${trial.number}`) });
      }
    }
    seeded.push({ id: trial.id, number: trial.number, state });
  }
  return seeded;
}

/** Workers as their heartbeats leave them: two busy on open trials, one idle, one silent. */
export async function seedWorkers(stores: Stores, busyTrialIds: readonly string[], now = new Date()): Promise<void> {
  const beat = (id: string, gpu: string | null, trialId: string | null, ageMs: number, backend = 'tensorflow-gpu') =>
    stores.workers.heartbeat({ id, host: `gpu-node-${id.slice(-1)}`, backend, gpu, trialId, at: new Date(now.getTime() - ageMs) });
  await beat('worker-1', 'NVIDIA A100-SXM4-40GB', busyTrialIds[0] ?? null, 2_000);
  await beat('worker-2', 'NVIDIA A100-SXM4-40GB', busyTrialIds[1] ?? null, 4_000);
  await beat('worker-3', null, null, 6_000, 'tensorflow');
  await beat('worker-4', 'NVIDIA T4', null, 10 * 60_000);
}

/**
 * `count` trials of a CNN study in one INSERT (with three epochs of intermediate values each, in
 * the same statement): about 70% COMPLETE, 25% PRUNED at the first rung, 5% FAILED, metrics from
 * sin and cos of the trial number.
 *
 * The study's trial counters are set from the inserted rows in the same transaction, with the
 * row-level counter triggers off (session_replication_role): each inserted row would otherwise
 * update the one study row again, and 10,000 updates of one row in one transaction take about a
 * minute on a shared machine, most of the browser tests' time budget.
 */
export async function insertManyTrials(db: Db, studyId: string, count: number): Promise<void> {
  await db.$transaction([
    db.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`),
    db.$executeRawUnsafe(
      `WITH s AS (
         SELECT g,
                (CASE WHEN g % 20 = 7 THEN 'FAILED' WHEN g % 4 = 1 THEN 'PRUNED' ELSE 'COMPLETE' END) AS st,
                0.65 + 0.5 * abs(sin(g * 0.37)) AS v,
                30000 + (g * 7919) % 900000 AS p,
                power(10, -4 + 2 * abs(cos(g * 1.3))) AS lr
         FROM generate_series(0, $2::int - 1) AS g
       ), t AS (
         INSERT INTO "trial" ("study_id", "number", "params", "state", "vloss", "accuracy", "macro_f1", "parameter_count",
                              "efficiency", "objective_value", "pruned_at_rung", "started_at", "finished_at", "last_event_at")
         SELECT $1::uuid, g,
                jsonb_build_object('learning_rate', lr, 'starting_channels', 16 + g % 49, 'cnn_layers', 4 + g % 4,
                                   'dropout', round(((g % 11) * 0.05)::numeric, 2), 'activation', (ARRAY['relu','gelu','elu'])[1 + g % 3]),
                st::"trial_state",
                CASE WHEN st = 'COMPLETE' THEN v END,
                CASE WHEN st = 'COMPLETE' THEN 0.95 - 0.4 * (v - 0.65) END,
                CASE WHEN st = 'COMPLETE' THEN 0.94 - 0.4 * (v - 0.65) END,
                p,
                CASE WHEN st = 'COMPLETE' THEN 1 / (v * p) END,
                CASE WHEN st = 'FAILED' THEN NULL ELSE -log(v * p) END,
                CASE WHEN st = 'PRUNED' THEN 0 END,
                now() - interval '2 hours' + g * interval '500 milliseconds',
                now() - interval '1 hour' + g * interval '500 milliseconds',
                now() - interval '1 hour' + g * interval '500 milliseconds'
         FROM s
         RETURNING "id", "number", "state"
       )
       INSERT INTO "intermediate_value" ("trial_id", "epoch", "value", "vloss", "accuracy")
       SELECT t."id", e, -log((0.7 + 0.5 * abs(sin(t."number" * 0.37)) + 1.2 / e) * 100000), 0.7 + 0.5 * abs(sin(t."number" * 0.37)) + 1.2 / e, 0.5
       FROM t CROSS JOIN generate_series(1, 3) AS e
       WHERE t."state" <> 'FAILED' AND (t."state" <> 'PRUNED' OR e = 1)`,
      studyId,
      count,
    ),
    // What TrialStore.create and the counter triggers would have left on the study row.
    db.$executeRawUnsafe(
      `UPDATE "study" SET "next_trial_number" = c."n", "complete_trials" = c."complete", "pruned_trials" = c."pruned",
              "failed_trials" = c."failed", "timed_trials" = c."n", "timed_trial_ms" = c."ms"
       FROM (SELECT count(*)::int AS "n", count(*) FILTER (WHERE "state" = 'COMPLETE')::int AS "complete",
                    count(*) FILTER (WHERE "state" = 'PRUNED')::int AS "pruned", count(*) FILTER (WHERE "state" = 'FAILED')::int AS "failed",
                    coalesce(sum((extract(epoch FROM ("finished_at" - "started_at")) * 1000)::bigint), 0) AS "ms"
             FROM "trial" WHERE "study_id" = $1::uuid) AS c
       WHERE "id" = $1::uuid`,
      studyId,
    ),
  ]);
  await db.$executeRawUnsafe(`ANALYZE "trial"`);
}

/**
 * Spreads a seeded study over the last hour or so, as a real run would be: the store stamps every
 * trial with the moment it was written, so without this every trial lasts 0 s and the ETA is
 * meaningless. Each trial starts 38 s after the previous one and takes 21 s per reported epoch.
 */
export async function backdateStudy(db: Db, studyId: string): Promise<void> {
  await db.$transaction([
    db.$executeRawUnsafe(
      `UPDATE "study" SET "created_at" = now() - make_interval(secs => "next_trial_number" * 38 + 240) WHERE "id" = $1::uuid`,
      studyId,
    ),
    db.$executeRawUnsafe(
      `UPDATE "trial" AS t SET
         "created_at" = s."created_at" + t."number" * interval '38 seconds',
         "started_at" = s."created_at" + t."number" * interval '38 seconds' + interval '2 seconds',
         "finished_at" = CASE WHEN t."finished_at" IS NULL THEN NULL
                              ELSE s."created_at" + t."number" * interval '38 seconds' + interval '2 seconds'
                                   + (SELECT count(*) FROM "intermediate_value" iv WHERE iv."trial_id" = t."id") * interval '21 seconds' END,
         "last_event_at" = s."created_at" + t."number" * interval '38 seconds' + interval '2 seconds'
                           + (SELECT count(*) FROM "intermediate_value" iv WHERE iv."trial_id" = t."id") * interval '21 seconds'
       FROM "study" AS s
       WHERE s."id" = t."study_id" AND t."study_id" = $1::uuid`,
      studyId,
    ),
  ]);
}
