import {
  IllegalTransitionError,
  TRIAL_EVENTS,
  TRIAL_STATES,
  TRIAL_TRANSITIONS,
  type TrialEvent,
  type TrialState,
} from '@tunefleet/search';
import { describe, expect } from 'vitest';
import { ConflictError, DbInputError, NotFoundError, createTrialStore } from '../src/index.js';
import { createTestStudy, dbTest } from '../src/testing.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('TrialStore.create', () => {
  dbTest('numbers trials 0, 1, 2 … per study and starts them WAITING', async ({ stores, study }) => {
    const a = await stores.trials.create(study.id, { params: { x: 1.5, opt: 'adam' } });
    const b = await stores.trials.create(study.id, { params: { x: 2 } });
    expect([a.number, b.number]).toEqual([0, 1]);
    expect(a).toMatchObject({ studyId: study.id, state: 'WAITING', params: { x: 1.5, opt: 'adam' }, attempts: 0 });
    expect(a.startedAt).toBeNull();
    expect(a.createdAt).toBeInstanceOf(Date);
  });

  dbTest('returns the row exactly as get reads it, field for field and type for type', async ({ stores, study }) => {
    const plain = await stores.trials.create(study.id, { params: { x: 0.25, layers: 3, opt: 'sgd', bn: true } });
    const failed = await stores.trials.create(study.id, { params: { x: 1 } });
    await stores.trials.apply(failed.id, 'failed', { failureType: 'worker-error' });
    const retry = await stores.trials.create(study.id, { params: { x: 1 }, retryOfId: failed.id, resumeFromEpoch: 2 });
    const running = await stores.trials.create(study.id, { params: { x: 2 }, running: { parameterCount: 1234 } });
    for (const created of [plain, retry, running]) {
      expect(created).toStrictEqual(await stores.trials.get(created.id));
    }
  });

  dbTest('allocates unique, gapless numbers under concurrent creates', async ({ stores, study }) => {
    const other = await createTestStudy(stores);
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => stores.trials.create(i % 2 ? other.id : study.id, { params: { i } })),
    );
    for (const s of [study, other]) {
      const numbers = created.filter((t) => t.studyId === s.id).map((t) => t.number).sort((x, y) => x - y);
      expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
  });

  dbTest('rejects an unknown or malformed study id with NotFoundError', async ({ stores }) => {
    await expect(stores.trials.create(MISSING, { params: {} })).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'study' });
    await expect(stores.trials.create('nope', { params: {} })).rejects.toBeInstanceOf(NotFoundError);
  });

  dbTest('refuses new trials once the study has finished', async ({ stores, study }) => {
    await stores.studies.finish(study.id, 'STOPPED');
    await expect(stores.trials.create(study.id, { params: {} })).rejects.toBeInstanceOf(ConflictError);
  });

  dbTest('links a retry to the failed trial, at most once', async ({ stores, study }) => {
    const failed = await stores.trials.create(study.id, { params: { x: 1 } });
    const retry = await stores.trials.create(study.id, { params: { x: 1 }, retryOfId: failed.id, resumeFromEpoch: 3 });
    expect(retry).toMatchObject({ retryOfId: failed.id, resumeFromEpoch: 3, number: 1 });
    await expect(stores.trials.create(study.id, { params: { x: 1 }, retryOfId: failed.id })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(stores.trials.create(study.id, { params: {}, retryOfId: MISSING })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      entity: 'trial',
      id: MISSING,
    });
  });

  dbTest('rejects params that are not an object, naming the field', async ({ stores, study }) => {
    await expect(stores.trials.create(study.id, { params: [] as never })).rejects.toMatchObject({ field: 'params' });
  });

  dbTest('creates a trial RUNNING with its parameter count in one go, as a started WAITING trial', async ({ stores, study }) => {
    const waiting = await stores.trials.create(study.id, { params: { x: 1 } });
    await stores.trials.apply(waiting.id, 'started', { parameterCount: 7 });
    const started = await stores.trials.get(waiting.id);
    const running = await stores.trials.create(study.id, { params: { x: 2 }, running: { parameterCount: 7 } });
    expect(running).toMatchObject({ number: 1, state: 'RUNNING', parameterCount: 7, attempts: 0, params: { x: 2 } });
    expect(running.startedAt).toBeInstanceOf(Date);
    expect(running.lastEventAt).toEqual(running.startedAt);
    expect(running.finishedAt).toBeNull();
    for (const key of ['state', 'parameterCount', 'attempts', 'finishedAt', 'failureType'] as const) {
      expect(running[key]).toEqual(started[key]);
    }
    // `started` is now an ignore, and the trial goes on like any RUNNING one.
    expect(await stores.trials.apply(running.id, 'started')).toEqual({ changed: false, state: 'RUNNING' });
    expect(await stores.trials.apply(running.id, 'completed', { objectiveValue: 1 })).toEqual({ changed: true, state: 'COMPLETE' });
    const unknownSize = await stores.trials.create(study.id, { params: { x: 3 }, running: { parameterCount: null } });
    expect(unknownSize).toMatchObject({ state: 'RUNNING', parameterCount: null });
    expect(await stores.trials.countByState(study.id)).toMatchObject({ WAITING: 0, RUNNING: 2, COMPLETE: 1 });
  });

  dbTest('rejects a running parameter count that is no integer, naming the field', async ({ stores, study }) => {
    await expect(stores.trials.create(study.id, { params: {}, running: { parameterCount: 1.5 } })).rejects.toMatchObject({
      field: 'parameterCount',
    });
    expect(await stores.trials.list(study.id)).toEqual([]);
  });
});

describe('TrialStore.createMany', () => {
  dbTest('numbers a batch in order after the trials before it, each row as create would write it', async ({ stores, study }) => {
    const first = await stores.trials.create(study.id, { params: { x: 0 } });
    const batch = await stores.trials.createMany(study.id, [
      { params: { x: 1 }, running: { parameterCount: 10 } },
      { params: { x: 2 } },
      { params: { x: 3 }, running: { parameterCount: null } },
    ]);
    expect(batch.map((t) => [t.number, t.params, t.state, t.parameterCount])).toEqual([
      [1, { x: 1 }, 'RUNNING', 10],
      [2, { x: 2 }, 'WAITING', null],
      [3, { x: 3 }, 'RUNNING', null],
    ]);
    expect(batch[0].startedAt).toBeInstanceOf(Date);
    expect(batch[0].lastEventAt).toEqual(batch[0].startedAt);
    expect(batch[1].startedAt).toBeNull();
    for (const created of [first, ...batch]) expect(created).toStrictEqual(await stores.trials.get(created.id));
    expect((await stores.trials.create(study.id, { params: { x: 4 } })).number).toBe(4);
    expect(await stores.trials.createMany(study.id, [])).toEqual([]);
  });

  dbTest('creates nothing when one input is refused, and nothing for a finished study', async ({ stores, study }) => {
    const failed = await stores.trials.create(study.id, { params: { x: 1 } });
    await stores.trials.apply(failed.id, 'failed', { failureType: 'worker-error' });
    await stores.trials.create(study.id, { params: { x: 1 }, retryOfId: failed.id });
    await expect(
      stores.trials.createMany(study.id, [{ params: { x: 2 } }, { params: { x: 1 }, retryOfId: failed.id }]),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      stores.trials.createMany(study.id, [{ params: { x: 2 } }, { params: { x: 3 }, running: { parameterCount: 1.5 } }]),
    ).rejects.toMatchObject({ field: 'parameterCount' });
    expect((await stores.trials.list(study.id)).map((t) => t.number)).toEqual([0, 1]);
    await stores.studies.finish(study.id, 'STOPPED');
    await expect(stores.trials.createMany(study.id, [{ params: {} }, { params: {} }])).rejects.toBeInstanceOf(ConflictError);
    expect(await stores.trials.countByState(study.id)).toMatchObject({ WAITING: 1, FAILED: 1 });
  });
});

describe('TrialStore.reportEpoch', () => {
  dbTest('applies epochReported and stores the value in one go, as apply then recordEpoch would', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    // WAITING accepts a report (the `started` may come later): the trial becomes RUNNING.
    expect(await stores.trials.reportEpoch(trial.id, { epoch: 1, value: 0.5, vloss: 0.7, elapsedMs: 12 })).toEqual({
      changed: true,
      state: 'RUNNING',
      stored: true,
    });
    // A repeated epoch changes the trial's last event, but the first value wins.
    expect(await stores.trials.reportEpoch(trial.id, { epoch: 1, value: 0.9 })).toEqual({ changed: true, state: 'RUNNING', stored: false });
    expect(await stores.trials.reportEpoch(trial.id, { epoch: 2, value: 0.4, accuracy: 0.8, macroF1: 0.6, trainLoss: 0.3, imagesPerSec: 100 })).toMatchObject({
      stored: true,
    });
    const values = await stores.trials.intermediateValues(trial.id);
    expect(values.map((v) => [v.epoch, v.value, v.vloss, v.accuracy, v.elapsedMs])).toEqual([
      [1, 0.5, 0.7, null, 12],
      [2, 0.4, null, 0.8, null],
    ]);
    expect(values[1]).toMatchObject({ macroF1: 0.6, trainLoss: 0.3, imagesPerSec: 100 });
    expect((await stores.trials.get(trial.id)).lastEventAt).toBeInstanceOf(Date);
    expect((await stores.trials.history(study.id))[0].intermediate).toEqual({ 1: 0.5, 2: 0.4 });

    // After the trial finished, a report is an ignore and stores nothing.
    await stores.trials.apply(trial.id, 'pruned', { objectiveValue: 0.4 });
    expect(await stores.trials.reportEpoch(trial.id, { epoch: 3, value: 0.1 })).toEqual({ changed: false, state: 'PRUNED', stored: false });
    expect(await stores.trials.intermediateValues(trial.id)).toHaveLength(2);
  });

  dbTest('throws NotFoundError for an unknown trial and DbInputError naming a bad field', async ({ stores, study }) => {
    await expect(stores.trials.reportEpoch(MISSING, { epoch: 1, value: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'trial' });
    await expect(stores.trials.reportEpoch('nope', { epoch: 1, value: 1 })).rejects.toBeInstanceOf(NotFoundError);
    const trial = await stores.trials.create(study.id, { params: {} });
    await expect(stores.trials.reportEpoch(trial.id, { epoch: -1, value: 1 })).rejects.toMatchObject({ field: 'epoch' });
    await expect(stores.trials.reportEpoch(trial.id, { epoch: 1, value: 1, elapsedMs: 0.5 })).rejects.toMatchObject({ field: 'elapsedMs' });
    expect((await stores.trials.get(trial.id)).state).toBe('WAITING');
  });
});

describe('TrialStore reads', () => {
  dbTest('gets by id and by number, lists by state with keyset pages, counts by state', async ({ stores, study }) => {
    const trials = [];
    for (let i = 0; i < 5; i++) trials.push(await stores.trials.create(study.id, { params: { i } }));
    await stores.trials.apply(trials[1]!.id, 'started');
    await stores.trials.apply(trials[3]!.id, 'failed', { failureType: 'oom', failureMessage: 'out of memory' });

    expect((await stores.trials.get(trials[2]!.id)).number).toBe(2);
    expect((await stores.trials.getByNumber(study.id, 4)).id).toBe(trials[4]!.id);
    await expect(stores.trials.getByNumber(study.id, 99)).rejects.toBeInstanceOf(NotFoundError);
    await expect(stores.trials.get(MISSING)).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'trial', id: MISSING });

    expect((await stores.trials.list(study.id, { states: ['WAITING'] })).map((t) => t.number)).toEqual([0, 2, 4]);
    expect((await stores.trials.list(study.id, { afterNumber: 1, limit: 2 })).map((t) => t.number)).toEqual([2, 3]);
    expect(await stores.trials.countByState(study.id)).toEqual({
      WAITING: 3, RUNNING: 1, PAUSED: 0, COMPLETE: 0, PRUNED: 0, FAILED: 1,
    });
    await expect(stores.trials.list(study.id, { states: ['DONE' as TrialState] })).rejects.toMatchObject({ field: 'states' });
  });

  dbTest('builds the study history for samplers and pruners', async ({ stores, study }) => {
    const a = await stores.trials.create(study.id, { params: { x: 1 } });
    const b = await stores.trials.create(study.id, { params: { x: 2 } });
    await stores.trials.apply(a.id, 'started');
    await stores.trials.recordEpoch(a.id, { epoch: 1, value: 0.9 });
    await stores.trials.recordEpoch(a.id, { epoch: 2, value: 0.7 });
    await stores.trials.apply(a.id, 'completed', { objectiveValue: 0.7 });
    expect(await stores.trials.history(study.id)).toEqual([
      { number: 0, state: 'COMPLETE', params: { x: 1 }, value: 0.7, intermediate: { 1: 0.9, 2: 0.7 }, prunedAtRung: null },
      { number: 1, state: 'WAITING', params: { x: 2 }, value: null, intermediate: {}, prunedAtRung: null },
    ]);
    expect(b.number).toBe(1);
  });

  dbTest('keeps the rung that pruned a trial in its row and its history', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: { x: 3 } });
    await stores.trials.apply(trial.id, 'started');
    await stores.trials.recordEpoch(trial.id, { epoch: 4, value: 2.5 });
    await stores.trials.apply(trial.id, 'pruned', { objectiveValue: 2.5, prunedAtRung: 1 });
    expect((await stores.trials.get(trial.id)).prunedAtRung).toBe(1);
    const [frozen] = (await stores.trials.history(study.id)).filter((t) => t.number === trial.number);
    expect(frozen).toMatchObject({ state: 'PRUNED', value: 2.5, prunedAtRung: 1 });
    await expect(stores.trials.apply(trial.id, 'pruned', { prunedAtRung: 0.5 })).rejects.toMatchObject({ field: 'prunedAtRung' });
  });
});

describe('TrialStore.apply', () => {
  dbTest('follows TRIAL_TRANSITIONS in every cell', async ({ db, stores, study }) => {
    const cells: [TrialState, TrialEvent][] = TRIAL_STATES.flatMap((s) => TRIAL_EVENTS.map((e) => [s, e] as [TrialState, TrialEvent]));
    for (const [state, event] of cells) {
      const trial = await stores.trials.create(study.id, { params: { state, event } });
      await db.trial.update({ where: { id: trial.id }, data: { state } });
      const expected = TRIAL_TRANSITIONS[state][event];
      const outcome = stores.trials.apply(trial.id, event);
      if (expected === 'illegal') {
        await expect(outcome, `${state} × ${event}`).rejects.toBeInstanceOf(IllegalTransitionError);
      } else if (expected === 'ignore') {
        expect(await outcome, `${state} × ${event}`).toEqual({ changed: false, state });
      } else {
        expect(await outcome, `${state} × ${event}`).toEqual({ changed: true, state: expected });
      }
      const after = await stores.trials.get(trial.id);
      expect(after.state, `${state} × ${event}`).toBe(expected === 'illegal' || expected === 'ignore' ? state : expected);
    }
  });

  dbTest('sets the event data and the timestamps with the state', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const before = Date.now();
    await stores.trials.apply(trial.id, 'started', { workerId: 'gpu-1' });
    const running = await stores.trials.get(trial.id);
    expect(running).toMatchObject({ state: 'RUNNING', workerId: 'gpu-1', finishedAt: null });
    expect(running.startedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(running.lastEventAt).toEqual(running.startedAt);

    await stores.trials.apply(trial.id, 'completed', {
      objectiveValue: 0.61,
      vloss: 0.61,
      accuracy: 0.8,
      macroF1: 0.79,
      perClassAccuracy: [0.8, 0.7],
      confusionMatrix: [[8, 2], [3, 7]],
      parameterCount: 875592,
      efficiency: 0.9,
    });
    const done = await stores.trials.get(trial.id);
    expect(done).toMatchObject({
      state: 'COMPLETE',
      objectiveValue: 0.61,
      perClassAccuracy: [0.8, 0.7],
      confusionMatrix: [[8, 2], [3, 7]],
      parameterCount: 875592,
      startedAt: running.startedAt,
    });
    expect(done.finishedAt).toBeInstanceOf(Date);
  });

  dbTest('ignores a late completion after a prune and keeps the prune data', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    await stores.trials.apply(trial.id, 'started');
    expect(await stores.trials.apply(trial.id, 'pruned', { objectiveValue: 0.41 })).toEqual({ changed: true, state: 'PRUNED' });
    expect(await stores.trials.apply(trial.id, 'completed', { objectiveValue: 0.9 })).toEqual({ changed: false, state: 'PRUNED' });
    expect((await stores.trials.get(trial.id)).objectiveValue).toBe(0.41);
  });

  dbTest('throws IllegalTransitionError for a stop nobody asked for, leaving the row alone', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    await stores.trials.apply(trial.id, 'started');
    const err = await stores.trials.apply(trial.id, 'stopped', { failureType: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect(err).toMatchObject({ code: 'ILLEGAL_TRANSITION', from: 'RUNNING', event: 'stopped' });
    expect(await stores.trials.get(trial.id)).toMatchObject({ state: 'RUNNING', failureType: null });
  });

  dbTest('lets exactly one of many concurrent final events win', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    await stores.trials.apply(trial.id, 'started');
    const events: TrialEvent[] = ['completed', 'pruned', 'failed'];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const event = events[i % 3] as TrialEvent;
        return stores.trials.apply(trial.id, event, { failureMessage: `${event}-${i}` }).then((r) => ({ event, i, ...r }));
      }),
    );
    const winners = results.filter((r) => r.changed);
    expect(winners).toHaveLength(1);
    const stored = await stores.trials.get(trial.id);
    expect(stored.state).toBe(winners[0]!.state);
    expect(stored.failureMessage).toBe(`${winners[0]!.event}-${winners[0]!.i}`);
    expect(results.filter((r) => !r.changed).every((r) => r.state === stored.state)).toBe(true);
  });

  dbTest('lets exactly one redelivered started change the trial', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const results = await Promise.all(Array.from({ length: 12 }, () => stores.trials.apply(trial.id, 'started')));
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(results.every((r) => r.state === 'RUNNING')).toBe(true);
  });

  dbTest('pauses and promotes a trial, with resumeFromEpoch', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    await stores.trials.apply(trial.id, 'started');
    expect(await stores.trials.apply(trial.id, 'paused')).toEqual({ changed: true, state: 'PAUSED' });
    expect(await stores.trials.apply(trial.id, 'promoted', { resumeFromEpoch: 3 })).toEqual({ changed: true, state: 'RUNNING' });
    expect((await stores.trials.get(trial.id)).resumeFromEpoch).toBe(3);
  });

  dbTest('reports unknown trials and bad input clearly', async ({ stores, study }) => {
    await expect(stores.trials.apply(MISSING, 'started')).rejects.toMatchObject({ code: 'NOT_FOUND', id: MISSING });
    await expect(stores.trials.apply('x', 'started')).rejects.toBeInstanceOf(NotFoundError);
    const trial = await stores.trials.create(study.id, { params: {} });
    await expect(stores.trials.apply(trial.id, 'finished' as TrialEvent)).rejects.toMatchObject({ field: 'event' });
    await expect(stores.trials.apply(trial.id, 'started', { attempts: -2 })).rejects.toBeInstanceOf(DbInputError);
  });

  dbTest('works inside a transaction, which rolls back with it', async ({ db, stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    await expect(
      db.$transaction(async (tx) => {
        const inTx = createTrialStore(tx);
        expect(await inTx.apply(trial.id, 'started')).toEqual({ changed: true, state: 'RUNNING' });
        await inTx.create(study.id, { params: { inside: true } });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await stores.trials.get(trial.id)).state).toBe('WAITING');
    expect(await stores.trials.list(study.id)).toHaveLength(1);
    expect((await stores.trials.create(study.id, { params: {} })).number).toBe(1);
  });
});

describe('TrialStore attempts and staleness', () => {
  dbTest('records attempts monotonically', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    expect(await stores.trials.recordAttempt(trial.id, 1, 'w1')).toBe(true);
    expect(await stores.trials.recordAttempt(trial.id, 1, 'w1')).toBe(false);
    expect(await stores.trials.recordAttempt(trial.id, 3, 'w2')).toBe(true);
    expect(await stores.trials.recordAttempt(trial.id, 2, 'w3')).toBe(false);
    expect(await stores.trials.get(trial.id)).toMatchObject({ attempts: 3, workerId: 'w2' });
    await expect(stores.trials.recordAttempt(MISSING, 1, 'w1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(stores.trials.recordAttempt(trial.id, 0, 'w1')).rejects.toMatchObject({ field: 'attempt' });
  });

  dbTest('lists RUNNING trials whose last event is older than a cutoff', async ({ db, stores, study }) => {
    const old = await stores.trials.create(study.id, { params: {} });
    const fresh = await stores.trials.create(study.id, { params: {} });
    const waiting = await stores.trials.create(study.id, { params: {} });
    await stores.trials.apply(old.id, 'started');
    await stores.trials.apply(fresh.id, 'started');
    await db.trial.update({ where: { id: old.id }, data: { lastEventAt: new Date(Date.now() - 3_600_000) } });
    const cutoff = new Date(Date.now() - 60_000);
    const stale = await stores.trials.listStale(cutoff);
    const mine = stale.filter((t) => t.studyId === study.id).map((t) => t.id);
    expect(mine).toEqual([old.id]);
    expect(mine).not.toContain(waiting.id);
  });
});

describe('TrialStore epochs and rungs', () => {
  dbTest('keeps the first report of an epoch when it is redelivered', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const report = { epoch: 1, value: 0.8, vloss: 0.8, accuracy: 0.6, macroF1: 0.55, trainLoss: 0.9, imagesPerSec: 1200, elapsedMs: 4100 };
    expect(await stores.trials.recordEpoch(trial.id, report)).toBe(true);
    expect(await stores.trials.recordEpoch(trial.id, { ...report, value: 0.1 })).toBe(false);
    expect(await stores.trials.recordEpoch(trial.id, { epoch: 2, value: 0.7 })).toBe(true);
    const values = await stores.trials.intermediateValues(trial.id);
    expect(values.map((v) => [v.epoch, v.value])).toEqual([[1, 0.8], [2, 0.7]]);
    expect(values[0]).toMatchObject({ ...report, trialId: trial.id });
    expect(values[1]).toMatchObject({ vloss: null, elapsedMs: null });
  });

  dbTest('counts concurrent duplicate reports as new exactly once', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) => stores.trials.recordEpoch(trial.id, { epoch: 5, value: i })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await stores.trials.intermediateValues(trial.id)).toHaveLength(1);
  });

  dbTest('rejects reports for unknown trials and bad epochs', async ({ stores, study }) => {
    await expect(stores.trials.recordEpoch(MISSING, { epoch: 1, value: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND', id: MISSING });
    const trial = await stores.trials.create(study.id, { params: {} });
    await expect(stores.trials.recordEpoch(trial.id, { epoch: -1, value: 1 })).rejects.toMatchObject({ field: 'epoch' });
    await expect(stores.trials.recordEpoch(trial.id, { epoch: 1, value: 1, elapsedMs: 1.5 })).rejects.toMatchObject({ field: 'elapsedMs' });
  });

  dbTest('records a rung value once and lists a rung per study', async ({ stores, study }) => {
    const a = await stores.trials.create(study.id, { params: {} });
    const b = await stores.trials.create(study.id, { params: {} });
    const elsewhere = await stores.trials.create((await createTestStudy(stores)).id, { params: {} });
    expect(await stores.trials.recordRung(a.id, 0, 0.5)).toBe(true);
    expect(await stores.trials.recordRung(a.id, 0, 0.1)).toBe(false);
    expect(await stores.trials.recordRung(b.id, 0, 0.3)).toBe(true);
    expect(await stores.trials.recordRung(b.id, 1, 0.2)).toBe(true);
    expect(await stores.trials.recordRung(elsewhere.id, 0, 0.0)).toBe(true);
    expect(await stores.trials.rungValues(study.id, 0)).toEqual([
      { trialId: b.id, value: 0.3 },
      { trialId: a.id, value: 0.5 },
    ]);
    await expect(stores.trials.recordRung(MISSING, 0, 1)).rejects.toBeInstanceOf(NotFoundError);
  });
});
