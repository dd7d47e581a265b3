import { IllegalTransitionError } from '@tunefleet/search';
import { describe, expect } from 'vitest';
import { DbInputError, NotFoundError, type NewStudy } from '../src/index.js';
import { createTestStudy, dbTest } from '../src/testing.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

const input: NewStudy = {
  name: 'cifar10 tpe',
  spec: { sampler: { type: 'tpe' }, searchSpace: { learning_rate: { type: 'float', low: 1e-4, high: 1e-1, log: true } } },
  objective: { kind: 'cnn', dataset: { name: 'cifar10', trainSize: 2000, validationSize: 500, testSize: 500 } },
  metric: 'vloss',
  direction: 'minimize',
  seed: 2147483647,
  maxTrials: 100,
  parallelism: 4,
};

describe('StudyStore', () => {
  dbTest('creates a RUNNING study and reads it back as submitted', async ({ stores }) => {
    const study = await stores.studies.create(input);
    expect(study).toMatchObject({ ...input, status: 'RUNNING', finishedAt: null });
    expect(study.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await stores.studies.get(study.id)).toEqual(study);
  });

  dbTest.for([
    [{ name: ' ' }, 'name'],
    [{ metric: '' }, 'metric'],
    [{ direction: 'up' }, 'direction'],
    [{ seed: -1 }, 'seed'],
    [{ seed: 2 ** 31 }, 'seed'],
    [{ maxTrials: 0 }, 'maxTrials'],
    [{ parallelism: 1.5 }, 'parallelism'],
  ] as const)('rejects %j naming the field %s', async ([patch, field], { stores }) => {
    const err = await stores.studies.create({ ...input, ...(patch as Partial<NewStudy>) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbInputError);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field });
  });

  dbTest('answers NotFoundError for unknown and malformed ids', async ({ stores }) => {
    await expect(stores.studies.get(MISSING)).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'study', id: MISSING });
    await expect(stores.studies.get('42')).rejects.toBeInstanceOf(NotFoundError);
    await expect(stores.studies.finish(MISSING, 'STOPPED')).rejects.toBeInstanceOf(NotFoundError);
    await expect(stores.studies.remove(MISSING)).rejects.toBeInstanceOf(NotFoundError);
  });

  dbTest('lists newest first, filtered by status, in keyset pages', async ({ stores }) => {
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await createTestStudy(stores, { name: `page ${i}` }));
    await stores.studies.finish(made[1]!.id, 'COMPLETE');
    const ids = new Set(made.map((s) => s.id));
    const mine = async (options: Parameters<typeof stores.studies.list>[0]) =>
      (await stores.studies.list(options)).filter((s) => ids.has(s.id)).map((s) => s.name);
    expect(await mine({ limit: 500 })).toEqual(['page 3', 'page 2', 'page 1', 'page 0']);
    expect(await mine({ limit: 2, before: made[3]!.id })).toEqual(['page 2', 'page 1']);
    expect(await mine({ status: 'RUNNING', limit: 500 })).toEqual(['page 3', 'page 2', 'page 0']);
    await expect(stores.studies.list({ limit: 0 })).rejects.toMatchObject({ field: 'limit' });
  });

  dbTest('finishes a study once; a repeat is unchanged, another status is illegal', async ({ stores, study }) => {
    expect(await stores.studies.finish(study.id, 'STOPPED')).toEqual({ changed: true, status: 'STOPPED' });
    const stopped = await stores.studies.get(study.id);
    expect(stopped.finishedAt).toBeInstanceOf(Date);
    expect(await stores.studies.finish(study.id, 'STOPPED')).toEqual({ changed: false, status: 'STOPPED' });
    const err = await stores.studies.finish(study.id, 'COMPLETE').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect(err).toMatchObject({ code: 'ILLEGAL_TRANSITION', from: 'STOPPED', event: 'COMPLETE' });
    expect((err as Error).message).toBe('study in status STOPPED cannot move to COMPLETE');
    expect((await stores.studies.get(study.id)).finishedAt).toEqual(stopped.finishedAt);
  });

  dbTest('lets exactly one of concurrent finishes win', async ({ stores, study }) => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => stores.studies.finish(study.id, i % 2 ? 'STOPPED' : 'COMPLETE')),
    );
    const changed = results.filter((r) => r.status === 'fulfilled' && r.value.changed);
    expect(changed).toHaveLength(1);
  });

  dbTest('resumes a STOPPED study once; any other status is illegal', async ({ stores, study }) => {
    const illegal = async (from: string) => {
      const err = await stores.studies.resume(study.id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect(err).toMatchObject({ code: 'ILLEGAL_TRANSITION', from, event: 'RUNNING' });
      expect((err as Error).message).toBe(`study in status ${from} cannot be resumed; only a STOPPED study can`);
    };
    await illegal('RUNNING');
    await stores.studies.finish(study.id, 'STOPPED');
    const resumed = await stores.studies.resume(study.id);
    expect(resumed).toEqual({ ...study, status: 'RUNNING', finishedAt: null });
    expect(await stores.studies.get(study.id)).toEqual(resumed);
    await illegal('RUNNING');
    // Resumed, the study takes trials again and can be stopped again.
    await stores.trials.create(study.id, { params: { x: 1 } });
    expect(await stores.studies.finish(study.id, 'STOPPED')).toEqual({ changed: true, status: 'STOPPED' });
  });

  dbTest.for(['COMPLETE', 'FAILED'] as const)('refuses to resume a %s study and leaves it as it was', async (status, { stores, study }) => {
    await stores.studies.finish(study.id, status);
    const before = await stores.studies.get(study.id);
    const err = await stores.studies.resume(study.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect(err).toMatchObject({ from: status, event: 'RUNNING' });
    expect(await stores.studies.get(study.id)).toEqual(before);
  });

  dbTest('lets exactly one of concurrent resumes win', async ({ stores, study }) => {
    await stores.studies.finish(study.id, 'STOPPED');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => stores.studies.resume(study.id)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(7);
    for (const r of rejected) expect(r.reason).toMatchObject({ code: 'ILLEGAL_TRANSITION', from: 'RUNNING' });
  });

  dbTest('answers NotFoundError when resuming an unknown or malformed id', async ({ stores }) => {
    await expect(stores.studies.resume(MISSING)).rejects.toBeInstanceOf(NotFoundError);
    await expect(stores.studies.resume('nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  dbTest('removes a study with its trials, epochs and rungs', async ({ db, stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    await stores.trials.recordEpoch(trial.id, { epoch: 1, value: 1 });
    await stores.trials.recordRung(trial.id, 0, 1);
    await stores.studies.remove(study.id);
    await expect(stores.studies.get(study.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.trial.count({ where: { studyId: study.id } })).toBe(0);
    expect(await db.intermediateValue.count({ where: { trialId: trial.id } })).toBe(0);
    expect(await db.rungRecord.count({ where: { studyId: study.id } })).toBe(0);
  });
});
