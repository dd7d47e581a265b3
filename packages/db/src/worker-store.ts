/**
 * Workers as known from their heartbeats (worker → Redis → scheduler → here). A worker's row is
 * created by its first heartbeat and refreshed by each later one.
 */
import type { DbOrTx } from './client.js';
import { DbInputError, NotFoundError, translateDbError } from './errors.js';
import { isUuid } from './uuid.js';

export interface Worker {
  readonly id: string;
  readonly host: string;
  /** tfjs backend: tensorflow-gpu, tensorflow, wasm, cpu. */
  readonly backend: string;
  readonly gpu: string | null;
  readonly currentTrialId: string | null;
  readonly firstSeenAt: Date;
  readonly lastHeartbeatAt: Date;
}

export interface Heartbeat {
  readonly id: string;
  readonly host: string;
  readonly backend: string;
  readonly gpu?: string | null;
  /** The trial being trained, or null/absent when idle. */
  readonly trialId?: string | null;
  /** When the worker sent it (default: now). */
  readonly at?: Date;
}

export interface WorkerStore {
  /** Creates or refreshes the worker's row. */
  heartbeat(beat: Heartbeat): Promise<Worker>;
  /** Throws NotFoundError. */
  get(id: string): Promise<Worker>;
  /** Most recent heartbeat first. */
  list(): Promise<Worker[]>;
  /** Workers whose last heartbeat is older than `before`. */
  listStale(before: Date): Promise<Worker[]>;
  /** Throws NotFoundError. */
  remove(id: string): Promise<void>;
}

const workerSelect = {
  id: true,
  host: true,
  backend: true,
  gpu: true,
  currentTrialId: true,
  firstSeenAt: true,
  lastHeartbeatAt: true,
} as const;

function nonEmpty(field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new DbInputError(field, 'must be a non-empty string');
}

export function createWorkerStore(db: DbOrTx): WorkerStore {
  return {
    async heartbeat(beat) {
      nonEmpty('id', beat.id);
      nonEmpty('host', beat.host);
      nonEmpty('backend', beat.backend);
      const trialId = beat.trialId ?? null;
      if (trialId !== null && !isUuid(trialId)) throw new DbInputError('trialId', `is not a trial id: ${trialId}`);
      const at = beat.at ?? new Date();
      if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new DbInputError('at', 'must be a valid Date');
      const fields = { host: beat.host, backend: beat.backend, gpu: beat.gpu ?? null, currentTrialId: trialId };
      return db.worker.upsert({
        where: { id: beat.id },
        create: { id: beat.id, ...fields, lastHeartbeatAt: at },
        update: { ...fields, lastHeartbeatAt: at },
        select: workerSelect,
      });
    },

    async get(id) {
      const row = await db.worker.findUnique({ where: { id }, select: workerSelect });
      if (!row) throw new NotFoundError('worker', id);
      return row;
    },

    async list() {
      return db.worker.findMany({ orderBy: { lastHeartbeatAt: 'desc' }, select: workerSelect });
    },

    async listStale(before) {
      if (!(before instanceof Date) || Number.isNaN(before.getTime())) throw new DbInputError('before', 'must be a valid Date');
      return db.worker.findMany({
        where: { lastHeartbeatAt: { lt: before } },
        orderBy: { lastHeartbeatAt: 'asc' },
        select: workerSelect,
      });
    },

    async remove(id) {
      try {
        await db.worker.delete({ where: { id }, select: { id: true } });
      } catch (err) {
        throw translateDbError(err, { entity: 'worker', id });
      }
    },
  };
}
