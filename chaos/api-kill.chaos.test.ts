/**
 * Scenario 3: the api killed with SIGKILL under load (clients submitting studies, reading them
 * and stopping some) and restarted, several times. A submission the api acknowledged (201) must
 * exist exactly as submitted; one cut off by the kill either exists whole or not at all; none
 * exists twice; a stop either happened or did not. Every study that exists then runs to its end
 * with nothing lost.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { ApiError } from '../e2e/helpers/api-client.js';
import { type InvariantReport, checkStudyInvariants, functionStudy, recordScenario, scenarioRow, startChaosFleet, waitFor } from './harness/index.js';

const KILLS = 3;
const CLIENTS = 4;

interface Submission {
  readonly name: string;
  readonly maxTrials: number;
  readonly seed: number;
  /** The id the api answered with; undefined when the request failed (the api was killed). */
  id?: string;
  stopAnswered?: boolean;
}

it(`loses and half-writes no study through ${KILLS} kill -9s of the api under load`, async () => {
  const started = Date.now();
  const fleet = await startChaosFleet({
    workers: 1,
    schedulerEnv: { POLL_INTERVAL_MS: '200' },
    workerEnv: { LAZY_TRAINER: 'true' },
  });
  let passed = false;
  try {
    const submissions: Submission[] = [];
    let apiUp = true;
    let running = true;
    // Each client submits, reads back and stops every third study, as fast as the api answers;
    // requests that fail while the api is down are part of the load, not errors of the test.
    const client = async (c: number): Promise<void> => {
      for (let i = 0; running; i++) {
        if (!apiUp) {
          await sleep(50);
          continue;
        }
        const submission: Submission = { name: `chaos api kill c${c} #${i}`, maxTrials: 1 + (i % 3), seed: c * 1000 + i };
        submissions.push(submission);
        try {
          const created = await fleet.api.createStudy(
            functionStudy({ name: submission.name, maxTrials: submission.maxTrials, parallelism: 1, seed: submission.seed, maxEpochs: 1, sampler: { type: 'random' } }),
          );
          submission.id = created.id;
          await fleet.api.getStudy(created.id);
          if (i % 3 === 2) {
            await fleet.api.stopStudy(created.id);
            submission.stopAnswered = true;
          }
        } catch (err) {
          // 409: the study finished before the stop; anything else but a refused connection is a bug.
          if (err instanceof ApiError && err.status !== 409) throw err;
          await sleep(50);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    for (let k = 0; k < KILLS; k++) {
      await sleep(1_000 + Math.floor(Math.random() * 1_000));
      await fleet.kill('api');
      apiUp = false;
      await fleet.restart('api');
      apiUp = true;
    }
    await sleep(1_000);
    running = false;
    await Promise.all(clients);

    // What Postgres holds, by name (names are unique per submission).
    const rows = await fleet.testDb.db.$queryRawUnsafe<{ id: string; name: string; status: string; max_trials: number; seed: number; spec: { maxEpochs?: number; function?: { name: string } } }[]>(
      `SELECT id::text AS id, name, status::text AS status, max_trials, seed, spec FROM study`,
    );
    const violations: string[] = [];
    const byName = new Map<string, typeof rows>();
    for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
    for (const s of submissions) {
      const found = byName.get(s.name) ?? [];
      if (found.length > 1) violations.push(`${s.name} exists ${found.length} times`);
      if (s.id !== undefined && !found.some((r) => r.id === s.id)) violations.push(`${s.name} was acknowledged as ${s.id} but is not stored`);
      for (const row of found) {
        const whole = row.max_trials === s.maxTrials && row.seed === s.seed && row.spec.maxEpochs === 1 && row.spec.function?.name === 'branin';
        if (!whole) violations.push(`${s.name} is stored differently from its submission: ${JSON.stringify(row)}`);
      }
      if (s.stopAnswered && found[0]?.status !== 'STOPPED') violations.push(`${s.name} was stopped but is ${found[0]?.status}`);
    }
    const unknown = rows.filter((r) => !submissions.some((s) => s.name === r.name));
    for (const r of unknown) violations.push(`study ${r.name} was never submitted`);

    // Every stored study runs to its end (the scheduler never saw the api die).
    await waitFor(
      'every stored study to finish',
      async () => {
        const [{ open }] = await fleet.testDb.db.$queryRawUnsafe<{ open: number }[]>(`SELECT count(*)::int AS open FROM study WHERE status = 'RUNNING'`);
        return open === 0 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const reports: InvariantReport[] = [];
    for (const row of rows) {
      // A stopped study's open trials end FAILED (study-stopped): that is the stop, not a loss.
      reports.push(await checkStudyInvariants(fleet.testDb.db, row.id, { allowFailedLineages: row.status === 'STOPPED', queue: fleet.queue }));
    }
    const acknowledged = submissions.filter((s) => s.id !== undefined).length;
    recordScenario(
      scenarioRow('3. api kill -9 under load, restarted', reports, {
        faults: `${KILLS} api kills; ${submissions.length} submissions, ${acknowledged} acknowledged, ${rows.length} stored`,
        seconds: (Date.now() - started) / 1000,
        violations,
      }),
    );

    expect(violations).toEqual([]);
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    expect(acknowledged).toBeGreaterThan(0);
    // Some requests were cut off by the kills (otherwise the kills hit an idle api).
    expect(submissions.length).toBeGreaterThan(acknowledged);
    passed = true;
  } finally {
    await fleet.cleanup({ keepLogs: !passed });
    if (!passed) process.stderr.write(`chaos fleet logs kept in ${fleet.workDir}\n`);
  }
});
