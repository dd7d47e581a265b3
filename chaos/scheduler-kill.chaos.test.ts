/**
 * Scenario 2: the scheduler killed with SIGKILL in the middle of a study, several times, and
 * restarted each time. Workers keep training and reporting while it is down; the restarted
 * scheduler reconciles and consumes the backlog. Under deterministic dispatch (the scheduler's
 * default, apps/scheduler README) trial n is proposed from the history as it will always be seen
 * at n, so the study must make exactly the decisions (params of trial 0, 1, 2, …) of an
 * undisturbed run with the same seed, besides losing nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import {
  checkStudyInvariants,
  createLogWatch,
  functionStudy,
  isEpochReport,
  recordScenario,
  scenarioRow,
  startChaosFleet,
  studyDecisions,
  waitForStudyEnd,
} from './harness/index.js';

const KILLS = 3;

// TPE past its random start-up with three trials in flight: every later proposal depends on the
// history. No pruner: prune decisions read the live history by design, so they may differ.
const study = (name: string) => functionStudy({ name, maxTrials: 16, parallelism: 3, seed: 33, maxEpochs: 3 });

it(`makes the decisions of an undisturbed run through ${KILLS} kill -9s of the scheduler`, async () => {
  const started = Date.now();
  const watch = createLogWatch();
  const fleet = await startChaosFleet({
    workers: 3,
    schedulerEnv: { POLL_INTERVAL_MS: '200', RECONCILE_INTERVAL_MS: '1000', HEARTBEAT_TIMEOUT_MS: '5000' },
    workerEnv: { FUNCTION_EPOCH_MS: '200', HEARTBEAT_INTERVAL_MS: '500', LOG_LEVEL: 'debug', LAZY_TRAINER: 'true' },
    onLog: watch.onLog,
  });
  let passed = false;
  try {
    const reference = await fleet.api.createStudy(study('chaos scheduler kill: undisturbed'));
    await waitForStudyEnd(fleet.api, reference.id, 120_000);

    const disturbed = await fleet.api.createStudy(study('chaos scheduler kill: disturbed'));
    let kills = 0;
    while (kills < KILLS) {
      // Mid-study: just after a worker reported an epoch, so trials are in flight.
      await watch.next('an epoch report to time a scheduler kill', isEpochReport(), 60_000);
      if ((await fleet.api.getStudy(disturbed.id)).status !== 'RUNNING') break;
      await fleet.kill('scheduler');
      kills += 1;
      // Down long enough for the workers to finish epochs and trials it does not hear about.
      await sleep(500 + Math.floor(Math.random() * 1_000));
      await fleet.restart('scheduler');
    }
    const finished = await waitForStudyEnd(fleet.api, disturbed.id, 180_000);
    const reports = [
      await checkStudyInvariants(fleet.testDb.db, reference.id, { queue: fleet.queue }),
      await checkStudyInvariants(fleet.testDb.db, disturbed.id, { queue: fleet.queue }),
    ];
    const expected = await studyDecisions(fleet.testDb.db, reference.id);
    const actual = await studyDecisions(fleet.testDb.db, disturbed.id);
    const differing = actual.flatMap((params, n) => (JSON.stringify(params) === JSON.stringify(expected[n]) ? [] : [n]));
    recordScenario(
      scenarioRow('2. scheduler kill -9, restarted', reports, {
        faults: `${kills} scheduler kills`,
        seconds: (Date.now() - started) / 1000,
        violations: differing.length === 0 ? [] : [`trials ${differing.join(', ')} differ from the undisturbed run`],
      }),
    );

    expect(kills).toBe(KILLS);
    expect(finished.status).toBe('COMPLETE');
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    expect(expected).toHaveLength(16);
    expect(actual).toEqual(expected);
    passed = true;
  } finally {
    await fleet.cleanup({ keepLogs: !passed });
    if (!passed) process.stderr.write(`chaos fleet logs kept in ${fleet.workDir}\n`);
  }
});
