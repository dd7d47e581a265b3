/**
 * Scenario 5: worker reports delivered twice and out of order. While a study runs, copies of the
 * real `trial-events` messages the scheduler has already handled (started, epoch, finished) are
 * put back on the queue in shuffled order: once under their own deterministic job ids (BullMQ
 * keeps the handled job, so it drops the copy) and twice under fresh ids, which nothing
 * deduplicates before the scheduler. After the study, every message is replayed the same way
 * once more, and the stored study must not change at all: every report takes effect exactly once.
 */
import { QUEUES, type TrialEventMessage, bullmqPrefix, trialEventJobId } from '@tunefleet/contracts';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { Db } from '@tunefleet/db';
import { checkStudyInvariants, functionStudy, recordScenario, scenarioRow, startChaosFleet, waitFor, waitForStudyEnd } from './harness/index.js';

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Everything the reports of a study decide, in a comparable form. */
async function snapshot(db: Db, studyId: string): Promise<unknown> {
  const trials = await db.$queryRawUnsafe(
    `SELECT number, state::text, attempts, worker_id, failure_type, objective_value, pruned_at_rung, resume_from_epoch, retry_of_id IS NOT NULL AS retry
       FROM trial WHERE study_id = $1::uuid ORDER BY number`,
    studyId,
  );
  const epochs = await db.$queryRawUnsafe(
    `SELECT t.number, iv.epoch, iv.value FROM intermediate_value iv JOIN trial t ON t.id = iv.trial_id WHERE t.study_id = $1::uuid ORDER BY 1, 2`,
    studyId,
  );
  const checkpoints = await db.$queryRawUnsafe(
    `SELECT t.number, c.epoch, c.sha256 FROM checkpoint c JOIN trial t ON t.id = c.trial_id WHERE t.study_id = $1::uuid ORDER BY 1, 2`,
    studyId,
  );
  const rungs = await db.$queryRawUnsafe(
    `SELECT t.number, r.rung, r.value FROM rung_record r JOIN trial t ON t.id = r.trial_id WHERE r.study_id = $1::uuid ORDER BY 1, 2`,
    studyId,
  );
  return { trials, epochs, checkpoints, rungs };
}

it('applies every worker report exactly once although each arrives again, twice, out of order', async () => {
  const started = Date.now();
  const fleet = await startChaosFleet({
    workers: 2,
    schedulerEnv: { POLL_INTERVAL_MS: '200' },
    workerEnv: { FUNCTION_EPOCH_MS: '150', LAZY_TRAINER: 'true' },
  });
  const connection = new Redis(fleet.redisUrl, { maxRetriesPerRequest: null });
  const events = new Queue(QUEUES.trialEvents, { connection, prefix: bullmqPrefix(fleet.namespace.prefix) });
  let passed = false;
  try {
    const copied = new Set<string>();
    let injected = 0;
    let copies = 0;
    /** Copies of the reports handled since the last call: same id once, fresh ids twice, shuffled. */
    const inject = async (): Promise<void> => {
      // The workers' own reports only (their job id is the deterministic one), not earlier copies.
      const handled = (await events.getJobs(['completed'], 0, -1)).filter(
        (job: Job) => job.name !== 'heartbeat' && !copied.has(job.id!) && job.id === trialEventJobId(job.data as TrialEventMessage),
      );
      for (const job of handled) copied.add(job.id!);
      const messages = handled.map((job) => job.data as TrialEventMessage);
      const sends = shuffled([
        ...messages.map((m) => ({ m, jobId: trialEventJobId(m) })),
        ...messages.flatMap((m) => [1, 2].map((n) => ({ m, jobId: `${trialEventJobId(m)}-copy${++copies}-${n}` }))),
      ]);
      for (const { m, jobId } of sends) await events.add(m.type, m, { jobId });
      injected += sends.length;
    };

    const study = await fleet.api.createStudy(
      functionStudy({ name: 'chaos duplicate reports', maxTrials: 10, parallelism: 2, seed: 55, maxEpochs: 4, asha: { minEpochs: 1, reductionFactor: 2 } }),
    );
    while ((await fleet.api.getStudy(study.id)).status === 'RUNNING') {
      await inject();
      await sleep(300);
    }
    const finished = await waitForStudyEnd(fleet.api, study.id, 60_000);
    const drained = async () => {
      const counts = await events.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return counts.waiting + counts.active + counts.delayed + counts.prioritized === 0 ? true : undefined;
    };
    await waitFor('the copies to be handled', drained, { timeoutMs: 60_000, intervalMs: 200 });
    const before = await snapshot(fleet.testDb.db, study.id);

    // The whole study's reports once more, shuffled, after the fact.
    copied.clear();
    await inject();
    await waitFor('the replay to be handled', drained, { timeoutMs: 60_000, intervalMs: 200 });
    const after = await snapshot(fleet.testDb.db, study.id);
    const failedCopies = await events.getJobCounts('failed');
    const report = await checkStudyInvariants(fleet.testDb.db, study.id, { queue: fleet.queue });
    recordScenario(
      scenarioRow('5. duplicate and out-of-order reports', [report], {
        faults: `${injected} reports injected (a third under their own job ids)`,
        seconds: (Date.now() - started) / 1000,
        violations: [
          ...(JSON.stringify(before) === JSON.stringify(after) ? [] : ['replaying the reports after the study changed what is stored']),
          ...(failedCopies.failed === 0 ? [] : [`${failedCopies.failed} report jobs failed`]),
        ],
      }),
    );

    expect(finished.status).toBe('COMPLETE');
    expect(report.violations).toEqual([]);
    expect(after).toEqual(before);
    expect(failedCopies.failed).toBe(0);
    expect(injected).toBeGreaterThan(0);
    passed = true;
  } finally {
    await events.close();
    connection.disconnect();
    await fleet.cleanup({ keepLogs: !passed });
    if (!passed) process.stderr.write(`chaos fleet logs kept in ${fleet.workDir}\n`);
  }
});
