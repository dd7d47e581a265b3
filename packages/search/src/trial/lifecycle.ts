// The trial state machine. (Transitions table to be completed with the pruners work.)
export const TRIAL_STATES = ['WAITING', 'RUNNING', 'PAUSED', 'COMPLETE', 'PRUNED', 'FAILED'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
