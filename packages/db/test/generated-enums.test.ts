import { TRIAL_EVENTS, TRIAL_STATES, TRIAL_TRANSITIONS, allowedFrom } from '@tunefleet/search';
import { describe, expect, it } from 'vitest';
import { StudyDirection, StudyStatus, TrialState } from '../src/generated/enums.js';
import { STUDY_STATUSES, eventTarget } from '../src/index.js';

describe('the generated Prisma enums', () => {
  it('TrialState lists exactly TRIAL_STATES of @tunefleet/search, in order', () => {
    expect(Object.values(TrialState)).toEqual([...TRIAL_STATES]);
  });

  it('StudyStatus lists exactly STUDY_STATUSES', () => {
    expect(Object.values(StudyStatus)).toEqual([...STUDY_STATUSES]);
  });

  it('StudyDirection is spelled as the search package Direction', () => {
    expect(Object.values(StudyDirection)).toEqual(['minimize', 'maximize']);
  });
});

describe('eventTarget', () => {
  it.each(TRIAL_EVENTS)('gives %s the one state every allowing state moves to', (event) => {
    const targets = new Set(allowedFrom(event).map((s) => TRIAL_TRANSITIONS[s][event]));
    expect(targets.size).toBeLessThanOrEqual(1);
    expect(eventTarget(event)).toBe([...targets][0] ?? null);
  });

  it('has no target for stopped, which only ever acknowledges', () => {
    expect(eventTarget('stopped')).toBeNull();
  });
});
