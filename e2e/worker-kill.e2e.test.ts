/**
 * The fault test: a worker is killed with SIGKILL in the middle of a trial, after the trial
 * reported at least one epoch with a checkpoint. The scheduler notices that the worker went
 * silent (no heartbeat, no report for HEARTBEAT_TIMEOUT_MS), fails the trial as `worker-lost` and
 * retries it as a new trial that resumes from the checkpoint on the surviving worker. The study
 * must then finish with nothing lost or duplicated.
 *
 * Timeouts are shortened through the apps' own settings: heartbeats every second, a silent worker
 * noticed after 4 s, reconciliation every second. The workers' job lock keeps its default (30 s):
 * the test pins the heartbeat path (a retry that resumes from the newest checkpoint); the
 * stalled-job path (the job handed over and handed back) is chaos/worker-kill-stall.chaos.test.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from './helpers/app-process.js';
import type { StudyDetail, TrialDetail, TrialSummary } from './helpers/api-client.js';
import { smallCnnStudy } from './helpers/small-cnn-study.js';
import { startTestFleet, stopFleetAfterAll, type TestFleet } from './helpers/test-fleet.js';
import { waitFor } from './helpers/wait-for.js';

const MAX_EPOCHS = 3;
const MAX_TRIALS = 3;

interface WorkerReport {
  readonly worker: string;
  readonly msg: 'trial started' | 'epoch reported';
  readonly trialId: string;
  readonly startEpoch?: number;
  readonly epoch?: number;
}

let env: TestFleet;
const reports: WorkerReport[] = [];

let victim: TrialDetail;
let victimWorker: number;
let killedAt: number;
let studyId: string;
let study: StudyDetail;
let trials: TrialSummary[];
let details: Map<string, TrialDetail>;

/** The workers' own account of what they trained (the api keeps only the first report of an epoch). */
function collectReports(worker: string, line: LogLine): void {
  if (!worker.startsWith('worker') || typeof line.trialId !== 'string') return;
  if (line.msg === 'trial started' && typeof line.startEpoch === 'number') {
    reports.push({ worker, msg: line.msg, trialId: line.trialId, startEpoch: line.startEpoch });
  }
  if (line.msg === 'epoch reported' && typeof line.epoch === 'number') {
    reports.push({ worker, msg: line.msg, trialId: line.trialId, epoch: line.epoch });
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  env = await startTestFleet({
    workers: 2,
    schedulerEnv: { POLL_INTERVAL_MS: '500', RECONCILE_INTERVAL_MS: '1000', HEARTBEAT_TIMEOUT_MS: '4000' },
    // debug: the workers log every epoch they report, which the test reads.
    workerEnv: { HEARTBEAT_INTERVAL_MS: '1000', LOG_LEVEL: 'debug' },
    onLog: collectReports,
  });
});

stopFleetAfterAll(() => env, () => study !== undefined);

describe('a worker killed mid-trial', () => {
  it('is killed with SIGKILL after its trial checkpointed an epoch, and its trainer process exits too', async () => {
    const created = await env.api.createStudy(
      smallCnnStudy({
        name: 'e2e worker kill',
        maxTrials: MAX_TRIALS,
        parallelism: 2,
        seed: 5,
        trainSize: 800,
        validationSize: 200,
        maxEpochs: MAX_EPOCHS,
      }),
    );
    studyId = created.id;
    // A trial with its first epoch reported and checkpointed, and a whole epoch of margin before
    // its last one, so that it cannot finish between this look and the kill.
    victim = await waitFor(
      'a running trial with a checkpoint',
      async () => {
        for (const t of await env.api.listTrials(created.id)) {
          if (t.state !== 'RUNNING') continue;
          const detail = await env.api.getTrial(t.id);
          const last = detail.epochs.at(-1)?.epoch ?? 0;
          if (detail.checkpoints.length > 0 && last <= MAX_EPOCHS - 2 && detail.workerId !== null) return detail;
        }
        return undefined;
      },
      { timeoutMs: 300_000, intervalMs: 250 },
    );
    victimWorker = env.fleet.workerIds.indexOf(victim.workerId!);
    expect(victimWorker).toBeGreaterThanOrEqual(0);
    const killed = env.fleet.workers[victimWorker]!;
    killed.kill('SIGKILL');
    killedAt = Date.now();
    expect((await killed.exited).signal).toBe('SIGKILL');
    // The trainer process notices its worker is gone (its IPC channel closes) and exits too.
    await waitFor('the killed worker’s trainer process to exit', async () => (groupAlive(killed.pid) ? undefined : true), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
  });

  it('lets the study run to the end', async () => {
    study = await waitFor(
      'the study to finish',
      async () => {
        const current = await env.api.getStudy(studyId);
        return current.status === 'RUNNING' ? undefined : current;
      },
      { timeoutMs: 480_000, intervalMs: 1_000 },
    );
    // Reports still on their way through the surviving worker's log stream.
    await sleep(500);
    trials = await env.api.listTrials(study.id);
    details = new Map(await Promise.all(trials.map(async (t) => [t.id, await env.api.getTrial(t.id)] as const)));
  });

  it('fails the lost trial and finishes the study with every trial final and numbered once', () => {
    expect(study.status).toBe('COMPLETE');
    const lost = trials.find((t) => t.id === victim.id)!;
    expect(lost.state).toBe('FAILED');
    expect(lost.failureType).toBe('worker-lost');
    // maxTrials plus the one retry; numbers 0..n-1, each once.
    expect(trials.length).toBe(MAX_TRIALS + 1);
    expect(trials.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: trials.length }, (_, i) => i));
    for (const t of trials) {
      if (t.id !== victim.id) expect(t.state, `trial #${t.number}: ${t.failureType} ${t.failureMessage}`).toBe('COMPLETE');
    }
  });

  it('resumes the trial from its checkpoint on the surviving worker, with contiguous epochs', () => {
    const lost = details.get(victim.id)!;
    const retries = trials.filter((t) => t.retryOfId === victim.id);
    expect(retries).toHaveLength(1);
    const retry = details.get(retries[0]!.id)!;
    const checkpointEpoch = Math.max(...lost.checkpoints.map((c) => c.epoch));
    expect(checkpointEpoch).toBeGreaterThanOrEqual(1);
    expect(retry.resumeFromEpoch).toBe(checkpointEpoch);
    expect(retry.params).toEqual(lost.params);
    expect(retry.workerId).toBe(env.fleet.workerIds[1 - victimWorker]);

    // Epochs 1..max, each once; those up to the checkpoint are the lost trial's own reports.
    expect(retry.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: MAX_EPOCHS }, (_, i) => i + 1));
    for (const e of retry.epochs.filter((e) => e.epoch <= checkpointEpoch)) {
      const original = lost.epochs.find((o) => o.epoch === e.epoch)!;
      expect(e.value).toBe(original.value);
      expect(e.elapsedMs).toBe(original.elapsedMs);
    }
    expect(lost.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: lost.epochs.length }, (_, i) => i + 1));

    // What the surviving worker trained: it started at the checkpoint and reported epochs
    // checkpoint + 1 .. max, once each, after the kill.
    const survivor = `worker-${2 - victimWorker}`;
    const retryReports = reports.filter((r) => r.trialId === retry.id);
    expect(retryReports.every((r) => r.worker === survivor)).toBe(true);
    expect(retryReports.filter((r) => r.msg === 'trial started').map((r) => r.startEpoch)).toEqual([checkpointEpoch]);
    const expectedEpochs = Array.from({ length: MAX_EPOCHS - checkpointEpoch }, (_, i) => checkpointEpoch + 1 + i);
    expect(retryReports.filter((r) => r.msg === 'epoch reported').map((r) => r.epoch)).toEqual(expectedEpochs);
    expect(Date.parse(retry.epochs.find((e) => e.epoch === checkpointEpoch + 1)!.createdAt)).toBeGreaterThan(killedAt);
  });

  it('trains no other trial twice', () => {
    for (const t of trials.filter((t) => t.id !== victim.id && t.retryOfId === null)) {
      const epochs = reports.filter((r) => r.trialId === t.id && r.msg === 'epoch reported').map((r) => r.epoch);
      expect(epochs, `trial #${t.number}`).toEqual(Array.from({ length: MAX_EPOCHS }, (_, i) => i + 1));
      expect(details.get(t.id)!.epochs.map((e) => e.epoch)).toEqual(epochs);
    }
  });
});
