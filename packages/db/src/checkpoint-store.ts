/**
 * Checkpoints: a trial's saved training state at an epoch, stored in Postgres so any worker on any
 * machine can resume any trial. Workers never touch Postgres: a worker puts the archive in Redis
 * (`trialCheckpointKey` in @tunefleet/contracts) and names it in its `epoch` message; the scheduler
 * saves it here (the sha256 is verified) and, to resume a trial, reads it back and puts it in Redis
 * for the next job. Metadata and bytes live in two tables, so listing never reads the bytes.
 */
import { createHash } from 'node:crypto';
import type { DbOrTx } from './client.js';
import { CheckpointCorruptError, ConflictError, DbInputError, NotFoundError, prismaCode, translateDbError } from './errors.js';
import { checkInt, MAX_INT4 } from './trial-record.js';
import { isUuid } from './uuid.js';

export interface CheckpointMeta {
  readonly id: string;
  readonly trialId: string;
  readonly epoch: number;
  readonly sizeBytes: number;
  /** Lower-case hex sha256 of the bytes. */
  readonly sha256: string;
  /** `postgres`: the bytes are in the checkpoint_blob table. */
  readonly location: string;
  readonly createdAt: Date;
}

export interface NewCheckpoint {
  readonly trialId: string;
  readonly epoch: number;
  readonly data: Uint8Array;
  /** If given, must match the bytes (the uploader's checksum): DbInputError otherwise. */
  readonly sha256?: string;
}

export interface CheckpointStore {
  /**
   * Saves a checkpoint. Idempotent: saving the same bytes for the same (trial, epoch) again
   * returns the stored row; different bytes for a saved epoch throw ConflictError.
   */
  save(input: NewCheckpoint): Promise<CheckpointMeta>;
  /** Throws NotFoundError. */
  get(trialId: string, epoch: number): Promise<CheckpointMeta>;
  /** The checkpoint with the highest epoch, or null. */
  latest(trialId: string): Promise<CheckpointMeta | null>;
  /** Ordered by epoch. */
  list(trialId: string): Promise<CheckpointMeta[]>;
  /**
   * Metadata and bytes; the bytes are verified against the stored sha256. Throws NotFoundError
   * (no row, or a row without bytes) and CheckpointCorruptError.
   */
  read(trialId: string, epoch: number): Promise<{ meta: CheckpointMeta; data: Uint8Array }>;
  /** Deletes one checkpoint (metadata and bytes); returns whether it existed. */
  remove(trialId: string, epoch: number): Promise<boolean>;
  /** Deletes all but the `keep` highest epochs of a trial; returns how many were deleted. */
  keepLatest(trialId: string, keep: number): Promise<number>;
}

const metaSelect = {
  id: true,
  trialId: true,
  epoch: true,
  sizeBytes: true,
  sha256: true,
  location: true,
  createdAt: true,
} as const;

const SHA256 = /^[0-9a-f]{64}$/;

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function createCheckpointStore(db: DbOrTx): CheckpointStore {
  async function get(trialId: string, epoch: number): Promise<CheckpointMeta> {
    checkInt('epoch', epoch);
    const row = isUuid(trialId)
      ? await db.checkpoint.findUnique({ where: { trialId_epoch: { trialId, epoch } }, select: metaSelect })
      : null;
    if (!row) throw new NotFoundError('checkpoint', `${trialId}@${epoch}`);
    return row;
  }

  return {
    async save(input) {
      checkInt('epoch', input.epoch);
      if (!(input.data instanceof Uint8Array)) throw new DbInputError('data', 'must be a Uint8Array');
      if (input.data.byteLength > MAX_INT4) throw new DbInputError('data', `must be at most ${MAX_INT4} bytes`);
      const sha256 = sha256Hex(input.data);
      if (input.sha256 !== undefined) {
        if (!SHA256.test(input.sha256)) throw new DbInputError('sha256', 'must be 64 lower-case hex digits');
        if (input.sha256 !== sha256) throw new DbInputError('sha256', `does not match the data (computed ${sha256})`);
      }
      if (!isUuid(input.trialId)) throw new NotFoundError('trial', input.trialId);
      try {
        // A nested create is one transaction: the metadata never exists without its bytes.
        return await db.checkpoint.create({
          data: {
            trialId: input.trialId,
            epoch: input.epoch,
            sizeBytes: input.data.byteLength,
            sha256,
            blob: { create: { data: input.data as Uint8Array<ArrayBuffer> } },
          },
          select: metaSelect,
        });
      } catch (err) {
        if (prismaCode(err) !== 'P2002') {
          throw translateDbError(err, { entity: 'checkpoint', id: `${input.trialId}@${input.epoch}`, parent: { entity: 'trial', id: input.trialId } });
        }
        const existing = await get(input.trialId, input.epoch);
        if (existing.sha256 === sha256) return existing;
        throw new ConflictError(
          'checkpoint',
          `checkpoint ${input.trialId}@${input.epoch} already exists with different bytes`,
          { cause: err },
        );
      }
    },

    get,

    async latest(trialId) {
      if (!isUuid(trialId)) throw new NotFoundError('trial', trialId);
      return db.checkpoint.findFirst({ where: { trialId }, orderBy: { epoch: 'desc' }, select: metaSelect });
    },

    async list(trialId) {
      if (!isUuid(trialId)) throw new NotFoundError('trial', trialId);
      return db.checkpoint.findMany({ where: { trialId }, orderBy: { epoch: 'asc' }, select: metaSelect });
    },

    async read(trialId, epoch) {
      checkInt('epoch', epoch);
      const row = isUuid(trialId)
        ? await db.checkpoint.findUnique({
            where: { trialId_epoch: { trialId, epoch } },
            select: { ...metaSelect, blob: { select: { data: true } } },
          })
        : null;
      if (!row || !row.blob) throw new NotFoundError('checkpoint', `${trialId}@${epoch}`);
      const { blob, ...meta } = row;
      const data = new Uint8Array(blob.data);
      if (sha256Hex(data) !== meta.sha256) throw new CheckpointCorruptError(trialId, epoch);
      return { meta, data };
    },

    async remove(trialId, epoch) {
      checkInt('epoch', epoch);
      if (!isUuid(trialId)) return false;
      // The blob goes with its row (ON DELETE CASCADE).
      const { count } = await db.checkpoint.deleteMany({ where: { trialId, epoch } });
      return count > 0;
    },

    async keepLatest(trialId, keep) {
      checkInt('keep', keep);
      if (!isUuid(trialId)) throw new NotFoundError('trial', trialId);
      const kept = await db.checkpoint.findMany({
        where: { trialId },
        orderBy: { epoch: 'desc' },
        take: keep,
        select: { id: true },
      });
      const { count } = await db.checkpoint.deleteMany({
        where: { trialId, id: { notIn: kept.map((k) => k.id) } },
      });
      return count;
    },
  };
}
