/**
 * What "nothing lost" means, checked on Postgres (the source of truth) after a study, whatever
 * the faults were:
 *
 * - every trial is in a final state (COMPLETE, PRUNED, FAILED): a trial left RUNNING, WAITING or
 *   PAUSED after its study ended is `stuck`;
 * - every trial's epochs are 1..last with no gap, and a COMPLETE trial's last epoch is the
 *   study's maxEpochs (a missing epoch is `lost`); each (trial, epoch) is stored once: the
 *   primary key of intermediate_value is checked to exist, and the rows are counted anyway
 *   (a second row is `duplicated`);
 * - trial numbers are 0..n-1, each once;
 * - original trials (not retries) number at most maxTrials, exactly maxTrials once the study is
 *   COMPLETE; retries never count toward the budget (apps/scheduler README);
 * - every retry lineage (a trial and the retries that follow it through retryOfId) ends in exactly
 *   one COMPLETE or PRUNED trial: a lineage that ended FAILED lost its trial (`lost`), a lineage
 *   with two successes trained it twice (`duplicated`). Scenarios whose studies may legitimately
 *   fail trials pass `allowFailedLineages`;
 * - with `queue`, no `trial.run` job of a finished study is still waiting in Redis (`stuck`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUES, bullmqPrefix } from '@tunefleet/contracts';
import type { Db } from '@tunefleet/db';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

export interface InvariantReport {
  readonly studyStatus: string;
  readonly trials: number;
  /** Original trials (retryOfId null): the budget's count. */
  readonly originals: number;
  readonly retries: number;
  /** Missing epochs plus lineages that never succeeded. */
  readonly lost: number;
  /** Epochs stored twice, numbers used twice, lineages that succeeded twice. */
  readonly duplicated: number;
  /** Trials not in a final state although the study ended. */
  readonly stuck: number;
  /** One sentence per broken rule; empty when the study is sound. */
  readonly violations: readonly string[];
}

export interface InvariantOptions {
  /** Lineages that end FAILED are expected (e.g. a study whose trials may fail for real). */
  readonly allowFailedLineages?: boolean;
  /** The fleet's Redis and namespace (`fleet.queue`): also look for jobs left waiting (for up to `settleMs`, default 10 s). */
  readonly queue?: { readonly redisUrl: string; readonly namespace: string; readonly settleMs?: number };
}

/**
 * `trial.run` jobs of the study still waiting, delayed or prioritised, after up to `settleMs`:
 * a killed worker's job may pass through the wait list for a moment after its lock expires (the
 * next worker takes it and finds its trial finished), so only what stays there counts.
 */
async function waitingJobs(queue: NonNullable<InvariantOptions['queue']>, studyId: string): Promise<number> {
  const settleMs = queue.settleMs ?? 10_000;
  const connection = new Redis(queue.redisUrl, { maxRetriesPerRequest: null });
  const trials = new Queue(QUEUES.trials, { connection, prefix: bullmqPrefix(queue.namespace) });
  try {
    const deadline = Date.now() + settleMs;
    for (;;) {
      const jobs = await trials.getJobs(['waiting', 'delayed', 'prioritized']);
      const waiting = jobs.filter((job) => (job.data as { studyId?: unknown } | undefined)?.studyId === studyId).length;
      if (waiting === 0 || Date.now() >= deadline) return waiting;
      await sleep(250);
    }
  } finally {
    await trials.close();
    connection.disconnect();
  }
}

interface TrialRow {
  id: string;
  number: number;
  state: string;
  retry_of_id: string | null;
  failure_type: string | null;
  epochs: number[];
}

const FINAL = new Set(['COMPLETE', 'PRUNED', 'FAILED']);
const SUCCESS = new Set(['COMPLETE', 'PRUNED']);

/** Whether intermediate_value's primary key is exactly (trial_id, epoch): the database refuses a second report. */
async function epochKeyIsUnique(db: Db): Promise<boolean> {
  const rows = await db.$queryRawUnsafe<{ columns: string[] }[]>(
    `SELECT array_agg(a.attname::text ORDER BY a.attname) AS columns
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = 'intermediate_value'::regclass AND i.indisunique
      GROUP BY i.indexrelid`,
  );
  return rows.some((r) => r.columns.join(',') === 'epoch,trial_id');
}

export async function checkStudyInvariants(db: Db, studyId: string, options: InvariantOptions = {}): Promise<InvariantReport> {
  const violations: string[] = [];
  const [study] = await db.$queryRawUnsafe<{ status: string; max_trials: number; max_epochs: number | null }[]>(
    `SELECT status::text AS status, max_trials, (spec->>'maxEpochs')::int AS max_epochs FROM study WHERE id = $1::uuid`,
    studyId,
  );
  if (study === undefined) throw new Error(`study ${studyId} is not in the database`);
  const finished = study.status !== 'RUNNING';
  const trials = await db.$queryRawUnsafe<TrialRow[]>(
    `SELECT t.id::text AS id, t.number, t.state::text AS state, t.retry_of_id::text AS retry_of_id, t.failure_type,
            coalesce(array_agg(iv.epoch ORDER BY iv.epoch) FILTER (WHERE iv.epoch IS NOT NULL), '{}') AS epochs
       FROM trial t LEFT JOIN intermediate_value iv ON iv.trial_id = t.id
      WHERE t.study_id = $1::uuid
      GROUP BY t.id ORDER BY t.number, t.id`,
    studyId,
  );
  let lost = 0;
  let duplicated = 0;
  let stuck = 0;

  if (!(await epochKeyIsUnique(db))) violations.push('intermediate_value has no unique key on (trial_id, epoch)');

  // Numbers 0..n-1, each once.
  trials.forEach((t, i) => {
    if (t.number !== i) {
      const used = trials.filter((o) => o.number === t.number).length;
      if (used > 1) duplicated += 1;
      violations.push(used > 1 ? `trial number ${t.number} is used ${used} times` : `trial number ${i} is missing (found ${t.number})`);
    }
  });

  for (const t of trials) {
    if (finished && !FINAL.has(t.state)) {
      stuck += 1;
      violations.push(`trial #${t.number} is ${t.state} although the study is ${study.status}`);
    }
    const repeats = t.epochs.length - new Set(t.epochs).size;
    if (repeats > 0) {
      duplicated += repeats;
      violations.push(`trial #${t.number} stored ${repeats} epoch(s) twice: ${t.epochs.join(',')}`);
    }
    const last = t.epochs.at(-1) ?? 0;
    const expectedLast = t.state === 'COMPLETE' && study.max_epochs !== null ? study.max_epochs : last;
    const missing = Array.from({ length: expectedLast }, (_, i) => i + 1).filter((e) => !t.epochs.includes(e));
    if (missing.length > 0) {
      lost += missing.length;
      violations.push(`trial #${t.number} (${t.state}) is missing epoch(s) ${missing.join(',')}`);
    }
    if (SUCCESS.has(t.state) && last === 0) {
      lost += 1;
      violations.push(`trial #${t.number} is ${t.state} without any epoch`);
    }
  }

  // Budget: retries do not count.
  const originals = trials.filter((t) => t.retry_of_id === null);
  if (originals.length > study.max_trials) violations.push(`${originals.length} original trials exceed maxTrials ${study.max_trials}`);
  if (study.status === 'COMPLETE' && originals.length !== study.max_trials) {
    violations.push(`the study is COMPLETE with ${originals.length} original trials, not maxTrials ${study.max_trials}`);
  }

  // Lineages: follow retryOfId forward from each original.
  const retryOf = new Map(trials.filter((t) => t.retry_of_id !== null).map((t) => [t.retry_of_id!, t]));
  for (const first of originals) {
    const lineage: TrialRow[] = [first];
    for (let next = retryOf.get(first.id); next !== undefined; next = retryOf.get(next.id)) lineage.push(next);
    const successes = lineage.filter((t) => SUCCESS.has(t.state)).length;
    const end = lineage.at(-1)!;
    const label = lineage.map((t) => `#${t.number} ${t.state}${t.failure_type ? ` (${t.failure_type})` : ''}`).join(' → ');
    if (successes > 1) {
      duplicated += successes - 1;
      violations.push(`lineage ${label} succeeded ${successes} times`);
    }
    if (finished && end.state === 'FAILED' && !options.allowFailedLineages) {
      lost += 1;
      violations.push(`lineage ${label} ended FAILED`);
    }
  }
  const inLineage = new Set<string>();
  for (const first of originals) {
    inLineage.add(first.id);
    for (let next = retryOf.get(first.id); next !== undefined; next = retryOf.get(next.id)) inLineage.add(next.id);
  }
  for (const t of trials.filter((t) => !inLineage.has(t.id))) violations.push(`trial #${t.number} retries a trial of another study`);

  if (finished && options.queue !== undefined) {
    const waiting = await waitingJobs(options.queue, studyId);
    if (waiting > 0) {
      stuck += waiting;
      violations.push(`${waiting} trial.run job(s) still waiting in the queue although the study is ${study.status}`);
    }
  }

  return {
    studyStatus: study.status,
    trials: trials.length,
    originals: originals.length,
    retries: trials.length - originals.length,
    lost,
    duplicated,
    stuck,
    violations,
  };
}

/**
 * The study's decisions: the params of its original trials in trial-number order (retries repeat
 * their lineage's params and are left out). Under deterministic dispatch the same seed gives the
 * same list however the run was disturbed.
 */
export async function studyDecisions(db: Db, studyId: string): Promise<unknown[]> {
  const rows = await db.$queryRawUnsafe<{ params: unknown }[]>(
    `SELECT params FROM trial WHERE study_id = $1::uuid AND retry_of_id IS NULL ORDER BY number`,
    studyId,
  );
  return rows.map((r) => r.params);
}
