/**
 * Scenario 4: a worker that hangs without dying (SIGSTOP to its process group) in the middle of
 * a trial. It keeps its pid, its Redis connection and its job's lock, but its heartbeats stop: the
 * scheduler fails the trial as worker-lost and retries it on the other worker with the same
 * params, from the last checkpoint. When the hung worker is continued (SIGCONT) it goes on with
 * the old trial and reports a stale epoch; that report must change nothing (the failed trial
 * takes no more reports), and nothing is recorded twice.
 */
import { expect, it } from 'vitest';
import {
  checkStudyInvariants,
  createLogWatch,
  functionStudy,
  isEpochReport,
  recordScenario,
  scenarioRow,
  startChaosFleet,
  waitFor,
  waitForStudyEnd,
} from './harness/index.js';

const MAX_EPOCHS = 5;

it('retries a hung worker’s trial elsewhere from its checkpoint and ignores its reports once it is continued', async () => {
  const started = Date.now();
  const watch = createLogWatch({ keep: isEpochReport() });
  const fleet = await startChaosFleet({
    workers: 2,
    schedulerEnv: { POLL_INTERVAL_MS: '200', RECONCILE_INTERVAL_MS: '500', HEARTBEAT_TIMEOUT_MS: '2000' },
    // The default 30 s job lock outlasts the hang: the heartbeat path, not BullMQ's stall check,
    // takes the trial away, and the continued worker still holds its job.
    workerEnv: { FUNCTION_EPOCH_MS: '400', HEARTBEAT_INTERVAL_MS: '500', LOG_LEVEL: 'debug', TF_BACKEND: 'cpu' },
    onLog: watch.onLog,
  });
  let passed = false;
  try {
    const study = await fleet.api.createStudy(functionStudy({ name: 'chaos worker hang', maxTrials: 4, parallelism: 2, seed: 44, maxEpochs: MAX_EPOCHS }));
    const { app, line } = await watch.next('a second epoch report', (a, l) => isEpochReport()(a, l) && l.epoch === 2, 60_000);
    const hung = fleet.workers.find((w) => w.name === app)!;
    const trialId = line.trialId as string;
    fleet.pause(hung);
    const pausedAt = Date.now();

    const retry = await waitFor(
      'the hung trial to be retried and the retry to report an epoch',
      async () => {
        const r = (await fleet.api.listTrials(study.id)).find((t) => t.retryOfId === trialId);
        return r !== undefined && (await fleet.api.getTrial(r.id)).epochs.length > 2 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    fleet.resume(hung);
    // The continued worker finishes its interrupted epoch and reports it: a stale report.
    await waitFor('the continued worker to report the old trial’s next epoch', async () => (watch.seen((a, l) => a === app && l.trialId === trialId && l.epoch === 3).length > 0 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const finished = await waitForStudyEnd(fleet.api, study.id, 120_000);
    const report = await checkStudyInvariants(fleet.testDb.db, study.id);
    const hungTrial = await fleet.api.getTrial(trialId);
    const retried = await fleet.api.getTrial(retry.id);
    recordScenario(scenarioRow('4. worker hung (SIGSTOP), continued later', [report], { faults: `1 SIGSTOP for ${Math.round((Date.now() - pausedAt) / 1000)} s`, seconds: (Date.now() - started) / 1000 }));

    expect(finished.status).toBe('COMPLETE');
    expect(report.violations).toEqual([]);
    expect(hungTrial.state).toBe('FAILED');
    expect(hungTrial.failureType).toBe('worker-lost');
    // The stale epoch 3 left neither a value nor a checkpoint on the failed trial.
    expect(hungTrial.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(hungTrial.checkpoints.map((c) => c.epoch)).toEqual([1, 2]);
    expect(retried.params).toEqual(hungTrial.params);
    expect(retried.resumeFromEpoch).toBe(2);
    expect(retried.workerId).not.toBe(fleet.workerId(hung));
    expect(retried.state).toBe('COMPLETE');
    expect(retried.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    passed = true;
  } finally {
    await fleet.cleanup({ keepLogs: !passed });
    if (!passed) process.stderr.write(`chaos fleet logs kept in ${fleet.workDir}\n`);
  }
});
