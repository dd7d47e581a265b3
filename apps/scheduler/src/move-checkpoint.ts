/**
 * Checkpoint bytes travel through Redis (the worker never touches Postgres): the worker stores the
 * archive under the contracts' key and names it in its `epoch` event; the scheduler moves it into
 * Postgres (the store verifies the sha256) and deletes the key. Repeating this is harmless: a
 * second move finds the key gone and the row present.
 */
import { type CheckpointRef, trialCheckpointKey } from '@tunefleet/contracts';
import { DbInputError, NotFoundError } from '@tunefleet/db';
import type { SchedulerContext } from './context.js';

export type CheckpointMove = 'saved' | 'already-saved' | 'missing' | 'corrupt';

export async function moveCheckpoint(ctx: SchedulerContext, trialId: string, ref: CheckpointRef): Promise<CheckpointMove> {
  const key = trialCheckpointKey(trialId, ref.epoch, ctx.config.queuePrefix);
  const tlog = ctx.log.child({ trialId, epoch: ref.epoch });
  const data = await ctx.redis.getBuffer(key);
  if (data === null) {
    try {
      await ctx.stores.checkpoints.get(trialId, ref.epoch);
      return 'already-saved';
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      tlog.warn({ key }, 'checkpoint archive missing from redis');
      return 'missing';
    }
  }
  if (data.byteLength !== ref.size) {
    tlog.warn({ size: data.byteLength, expected: ref.size }, 'checkpoint archive has the wrong size; not saved');
    await ctx.redis.del(key);
    return 'corrupt';
  }
  try {
    await ctx.stores.checkpoints.save({ trialId, epoch: ref.epoch, data: new Uint8Array(data), sha256: ref.sha256 });
  } catch (err) {
    if (!(err instanceof DbInputError)) throw err;
    tlog.warn({ err }, 'checkpoint archive does not match its sha256; not saved');
    await ctx.redis.del(key);
    return 'corrupt';
  }
  await ctx.redis.del(key);
  tlog.debug({ size: ref.size }, 'checkpoint saved');
  return 'saved';
}
