/**
 * Scenario 4: a worker that hangs without dying (SIGSTOP to its process group) in the middle of
 * a trial. It keeps its pid, its Redis connection and its job's lock, but its heartbeats stop: the
 * scheduler fails the trial as worker-lost and retries it on the other worker with the same
 * params, from the last checkpoint. When the hung worker is continued (SIGCONT) it goes on with
 * the old trial, reports the epoch it was in (a stale report) and then sees the trial's stop key;
 * the stale report must change nothing (the failed trial takes no more reports), and nothing is
 * recorded twice. Run with function trials and, once,
 * with small real CNN trials (whose trainer process hangs with the worker).
 */
import { expect, it } from 'vitest';
import {
  checkStudyInvariants,
  createLogWatch,
  functionStudy,
  isEpochReport,
  recordScenario,
  scenarioRow,
  smallCnnStudy,
  startChaosFleet,
  waitFor,
  waitForStudyEnd,
} from './harness/index.js';

interface HangCase {
  readonly label: string;
  readonly study: Record<string, unknown>;
  readonly maxEpochs: number;
  /** The hang comes right after the worker reported this epoch. */
  readonly hangAfterEpoch: number;

  readonly workerEnv: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

async function hungWorkerScenario(c: HangCase): Promise<void> {
  const started = Date.now();
  const watch = createLogWatch({ keep: isEpochReport() });
  const fleet = await startChaosFleet({
    workers: 2,
    schedulerEnv: { POLL_INTERVAL_MS: '200', RECONCILE_INTERVAL_MS: '500', HEARTBEAT_TIMEOUT_MS: '2000' },
    // The default 30 s job lock outlasts the hang: the heartbeat path, not BullMQ's stall check,
    // takes the trial away, and the continued worker still holds its job. The stop key is read at
    // epoch ends only, so the continued worker always finishes its epoch and sends the stale report
    // (a poll due while it hung would otherwise fire first and stop it without one).
    workerEnv: { HEARTBEAT_INTERVAL_MS: '500', STOP_POLL_INTERVAL_MS: '0', LOG_LEVEL: 'debug', ...c.workerEnv },
    onLog: watch.onLog,
  });
  let passed = false;
  try {
    const study = await fleet.api.createStudy(c.study);
    const { app, line } = await watch.next('the epoch report to hang after', (a, l) => isEpochReport()(a, l) && l.epoch === c.hangAfterEpoch, c.timeoutMs);
    const hung = fleet.workers.find((w) => w.name === app)!;
    const trialId = line.trialId as string;
    fleet.pause(hung);
    const pausedAt = Date.now();

    const retry = await waitFor(
      'the hung trial to be retried and the retry to train an epoch',
      async () => {
        const r = (await fleet.api.listTrials(study.id)).find((t) => t.retryOfId === trialId);
        return r !== undefined && (await fleet.api.getTrial(r.id)).epochs.length > c.hangAfterEpoch ? r : undefined;
      },
      { timeoutMs: c.timeoutMs, intervalMs: 200 },
    );
    fleet.resume(hung);
    // The continued worker finishes its epoch, reports it, then sees the trial's stop key.
    const ended = await watch.next('the continued worker to end the old trial', (a, l) => a === app && l.trialId === trialId && l.msg === 'trial finished', c.timeoutMs);
    const staleReports = watch.seen((a, l) => a === app && l.trialId === trialId && (l.epoch as number) > c.hangAfterEpoch);
    const finished = await waitForStudyEnd(fleet.api, study.id, c.timeoutMs);
    const report = await checkStudyInvariants(fleet.testDb.db, study.id, { queue: fleet.queue });
    const hungTrial = await fleet.api.getTrial(trialId);
    const retried = await fleet.api.getTrial(retry.id);
    recordScenario(
      scenarioRow(c.label, [report], { faults: `1 SIGSTOP for ${Math.round((Date.now() - pausedAt) / 1000)} s`, seconds: (Date.now() - started) / 1000 }),
    );

    const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(finished.status).toBe('COMPLETE');
    expect(report.violations).toEqual([]);
    expect(ended.line.outcome).toBe('stopped');
    // The continued worker reports the epoch it was caught in at most once (SIGSTOP can catch it
    // after that epoch's work but before its report, or already reading the stop key); either way
    // the stale epoch must leave nothing on the failed trial (checked below).
    expect([[], [c.hangAfterEpoch + 1]]).toContainEqual(staleReports.map((r) => r.line.epoch));
    expect(hungTrial.state).toBe('FAILED');
    expect(hungTrial.failureType).toBe('worker-lost');
    // The stale epoch left neither a value nor a checkpoint on the failed trial.
    expect(hungTrial.epochs.map((e) => e.epoch)).toEqual(upTo(c.hangAfterEpoch));
    expect(hungTrial.checkpoints.map((ck) => ck.epoch)).toEqual(upTo(c.hangAfterEpoch));
    expect(retried.params).toEqual(hungTrial.params);
    expect(retried.resumeFromEpoch).toBe(c.hangAfterEpoch);
    expect(retried.workerId).not.toBe(fleet.workerId(hung));
    expect(retried.state).toBe('COMPLETE');
    expect(retried.epochs.map((e) => e.epoch)).toEqual(upTo(c.maxEpochs));
    passed = true;
  } finally {
    await fleet.cleanup({ keepLogs: !passed });
    if (!passed) process.stderr.write(`chaos fleet logs kept in ${fleet.workDir}\n`);
  }
}

it('retries a hung worker’s function trial elsewhere from its checkpoint and ignores its reports once it is continued', () =>
  hungWorkerScenario({
    label: '4. worker hung (SIGSTOP), continued later',
    study: functionStudy({ name: 'chaos worker hang', maxTrials: 4, parallelism: 2, seed: 44, maxEpochs: 5 }),
    maxEpochs: 5,
    hangAfterEpoch: 2,
    workerEnv: { FUNCTION_EPOCH_MS: '400', LAZY_TRAINER: 'true' },
    timeoutMs: 60_000,
  }));

it('does the same for a small real CNN trial, whose trainer process hangs with its worker', () =>
  hungWorkerScenario({
    label: '4b. worker hung (SIGSTOP) in a CNN trial',
    study: smallCnnStudy({ name: 'chaos worker hang, CNN', maxTrials: 2, parallelism: 2, seed: 45, trainSize: 600, validationSize: 200, maxEpochs: 3 }),
    maxEpochs: 3,
    hangAfterEpoch: 1,
    workerEnv: {},
    timeoutMs: 240_000,
  }));
