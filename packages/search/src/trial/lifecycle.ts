import { IllegalTransitionError } from '../errors.js';

/**
 * The trial state machine of the whole product: the scheduler, the database store and the study
 * all apply events through this one table (STYLE §2.5).
 *
 * PAUSED is promotion-based ASHA's waiting room (Li et al., MLSys 2020, Algorithm 2): the trial
 * reached a rung, its checkpoint is saved, it holds no worker, and `promoted` resumes it on any
 * worker.
 */
export const TRIAL_STATES = ['WAITING', 'RUNNING', 'PAUSED', 'COMPLETE', 'PRUNED', 'FAILED'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

export const TRIAL_EVENTS = [
  'started',
  'epochReported',
  'paused',
  'promoted',
  'pruned',
  'completed',
  'failed',
  'stopped',
] as const;
export type TrialEvent = (typeof TRIAL_EVENTS)[number];

/** `ignore`: a late or duplicate event, harmless. `illegal`: a bug somewhere, reported loudly. */
export type TransitionOutcome = TrialState | 'ignore' | 'illegal';

/**
 * Every (state, event) pair has an answer; races are rows here, not ifs elsewhere.
 *
 * - The decision that came first wins: a `completed` after a prune, or any event after a terminal
 *   state, is `ignore`.
 * - A redelivered job sends `started` again: `ignore` while RUNNING or PAUSED.
 * - The scheduler sets a trial's stop key only after moving it to PRUNED or FAILED, so `stopped` is
 *   the expected acknowledgement in those rows and `illegal` everywhere else (nobody asked).
 * - States only move forward, except PAUSED → RUNNING through `promoted`. A retried failure is a
 *   new trial (Optuna's RetryFailedTrialCallback, storages/_callbacks.py).
 * - A PAUSED trial can be pruned or failed (the study was stopped while it waited) and can complete
 *   (it paused at the last rung); whether the last rung was reached is the caller's check.
 * - `epochReported` on RUNNING maps to RUNNING: the event applies (the value is stored) without a
 *   change of state.
 */
export const TRIAL_TRANSITIONS = {
  WAITING: {
    started: 'RUNNING',
    epochReported: 'RUNNING',
    paused: 'illegal',
    promoted: 'illegal',
    pruned: 'illegal',
    completed: 'illegal',
    failed: 'FAILED',
    stopped: 'illegal',
  },
  RUNNING: {
    started: 'ignore',
    epochReported: 'RUNNING',
    paused: 'PAUSED',
    promoted: 'ignore',
    pruned: 'PRUNED',
    completed: 'COMPLETE',
    failed: 'FAILED',
    stopped: 'illegal',
  },
  PAUSED: {
    started: 'ignore',
    epochReported: 'ignore',
    paused: 'ignore',
    promoted: 'RUNNING',
    pruned: 'PRUNED',
    completed: 'COMPLETE',
    failed: 'FAILED',
    stopped: 'illegal',
  },
  COMPLETE: {
    started: 'ignore',
    epochReported: 'ignore',
    paused: 'ignore',
    promoted: 'ignore',
    pruned: 'ignore',
    completed: 'ignore',
    failed: 'ignore',
    stopped: 'illegal',
  },
  PRUNED: {
    started: 'ignore',
    epochReported: 'ignore',
    paused: 'ignore',
    promoted: 'ignore',
    pruned: 'ignore',
    completed: 'ignore',
    failed: 'ignore',
    stopped: 'ignore',
  },
  FAILED: {
    started: 'ignore',
    epochReported: 'ignore',
    paused: 'ignore',
    promoted: 'ignore',
    pruned: 'ignore',
    completed: 'ignore',
    failed: 'ignore',
    stopped: 'ignore',
  },
} as const satisfies Record<TrialState, Record<TrialEvent, TransitionOutcome>>;

function isState(outcome: TransitionOutcome): outcome is TrialState {
  return outcome !== 'ignore' && outcome !== 'illegal';
}

/**
 * Applies `event` to a trial in `state`: the next state, or `'ignore'` when the event changes
 * nothing. Throws IllegalTransitionError for an `illegal` cell.
 */
export function transition(state: TrialState, event: TrialEvent): TrialState | 'ignore' {
  const row: Record<TrialEvent, TransitionOutcome> | undefined = TRIAL_TRANSITIONS[state];
  if (row === undefined) throw new IllegalTransitionError(String(state), String(event));
  const outcome: TransitionOutcome | undefined = row[event];
  if (outcome === undefined || outcome === 'illegal') throw new IllegalTransitionError(state, String(event));
  return outcome;
}

/**
 * The states in which `event` applies (its cell names a state, self-loops included). A store runs
 * one conditional update `WHERE state IN allowedFrom(event)`; when no row matches it reads the row
 * again to tell `ignore` from `illegal`.
 */
export function allowedFrom(event: TrialEvent): TrialState[] {
  return TRIAL_STATES.filter((s) => isState(TRIAL_TRANSITIONS[s][event]));
}

/** Finished: no event moves the trial any more (COMPLETE, PRUNED, FAILED), read off the table. */
export function isFinished(state: TrialState): boolean {
  return TRIAL_EVENTS.every((e) => !isState(TRIAL_TRANSITIONS[state][e]));
}

/**
 * Open: some event can still move the trial (WAITING, RUNNING, PAUSED). These are the trials
 * that stopping a study fails, and the ones a sampler sees as pending (constant liar).
 */
export function isOpen(state: TrialState): boolean {
  return !isFinished(state);
}
