/**
 * Checkpoint faults: under promotion ASHA a paused trial is resumed from its rung's checkpoint when
 * it is promoted. While trials wait at their rungs, an injector damages the checkpoint of every
 * PAUSED trial at the rung it waits at, in Postgres: in one study it overwrites the stored bytes of
 * the second rung's checkpoints (their sha256 no longer matches; the first rung's stay intact, so
 * the fallback is the previous good checkpoint), in another it deletes the checkpoint row (and its
 * bytes) at any rung (mostly the first, so the fallback is scratch). The scheduler must notice at
 * the resume, fall back, say so (a warning and a resume fallback that GET /trials/:id shows), and
 * the study must still finish with nothing lost, duplicated or stuck: the retrained epochs are not
 * stored twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '../e2e/helpers/app-process.js';
import {
  type ChaosFleet,
  checkStudyInvariants,
  createLogWatch,
  recordScenario,
  scenarioRow,
  startChaosFleet,
  waitForStudyEnd,
} from './harness/index.js';

const MAX_EPOCHS = 4;

interface ResumeFallback {
  readonly attempt: number;
  readonly problem: 'missing' | 'corrupt';
  readonly checkpointTrialId: string;
  readonly checkpointEpoch: number;
  readonly resumedFromEpoch: number;
}

type Damage = 'corrupt' | 'delete';

/** A function study under promotion ASHA: rungs at epochs 1 and 2, the top at 4. */
function promotionStudy(name: string, seed: number): Record<string, unknown> {
  return {
    name,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    function: { name: 'branin' },
    maxTrials: 16,
    parallelism: 2,
    seed,
    sampler: { type: 'random' },
    pruner: { type: 'asha', mode: 'promote', minEpochs: 1, maxEpochs: MAX_EPOCHS, reductionFactor: 2 },
  };
}

/**
 * Damages, every 50 ms until stopped, the checkpoint of each PAUSED trial of the study at the epoch
 * it paused at (its last reported one; earlier checkpoints stay intact), if that is `minEpoch` or
 * later; returns the
 * `trialId@epoch` of every checkpoint it damaged.
 */
function startInjector(fleet: ChaosFleet, studyId: string, damage: Damage, minEpoch: number): { stop(): Promise<Set<string>> } {
  const damaged = new Set<string>();
  let running = true;
  const newestOfPaused = `
    SELECT c.id FROM checkpoint c JOIN trial t ON t.id = c.trial_id
     WHERE t.study_id = $1::uuid AND t.state = 'PAUSED'
       AND c.epoch >= ${minEpoch}
       AND c.epoch = (SELECT max(epoch) FROM intermediate_value WHERE trial_id = c.trial_id)`;
  const sql =
    damage === 'corrupt'
      ? `UPDATE checkpoint_blob b SET data = '\\xdeadbeef'::bytea FROM checkpoint c
          WHERE b.checkpoint_id = c.id AND c.id IN (${newestOfPaused}) AND b.data <> '\\xdeadbeef'::bytea
          RETURNING c.trial_id::text AS trial_id, c.epoch`
      : `DELETE FROM checkpoint WHERE id IN (${newestOfPaused}) RETURNING trial_id::text AS trial_id, epoch`;
  const loop = (async () => {
    while (running) {
      const rows = await fleet.testDb.db.$queryRawUnsafe<{ trial_id: string; epoch: number }[]>(sql, studyId);
      for (const r of rows) damaged.add(`${r.trial_id}@${r.epoch}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return damaged;
    },
  };
}

describe('checkpoint faults', () => {
  const isFallbackLine = (app: string, line: LogLine) => app === 'scheduler' && typeof line.msg === 'string' && line.msg.startsWith('checkpoint unusable');
  const watch = createLogWatch({ keep: isFallbackLine });
  let fleet: ChaosFleet;
  let failed = false;

  beforeAll(async () => {
    fleet = await startChaosFleet({
      workers: 2,
      schedulerEnv: { POLL_INTERVAL_MS: '200', RECONCILE_INTERVAL_MS: '1000', MAX_TRIAL_ATTEMPTS: '100' },
      workerEnv: { FUNCTION_EPOCH_MS: '100', HEARTBEAT_INTERVAL_MS: '1000', TF_BACKEND: 'cpu' },
      onLog: watch.onLog,
    });
  });
  afterAll(async () => {
    if (fleet === undefined) return;
    await fleet.cleanup({ keepLogs: failed });
    if (failed) process.stderr.write(`chaos fleet logs kept in ${fleet.workDir}\n`);
  });

  it.each([
    ['corrupt', 'bytes overwritten at the second rung (sha256 mismatch)', 2, 41],
    ['delete', 'row deleted', 1, 42],
  ] as const)('a promoted trial whose checkpoint was damaged (%s) resumes from an earlier one or from scratch, and says so', async (damage, what, minEpoch, seed) => {
    const started = Date.now();
    try {
      const study = await fleet.api.createStudy(promotionStudy(`chaos checkpoint ${damage}`, seed));
      const injector = startInjector(fleet, study.id, damage, minEpoch);
      const finished = await waitForStudyEnd(fleet.api, study.id, 120_000).finally(() => injector.stop());
      const damaged = await injector.stop();
      const report = await checkStudyInvariants(fleet.testDb.db, study.id);

      // What the api shows for every trial that had a checkpoint damaged.
      const damagedTrials = new Set([...damaged].map((key) => key.split('@')[0]!));
      const fallbacks: ResumeFallback[] = [];
      for (const trialId of damagedTrials) {
        const detail = (await fleet.api.getTrial(trialId)) as unknown as { resumeFallbacks: ResumeFallback[] };
        fallbacks.push(...detail.resumeFallbacks);
      }
      const problem = damage === 'corrupt' ? 'corrupt' : 'missing';
      const unexplained = fallbacks
        .filter((f) => f.problem !== problem || !damaged.has(`${f.checkpointTrialId}@${f.checkpointEpoch}`) || f.resumedFromEpoch >= f.checkpointEpoch)
        .map((f) => `unexpected resume fallback ${JSON.stringify(f)}`);
      const logged = watch.seen(isFallbackLine).filter(({ line }) => damagedTrials.has(line.trialId as string));
      recordScenario(
        scenarioRow(`checkpoint ${what} before its resume`, [report], {
          faults: `${damaged.size} checkpoints damaged; ${fallbacks.length} resumes fell back (${fallbacks.filter((f) => f.resumedFromEpoch === 0).length} to scratch)`,
          seconds: (Date.now() - started) / 1000,
          violations: unexplained,
        }),
      );

      expect(finished.status).toBe('COMPLETE');
      expect(report.violations).toEqual([]);
      expect(damaged.size).toBeGreaterThan(0);
      // Promotion resumed at least one damaged checkpoint, and every fallback names one.
      expect(fallbacks.length).toBeGreaterThan(0);
      expect(unexplained).toEqual([]);
      expect(logged.length).toBe(fallbacks.length);
      // Only second-rung checkpoints were corrupted: each of those resumes from the intact first.
      if (damage === 'corrupt') expect(fallbacks.map((f) => f.resumedFromEpoch)).toEqual(fallbacks.map(() => 1));
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});
