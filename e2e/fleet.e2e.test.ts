/**
 * The whole fleet end to end: the api, the scheduler and two workers as real processes, a small
 * CNN study on the real CIFAR-10 submitted over HTTP, run until it finishes; then what a user of
 * the api sees: final trial states, pruning at rung boundaries, the leaderboard, and checkpoints
 * that download, unpack and load as tfjs models that predict as the trial reported.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as models from '@tunefleet/models';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StudyDetail, TrialDetail, TrialSummary } from './helpers/api-client.js';
import { smallCnnStudy } from './helpers/small-cnn-study.js';
import { startTestFleet, stopFleetAfterAll, type TestFleet } from './helpers/test-fleet.js';
import { waitFor } from './helpers/wait-for.js';

const MAX_EPOCHS = 3;
const MIN_EPOCHS = 1;
const REDUCTION_FACTOR = 2;
/** ASHA's rungs below the last epoch: minEpochs × η^k (1 and 2 here). */
const RUNG_EPOCHS = [1, 2];
const TRAIN_SIZE = 600;
const VALIDATION_SIZE = 200;
const FINAL_STATES = ['COMPLETE', 'PRUNED', 'FAILED'];

let env: TestFleet;
let study: StudyDetail;
let trials: TrialSummary[];
let details: Map<string, TrialDetail>;

beforeAll(async () => {
  env = await startTestFleet({ workers: 2, schedulerEnv: { POLL_INTERVAL_MS: '500' } });
});

stopFleetAfterAll(() => env, () => study !== undefined);

describe('a small CNN study on the whole fleet', () => {
  it('runs to the end once submitted over HTTP', async () => {
    const created = await env.api.createStudy(
      smallCnnStudy({
        name: 'e2e fleet',
        maxTrials: 6,
        parallelism: 2,
        seed: 11,
        trainSize: TRAIN_SIZE,
        validationSize: VALIDATION_SIZE,
        maxEpochs: MAX_EPOCHS,
        asha: { minEpochs: MIN_EPOCHS, reductionFactor: REDUCTION_FACTOR },
        nStartupTrials: 3,
      }),
    );
    study = await waitFor(
      'the study to finish',
      async () => {
        const current = await env.api.getStudy(created.id);
        return current.status === 'RUNNING' ? undefined : current;
      },
      { timeoutMs: 480_000, intervalMs: 1_000 },
    );
    trials = await env.api.listTrials(study.id);
    details = new Map(await Promise.all(trials.map(async (t) => [t.id, await env.api.getTrial(t.id)] as const)));
  });

  it('finishes with every trial in a final state', () => {
    expect(study.status).toBe('COMPLETE');
    expect(trials.length).toBe(6);
    expect(new Set(trials.map((t) => t.number)).size).toBe(trials.length);
    for (const t of trials) expect(FINAL_STATES, `trial #${t.number} is ${t.state}`).toContain(t.state);
    const failures = trials.filter((t) => t.state === 'FAILED').map((t) => `#${t.number} ${t.failureType}: ${t.failureMessage}`);
    expect(failures).toEqual([]);
    // Both workers took part.
    expect(new Set(trials.map((t) => t.workerId))).toEqual(new Set(env.fleet.workerIds));
  });

  it('records contiguous epochs: all of them for COMPLETE trials, up to a rung for PRUNED ones', () => {
    const pruned = trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThanOrEqual(1);
    for (const t of trials) {
      const epochs = details.get(t.id)!.epochs.map((e) => e.epoch);
      const last = epochs.at(-1)!;
      expect(epochs, `trial #${t.number}`).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      if (t.state === 'COMPLETE') expect(last, `trial #${t.number}`).toBe(MAX_EPOCHS);
      if (t.state === 'PRUNED') {
        expect(RUNG_EPOCHS, `pruned trial #${t.number} ended at epoch ${last}`).toContain(last);
        // A pruned trial's objective value is its last intermediate value (Optuna _tell.py).
        expect(t.objectiveValue).toBeCloseTo(details.get(t.id)!.epochs.at(-1)!.value, 10);
      }
    }
  });

  it('ranks COMPLETE trials on the leaderboard by efficiency, and by validation loss', async () => {
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(complete.length).toBeGreaterThanOrEqual(1);

    const byEfficiency = await env.api.leaderboard(study.id, 'efficiency');
    expect(byEfficiency.direction).toBe('maximize');
    expect(byEfficiency.items.map((e) => e.trialId).sort()).toEqual(complete.map((t) => t.id).sort());
    byEfficiency.items.forEach((e, i) => {
      expect(e.rank).toBe(i + 1);
      expect(e.efficiency).toBeCloseTo(1 / (e.vloss! * e.parameterCount!), 12);
      expect(e.log10Efficiency).toBeCloseTo(-Math.log10(e.vloss! * e.parameterCount!), 10);
      const next = byEfficiency.items[i + 1];
      if (next !== undefined) {
        expect(e.efficiency!).toBeGreaterThanOrEqual(next.efficiency!);
        if (e.efficiency === next.efficiency) expect(e.number).toBeLessThan(next.number);
      }
    });

    const byVloss = await env.api.leaderboard(study.id, 'vloss');
    expect(byVloss.direction).toBe('minimize');
    const expected = [...complete].sort((a, b) => a.vloss! - b.vloss! || a.number - b.number).map((t) => t.number);
    expect(byVloss.items.map((e) => e.number)).toEqual(expected);
  });

  it('serves checkpoints that unpack and load into a model predicting as reported', async () => {
    const best = (await env.api.leaderboard(study.id, 'efficiency')).items[0]!;
    const detail = details.get(best.trialId)!;
    expect(detail.checkpoints.length).toBeGreaterThanOrEqual(1);
    const checkpoint = detail.checkpoints.at(-1)!;

    const download = await env.api.downloadCheckpoint(best.trialId, checkpoint.epoch);
    expect(download.contentType).toBe('application/x-tar');
    const sha256 = createHash('sha256').update(download.data).digest('hex');
    expect(sha256).toBe(checkpoint.sha256);
    expect(download.sha256Header).toBe(sha256);
    expect(download.data.byteLength).toBe(checkpoint.sizeBytes);

    const dir = await mkdtemp(path.join(tmpdir(), 'tunefleet-e2e-checkpoint-'));
    try {
      // Unpacked by the system tar: the archive is a plain tar file to anyone who downloads it.
      const archive = path.join(dir, 'checkpoint.tar');
      await writeFile(archive, download.data);
      await promisify(execFile)('tar', ['-xf', archive, '-C', dir]);
      const folder = path.join(dir, `epoch-${checkpoint.epoch}`);
      expect((await stat(path.join(folder, 'model.json'))).isFile()).toBe(true);

      const model = await tf.loadLayersModel(models.checkpointModelHandler(folder));
      try {
        // The validation split the worker evaluated (same sizes, split seed 0): the loaded model
        // must reach the accuracy the trial reported for this epoch (up to backend rounding on
        // an image or two near a tie).
        const data = await models.loadCifar10({ trainSize: TRAIN_SIZE, validationSize: VALIDATION_SIZE, testSize: 0, seed: 0 });
        const evaluation = await models.evaluate(model, data.validation, data, 50);
        const reported = detail.epochs.find((e) => e.epoch === checkpoint.epoch)!;
        expect(Math.abs(evaluation.accuracy - reported.accuracy!)).toBeLessThanOrEqual(2 / VALIDATION_SIZE);
        expect(evaluation.loss).toBeCloseTo(reported.vloss!, 2);

        const batch = models.makeBatch(data.validation, [0, 1, 2, 3], data, null);
        const logits = tf.tidy(() => model.predict(tf.tensor4d(batch.x, [batch.count, 32, 32, 3])) as tf.Tensor);
        expect(logits.shape).toEqual([4, 10]);
        expect(Array.from(await logits.data()).every(Number.isFinite)).toBe(true);
        logits.dispose();
      } finally {
        model.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
