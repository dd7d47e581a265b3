/**
 * Scenario 1: workers killed with SIGKILL in the middle of an epoch, over and over, mid-study.
 * Each kill follows an epoch report (so the trial has a checkpoint and the kill lands inside the
 * next epoch) and a replacement worker is started at once, so the fleet never runs dry. The
 * scheduler notices each silent worker (heartbeat timeout) and retries its trial from the
 * checkpoint; each study must end COMPLETE with every lineage ending in one COMPLETE or PRUNED
 * trial, no epoch lost or stored twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { AppProcess, LogLine } from '../e2e/helpers/app-process.js';
import {
  checkStudyInvariants,
  createLogWatch,
  functionStudy,
  isEpochReport,
  recordScenario,
  scenarioRow,
  startChaosFleet,
  waitForStudyEnd,
} from './harness/index.js';

const KILLS = 20;
const MAX_EPOCHS = 4;
const EPOCH_MS = 250;

it(`finishes its studies through ${KILLS} kill -9s of workers mid-epoch, losing and repeating nothing`, async () => {
  const started = Date.now();
  const watch = createLogWatch();
  const fleet = await startChaosFleet({
    workers: 4,
    // A silent worker is noticed within ~2.5 s; retries are never exhausted, so a lineage that
    // ends FAILED is a loss, not bad luck.
    schedulerEnv: { POLL_INTERVAL_MS: '200', RECONCILE_INTERVAL_MS: '500', HEARTBEAT_TIMEOUT_MS: '2000', MAX_TRIAL_ATTEMPTS: '100' },
    workerEnv: { FUNCTION_EPOCH_MS: String(EPOCH_MS), HEARTBEAT_INTERVAL_MS: '500', LOG_LEVEL: 'debug', LAZY_TRAINER: 'true' },
    onLog: watch.onLog,
  });
  let passed = false;
  try {
    // No pruner: every trial runs all its epochs, so every trial offers kill points. Should a study
    // end before the kills are done (replacement workers start slowly on a busy machine), the
    // next one continues them: each study is checked all the same.
    const studies: string[] = [];
    const nextStudy = async () => {
      const created = await fleet.api.createStudy(
        functionStudy({ name: `chaos worker kills ${studies.length + 1}`, maxTrials: 40, parallelism: 4, seed: 21 + studies.length, maxEpochs: MAX_EPOCHS }),
      );
      studies.push(created.id);
    };
    await nextStudy();
    const replacements: Promise<AppProcess>[] = [];
    let kills = 0;
    const isKillPoint = (app: string, line: LogLine) => isEpochReport()(app, line) && (line.epoch as number) < MAX_EPOCHS;
    while (kills < KILLS) {
      const hit = await watch.next('an epoch report to time a kill', isKillPoint, 5_000).catch(() => undefined);
      if (hit === undefined) {
        if ((await fleet.api.getStudy(studies.at(-1)!)).status !== 'RUNNING') await nextStudy();
        continue;
      }
      // Never the last live worker: the fleet keeps one while replacements start.
      const victim = fleet.workers.find((w) => w.name === hit.app);
      if (victim === undefined || fleet.workers.length < 2) continue;
      await sleep(Math.floor(Math.random() * (EPOCH_MS / 2)));
      await fleet.kill(victim);
      kills += 1;
      replacements.push(fleet.startWorker());
    }
    await Promise.all(replacements);
    const finished = await Promise.all(studies.map((id) => waitForStudyEnd(fleet.api, id, 180_000)));
    const reports = await Promise.all(studies.map((id) => checkStudyInvariants(fleet.testDb.db, id, { queue: fleet.queue })));
    recordScenario(scenarioRow('1. worker kill -9 mid-epoch', reports, { faults: `${kills} worker kills`, seconds: (Date.now() - started) / 1000 }));

    expect(finished.map((s) => s.status)).toEqual(studies.map(() => 'COMPLETE'));
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    // The kills cost retries: each killed trial that had not ended is retried as a new trial.
    expect(reports.reduce((n, r) => n + r.retries, 0)).toBeGreaterThan(0);
    passed = true;
  } finally {
    await fleet.cleanup({ keepLogs: !passed });
    if (!passed) process.stderr.write(`chaos fleet logs kept in ${fleet.workDir}\n`);
  }
});
