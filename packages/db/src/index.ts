export { createDb, type Db, type DbOptions, type DbOrTx } from './client.js';
export {
  CheckpointCorruptError,
  ConflictError,
  DbInputError,
  NotFoundError,
  isDatabaseUnavailable,
  isRetriableDbError,
  type DbErrorCode,
} from './errors.js';
export type { JsonValue } from './json-value.js';
export {
  createStudyStore,
  STUDY_STATUSES,
  type FinalStudyStatus,
  type ListStudiesOptions,
  type NewStudy,
  type Study,
  type StudyStatus,
  type StudyStatusResult,
  type StudyStore,
} from './study-store.js';
export type { Trial, TrialUpdate } from './trial-record.js';
export {
  createTrialStore,
  eventTarget,
  type ApplyResult,
  type EpochReport,
  type IntermediateValue,
  type ListTrialsOptions,
  type NewTrial,
  type RungValue,
  type TrialStore,
} from './trial-store.js';
export {
  createCheckpointStore,
  sha256Hex,
  type CheckpointMeta,
  type CheckpointStore,
  type NewCheckpoint,
} from './checkpoint-store.js';
export {
  createResumeFallbackStore,
  type NewResumeFallback,
  type ResumeFallback,
  type ResumeFallbackProblem,
  type ResumeFallbackStore,
} from './resume-fallback-store.js';
export { createStores, type Stores } from './stores.js';
export { createWorkerStore, type Heartbeat, type Worker, type WorkerStore } from './worker-store.js';
export {
  DEFAULT_MIGRATIONS_DIR,
  MigrationError,
  ensureDatabase,
  listMigrations,
  migrate,
  migrationChecksum,
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
} from './migrate.js';
