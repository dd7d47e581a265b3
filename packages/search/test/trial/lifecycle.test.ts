import { describe, expect, it } from 'vitest';
import {
  TRIAL_EVENTS,
  TRIAL_STATES,
  TRIAL_TRANSITIONS,
  allowedFrom,
  isOpen,
  isFinished,
  transition,
  type TrialEvent,
  type TrialState,
} from '../../src/trial/lifecycle.js';
import { IllegalTransitionError } from '../../src/errors.js';

/** The specification, written out cell by cell independently of the table under test. */
const EXPECTED: Record<TrialState, Record<TrialEvent, string>> = {
  WAITING: { started: 'RUNNING', epochReported: 'RUNNING', paused: 'illegal', promoted: 'illegal', pruned: 'illegal', completed: 'illegal', failed: 'FAILED', stopped: 'illegal' },
  RUNNING: { started: 'ignore', epochReported: 'RUNNING', paused: 'PAUSED', promoted: 'ignore', pruned: 'PRUNED', completed: 'COMPLETE', failed: 'FAILED', stopped: 'illegal' },
  PAUSED: { started: 'ignore', epochReported: 'ignore', paused: 'ignore', promoted: 'RUNNING', pruned: 'PRUNED', completed: 'COMPLETE', failed: 'FAILED', stopped: 'illegal' },
  COMPLETE: { started: 'ignore', epochReported: 'ignore', paused: 'ignore', promoted: 'ignore', pruned: 'ignore', completed: 'ignore', failed: 'ignore', stopped: 'illegal' },
  PRUNED: { started: 'ignore', epochReported: 'ignore', paused: 'ignore', promoted: 'ignore', pruned: 'ignore', completed: 'ignore', failed: 'ignore', stopped: 'ignore' },
  FAILED: { started: 'ignore', epochReported: 'ignore', paused: 'ignore', promoted: 'ignore', pruned: 'ignore', completed: 'ignore', failed: 'ignore', stopped: 'ignore' },
};

const RANK: Record<TrialState, number> = { WAITING: 0, RUNNING: 1, PAUSED: 1, COMPLETE: 2, PRUNED: 2, FAILED: 2 };

describe('trial lifecycle', () => {
  const cells = TRIAL_STATES.flatMap((s) => TRIAL_EVENTS.map((e) => [s, e] as const));

  it('has 48 cells', () => {
    expect(cells).toHaveLength(TRIAL_STATES.length * TRIAL_EVENTS.length);
    expect(cells).toHaveLength(48);
  });

  it.each(cells)('%s + %s follows the specification', (state, event) => {
    const expected = EXPECTED[state][event];
    expect(TRIAL_TRANSITIONS[state][event]).toBe(expected);
    if (expected === 'illegal') {
      expect(() => transition(state, event)).toThrow(IllegalTransitionError);
      try {
        transition(state, event);
      } catch (err) {
        expect((err as IllegalTransitionError).code).toBe('ILLEGAL_TRANSITION');
        expect((err as IllegalTransitionError).from).toBe(state);
        expect((err as IllegalTransitionError).event).toBe(event);
      }
    } else {
      expect(transition(state, event)).toBe(expected);
    }
  });

  it('only moves forward, except PAUSED -> RUNNING on promoted', () => {
    for (const [state, event] of cells) {
      const next = TRIAL_TRANSITIONS[state][event];
      if (next === 'ignore' || next === 'illegal') continue;
      if (state === 'PAUSED' && event === 'promoted') {
        expect(next).toBe('RUNNING');
        continue;
      }
      expect(RANK[next as TrialState]).toBeGreaterThanOrEqual(RANK[state]);
    }
  });

  it('ignores a late completion after a prune and acknowledges stopped only after prune or failure', () => {
    expect(transition('PRUNED', 'completed')).toBe('ignore');
    expect(transition('PRUNED', 'stopped')).toBe('ignore');
    expect(transition('FAILED', 'stopped')).toBe('ignore');
    expect(() => transition('RUNNING', 'stopped')).toThrow(/RUNNING cannot take event stopped/);
  });

  it('derives allowedFrom from the table', () => {
    expect(allowedFrom('started')).toEqual(['WAITING']);
    expect(allowedFrom('epochReported')).toEqual(['WAITING', 'RUNNING']);
    expect(allowedFrom('paused')).toEqual(['RUNNING']);
    expect(allowedFrom('promoted')).toEqual(['PAUSED']);
    expect(allowedFrom('pruned')).toEqual(['RUNNING', 'PAUSED']);
    expect(allowedFrom('completed')).toEqual(['RUNNING', 'PAUSED']);
    expect(allowedFrom('failed')).toEqual(['WAITING', 'RUNNING', 'PAUSED']);
    expect(allowedFrom('stopped')).toEqual([]);
  });

  it('derives isFinished and isOpen from the table', () => {
    expect(TRIAL_STATES.filter(isFinished)).toEqual(['COMPLETE', 'PRUNED', 'FAILED']);
    expect(TRIAL_STATES.filter(isOpen)).toEqual(['WAITING', 'RUNNING', 'PAUSED']);
  });

  it('rejects an unknown state or event with an IllegalTransitionError', () => {
    expect(() => transition('DONE' as TrialState, 'started')).toThrow(IllegalTransitionError);
    expect(() => transition('RUNNING', 'resumed' as TrialEvent)).toThrow(IllegalTransitionError);
  });
});
