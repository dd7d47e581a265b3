import { describe, expect, it } from 'vitest';
import { Study, TpeSampler, SuccessiveHalvingPruner, prunerFromJSON, promotionAsha, transition, allowedFrom } from '../../src/index.js';

describe('package index', () => {
  it('exposes the Study API as documented', () => {
    const study = new Study({
      space: { x: { type: 'float', low: 0, high: 1 } },
      direction: 'minimize',
      sampler: new TpeSampler({ seed: 7 }),
      pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 0 }),
    });
    const { number, params } = study.ask();
    study.report(number, 1, (params.x as number) ** 2);
    expect(study.shouldPrune(number)).toBe(false);
    expect(study.tell(number, 0.42).state).toBe('COMPLETE');
    expect(study.bestTrial?.value).toBe(0.42);
    expect(prunerFromJSON(study.pruner.toJSON()).toJSON()).toEqual(study.pruner.toJSON());
    expect(promotionAsha.getJob({ history: study.trials, direction: 'minimize', config: { minResource: 1, maxResource: 9, reductionFactor: 3 } })).toEqual({
      kind: 'new',
      trainUntilEpoch: 1,
    });
    expect(transition('PAUSED', 'promoted')).toBe('RUNNING');
    expect(allowedFrom('promoted')).toEqual(['PAUSED']);
  });
});
