import type { DbOrTx } from './client.js';
import { type CheckpointStore, createCheckpointStore } from './checkpoint-store.js';
import { type ResumeFallbackStore, createResumeFallbackStore } from './resume-fallback-store.js';
import { type StudyStore, createStudyStore } from './study-store.js';
import { type TrialStore, createTrialStore } from './trial-store.js';
import { type WorkerStore, createWorkerStore } from './worker-store.js';

export interface Stores {
  readonly studies: StudyStore;
  readonly trials: TrialStore;
  readonly checkpoints: CheckpointStore;
  readonly resumeFallbacks: ResumeFallbackStore;
  readonly workers: WorkerStore;
}

/** Every store on one client or transaction: `db.$transaction((tx) => work(createStores(tx)))`. */
export function createStores(db: DbOrTx): Stores {
  return {
    studies: createStudyStore(db),
    trials: createTrialStore(db),
    checkpoints: createCheckpointStore(db),
    resumeFallbacks: createResumeFallbackStore(db),
    workers: createWorkerStore(db),
  };
}
