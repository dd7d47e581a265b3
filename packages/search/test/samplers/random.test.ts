import { describe, expect, it } from 'vitest';
import { parseSearchSpace, RandomSampler } from '../../src/index.js';
import { describeSampler } from './conformance.js';

describeSampler('RandomSampler', (seed) => new RandomSampler({ seed }));

describe('RandomSampler', () => {
  const space = parseSearchSpace({ c: { type: 'categorical', choices: ['a', 'b', 'c'] }, w: { type: 'int', low: 1, high: 1000, log: true } });
  const draws = Array.from({ length: 3000 }, (_, n) => new RandomSampler({ seed: 5 }).suggest({ space, history: [], direction: 'minimize', trialNumber: n }));

  it('draws categorical choices about equally often', () => {
    for (const choice of ['a', 'b', 'c']) {
      const share = draws.filter((d) => d.c === choice).length / draws.length;
      expect(share).toBeGreaterThan(0.28);
      expect(share).toBeLessThan(0.39);
    }
  });

  it('draws a log int uniformly in log space: as many values below 32 as above', () => {
    const below = draws.filter((d) => (d.w as number) < 32).length / draws.length;
    expect(below).toBeGreaterThan(0.44);
    expect(below).toBeLessThan(0.56);
  });

  it('ignores the history: the stream depends on seed and trial number only', () => {
    const sampler = new RandomSampler({ seed: 5 });
    const history = [{ number: 0, state: 'COMPLETE' as const, params: draws[0], value: 1, intermediate: {} }];
    expect(sampler.suggest({ space, history, direction: 'maximize', trialNumber: 3 })).toEqual(draws[3]);
  });

  it('defaults the seed to 0 and rejects a bad seed naming the field', () => {
    expect(new RandomSampler().toJSON()).toEqual({ type: 'random', seed: 0 });
    expect(() => new RandomSampler({ seed: -1 })).toThrow(/seed/);
    expect(() => new RandomSampler({ seed: 1.5 })).toThrow(/seed/);
  });
});
