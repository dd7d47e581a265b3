import { createHash, randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import { CheckpointCorruptError, ConflictError, DbInputError, NotFoundError } from '../src/index.js';
import { dbTest } from '../src/testing.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('CheckpointStore', () => {
  dbTest('saves bytes with their size and sha256 and reads them back intact', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const data = new Uint8Array(randomBytes(300_000));
    const meta = await stores.checkpoints.save({ trialId: trial.id, epoch: 2, data, sha256: sha(data) });
    expect(meta).toMatchObject({ trialId: trial.id, epoch: 2, sizeBytes: 300_000, sha256: sha(data), location: 'postgres' });
    const back = await stores.checkpoints.read(trial.id, 2);
    expect(back.meta).toEqual(meta);
    expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
    expect(await stores.checkpoints.get(trial.id, 2)).toEqual(meta);
  });

  dbTest('is idempotent for the same bytes and refuses different bytes for a saved epoch', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const data = new Uint8Array([1, 2, 3]);
    const first = await stores.checkpoints.save({ trialId: trial.id, epoch: 1, data });
    expect(await stores.checkpoints.save({ trialId: trial.id, epoch: 1, data })).toEqual(first);
    await expect(
      stores.checkpoints.save({ trialId: trial.id, epoch: 1, data: new Uint8Array([9]) }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  dbTest('rejects a checksum that does not match the bytes, naming the field', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const err = await stores.checkpoints
      .save({ trialId: trial.id, epoch: 1, data: new Uint8Array([1]), sha256: '0'.repeat(64) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbInputError);
    expect(err).toMatchObject({ field: 'sha256' });
    expect(await stores.checkpoints.list(trial.id)).toEqual([]);
  });

  dbTest('lists by epoch, finds the latest and keeps only the newest', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    expect(await stores.checkpoints.latest(trial.id)).toBeNull();
    for (const epoch of [3, 1, 2]) {
      await stores.checkpoints.save({ trialId: trial.id, epoch, data: new Uint8Array([epoch]) });
    }
    expect((await stores.checkpoints.list(trial.id)).map((c) => c.epoch)).toEqual([1, 2, 3]);
    expect((await stores.checkpoints.latest(trial.id))?.epoch).toBe(3);
    expect(await stores.checkpoints.keepLatest(trial.id, 1)).toBe(2);
    expect((await stores.checkpoints.list(trial.id)).map((c) => c.epoch)).toEqual([3]);
    await expect(stores.checkpoints.read(trial.id, 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  dbTest('answers NotFoundError for unknown trials and checkpoints', async ({ stores, study }) => {
    await expect(
      stores.checkpoints.save({ trialId: MISSING, epoch: 1, data: new Uint8Array([1]) }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'trial', id: MISSING });
    const trial = await stores.trials.create(study.id, { params: {} });
    await expect(stores.checkpoints.get(trial.id, 7)).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'checkpoint' });
  });

  dbTest('detects bytes corrupted in the database', async ({ db, stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const meta = await stores.checkpoints.save({ trialId: trial.id, epoch: 1, data: new Uint8Array([1, 2]) });
    await db.checkpointBlob.update({ where: { checkpointId: meta.id }, data: { data: new Uint8Array([1, 3]) } });
    await expect(stores.checkpoints.read(trial.id, 1)).rejects.toThrow(/corrupt/);
    await expect(stores.checkpoints.read(trial.id, 1)).rejects.toBeInstanceOf(CheckpointCorruptError);
    await expect(stores.checkpoints.read(trial.id, 1)).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT', trialId: trial.id, epoch: 1 });
  });

  dbTest('remove deletes one checkpoint with its bytes and says whether it existed', async ({ db, stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const one = await stores.checkpoints.save({ trialId: trial.id, epoch: 1, data: new Uint8Array([1]) });
    await stores.checkpoints.save({ trialId: trial.id, epoch: 2, data: new Uint8Array([2]) });
    expect(await stores.checkpoints.remove(trial.id, 1)).toBe(true);
    expect(await stores.checkpoints.remove(trial.id, 1)).toBe(false);
    expect(await stores.checkpoints.remove(MISSING, 1)).toBe(false);
    expect((await stores.checkpoints.list(trial.id)).map((c) => c.epoch)).toEqual([2]);
    expect(await db.checkpointBlob.findUnique({ where: { checkpointId: one.id } })).toBeNull();
    await expect(stores.checkpoints.read(trial.id, 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  dbTest('resume fallbacks are recorded per trial, oldest first, and validated', async ({ stores, study }) => {
    const trial = await stores.trials.create(study.id, { params: {} });
    const base = { trialId: trial.id, checkpointTrialId: trial.id } as const;
    await stores.resumeFallbacks.record({ ...base, attempt: 2, problem: 'corrupt', checkpointEpoch: 3, resumedFromEpoch: 2 });
    await stores.resumeFallbacks.record({ ...base, attempt: 3, problem: 'missing', checkpointEpoch: 2, resumedFromEpoch: 0 });
    expect(await stores.resumeFallbacks.list(trial.id)).toMatchObject([
      { attempt: 2, problem: 'corrupt', checkpointEpoch: 3, resumedFromEpoch: 2 },
      { attempt: 3, problem: 'missing', checkpointEpoch: 2, resumedFromEpoch: 0 },
    ]);
    await expect(
      stores.resumeFallbacks.record({ ...base, attempt: 1, problem: 'lost' as never, checkpointEpoch: 1, resumedFromEpoch: 0 }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'problem' });
    await expect(
      stores.resumeFallbacks.record({ ...base, trialId: MISSING, attempt: 1, problem: 'missing', checkpointEpoch: 1, resumedFromEpoch: 0 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'trial' });
  });
});
