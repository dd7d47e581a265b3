export { ContractError, type ContractIssue } from './contract-error.js';
export { CONTRACT_ID_PATTERN, ContractId, assertContractId, isContractId } from './contract-id.js';
export { DEFAULT_NAMESPACE, QUEUES, TRIAL_RUN_JOB_NAME, assertNamespace, bullmqPrefix, type QueueName } from './queues.js';
export {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TTL_MS,
  TRIAL_CHECKPOINT_TTL_S,
  TRIAL_STOP_TTL_S,
  trialCheckpointKey,
  trialStopKey,
  workerHeartbeatKey,
} from './redis-keys.js';
export { parseRedisUrl, type RedisTarget } from './redis-url.js';
export {
  CIFAR10_TEST_IMAGES,
  CIFAR10_TRAIN_IMAGES,
  CnnObjective,
  FUNCTION_OBJECTIVE_NAMES,
  FunctionObjective,
  ParamValue,
  TRIAL_RUN_VERSION,
  TrialObjective,
  TrialRunJob,
  parseTrialRunJob,
  type FunctionObjectiveName,
} from './trial-run.js';
export {
  CheckpointRef,
  EpochMetrics,
  FinalMetrics,
  TRAINING_BACKENDS,
  TRIAL_EVENT_TYPES,
  TRIAL_EVENT_VERSION,
  TRIAL_OUTCOMES,
  TrialEpochEvent,
  TrialEventMessage,
  TrialFailure,
  TrialFinishedEvent,
  TrialStartedEvent,
  WorkerHeartbeatEvent,
  parseTrialEpochEvent,
  parseTrialEventMessage,
  parseTrialFinishedEvent,
  parseTrialStartedEvent,
  parseWorkerHeartbeatEvent,
  type TrainingBackend,
  type TrialEventType,
  type TrialOutcome,
} from './trial-events.js';
export {
  trialEpochJobId,
  trialEventJobId,
  trialFinishedJobId,
  trialRunJobId,
  trialStartedJobId,
  workerHeartbeatJobId,
} from './job-ids.js';
