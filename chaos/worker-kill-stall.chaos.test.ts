/**
 * Scenario 1b: workers killed mid-epoch where BullMQ's stall check, not the scheduler's heartbeat
 * timeout, takes the job away: a short job lock and stall interval, a heartbeat timeout far longer
 * than the study. The job goes to another worker unchanged (same attempt, same startEpoch); that
 * delivery hands the trial back at the epoch the dead worker reached, and the scheduler dispatches
 * it again from its newest checkpoint: no epoch is trained twice, no trial is retried.
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

const KILLS = 3;
const MAX_EPOCHS = 4;
const EPOCH_MS = 300;

it(`resumes each of ${KILLS} killed workers’ trials from its checkpoint through BullMQ’s stall check, training no epoch twice`, async () => {
  const started = Date.now();
  const trained: { app: string; trialId: string; epoch: number }[] = [];
  const watch = createLogWatch();
  const fleet = await startChaosFleet({
    workers: 3,
    schedulerEnv: { POLL_INTERVAL_MS: '200', RECONCILE_INTERVAL_MS: '1000', HEARTBEAT_TIMEOUT_MS: '600000' },
    workerEnv: {
      FUNCTION_EPOCH_MS: String(EPOCH_MS),
      LOCK_DURATION_MS: '2000',
      STALLED_INTERVAL_MS: '1000',
      STOP_POLL_INTERVAL_MS: '500',
      LOG_LEVEL: 'debug',
      LAZY_TRAINER: 'true',
    },
    onLog: (app, line) => {
      if (isEpochReport()(app, line)) trained.push({ app, trialId: line.trialId as string, epoch: line.epoch as number });
      watch.onLog(app, line);
    },
  });
  let passed = false;
  try {
    const study = await fleet.api.createStudy(functionStudy({ name: 'chaos worker kills, stall path', maxTrials: 10, parallelism: 3, seed: 12, maxEpochs: MAX_EPOCHS }));
    const replacements: Promise<AppProcess>[] = [];
    const victims: string[] = [];
    while (victims.length < KILLS) {
      const isKillPoint = (app: string, line: LogLine) =>
        isEpochReport()(app, line) && (line.epoch as number) < MAX_EPOCHS && !victims.includes(line.trialId as string);
      const hit = await watch.next('an epoch report to time a kill', isKillPoint, 60_000);
      const victim = fleet.workers.find((w) => w.name === hit.app);
      if (victim === undefined || fleet.workers.length < 2) continue;
      await sleep(Math.floor(Math.random() * (EPOCH_MS / 2)));
      await fleet.kill(victim);
      victims.push(hit.line.trialId as string);
      replacements.push(fleet.startWorker());
    }
    await Promise.all(replacements);
    const finished = await waitForStudyEnd(fleet.api, study.id, 180_000);
    const report = await checkStudyInvariants(fleet.testDb.db, study.id, { queue: fleet.queue });
    // Epochs trained twice: a report of the same trial and epoch by two workers.
    const seen = new Set<string>();
    const repeated = trained.filter(({ trialId, epoch }) => seen.size === seen.add(`${trialId}:${epoch}`).size);
    recordScenario(
      scenarioRow('1b. worker kill -9, stall-check path', [report], {
        faults: `${KILLS} worker kills`,
        seconds: (Date.now() - started) / 1000,
        violations: repeated.map((r) => `trial ${r.trialId} epoch ${r.epoch} trained twice`),
      }),
    );

    expect(finished.status).toBe('COMPLETE');
    expect(report.violations).toEqual([]);
    expect(report.retries).toBe(0);
    expect(repeated).toEqual([]);
    for (const trialId of victims) {
      const trial = await fleet.api.getTrial(trialId);
      // Handed back and dispatched again: a later attempt finished it.
      expect(trial.attempts, `trial #${trial.number}`).toBeGreaterThan(1);
      expect(trial.state).toBe('COMPLETE');
    }
    passed = true;
  } finally {
    await fleet.cleanup({ keepLogs: !passed });
    if (!passed) process.stderr.write(`chaos fleet logs kept in ${fleet.workDir}\n`);
  }
});
