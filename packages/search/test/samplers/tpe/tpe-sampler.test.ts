import { describe, expect, it } from 'vitest';
import { parseSearchSpace, RandomSampler, samplerFromJSON, TpeSampler, type FrozenTrial, type Params, type SearchSpace } from '../../../src/index.js';

const line = parseSearchSpace({ x: { type: 'float', low: 0, high: 10 } });

function complete(number: number, params: Params, value: number): FrozenTrial {
  return { number, state: 'COMPLETE', params, value, intermediate: {} };
}

/** Sequential minimisation with `sampler`; returns the history. */
function optimise(sampler: { suggest: TpeSampler['suggest'] }, space: SearchSpace, f: (p: Params) => number, n: number): FrozenTrial[] {
  const history: FrozenTrial[] = [];
  for (let t = 0; t < n; t++) {
    const params = sampler.suggest({ space, history, direction: 'minimize', trialNumber: t });
    history.push(complete(t, params, f(params)));
  }
  return history;
}

const best = (h: FrozenTrial[]): number => Math.min(...h.map((t) => t.value!));

describe('TpeSampler', () => {
  it('samples at random until nStartupTrials trials are finished', () => {
    const history = Array.from({ length: 9 }, (_, i) => complete(i, { x: i }, i));
    history.push({ number: 9, state: 'RUNNING', params: { x: 1 }, value: null, intermediate: {} });
    const req = { space: line, history, direction: 'minimize' as const, trialNumber: 10 };
    expect(new TpeSampler({ seed: 3 }).suggest(req)).toEqual(new RandomSampler({ seed: 3 }).suggest(req));
    const finished = [...history.slice(0, 9), { ...history[0], number: 9, state: 'PRUNED' as const, intermediate: { 1: 4 } }];
    expect(new TpeSampler({ seed: 3 }).suggest({ ...req, history: finished })).not.toEqual(new RandomSampler({ seed: 3 }).suggest(req));
  });

  it('concentrates suggestions where the good trials are, for either direction', () => {
    const history = Array.from({ length: 60 }, (_, i) => {
      const x = (i * 7.3) % 10;
      return complete(i, { x }, (x - 8) ** 2);
    });
    const near = (direction: 'minimize' | 'maximize', values: FrozenTrial[]): number => {
      const xs = Array.from({ length: 40 }, (_, n) => new TpeSampler({ seed: 1 }).suggest({ space: line, history: values, direction, trialNumber: 100 + n }).x as number);
      return xs.filter((x) => Math.abs(x - 8) < 1).length / xs.length;
    };
    expect(near('minimize', history)).toBeGreaterThan(0.7);
    const flipped = history.map((t) => ({ ...t, value: -t.value! }));
    expect(near('maximize', flipped)).toBeGreaterThan(0.7);
    expect(near('maximize', history)).toBeLessThan(0.2);
  });

  it('beats random search on a quadratic bowl with a log and a categorical parameter', () => {
    const space = parseSearchSpace({
      lr: { type: 'float', low: 1e-5, high: 1, log: true },
      units: { type: 'int', low: 1, high: 64 },
      act: { type: 'categorical', choices: ['a', 'b', 'c', 'd'] },
    });
    const f = (p: Params) => (Math.log10(p.lr as number) + 3) ** 2 + ((p.units as number) - 40) ** 2 / 100 + (p.act === 'c' ? 0 : 1);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const seeds = [0, 1, 2, 3, 4, 5];
    const random = median(seeds.map((seed) => best(optimise(new RandomSampler({ seed }), space, f, 60))));
    for (const options of [{}, { multivariate: false }]) {
      const tpe = median(seeds.map((seed) => best(optimise(new TpeSampler({ seed, ...options }), space, f, 60))));
      expect(tpe).toBeLessThan(random / 2);
    }
  });

  it('learns which categorical choice is best', () => {
    const space = parseSearchSpace({ c: { type: 'categorical', choices: ['a', 'b', 'c', 'd', 'e'] } });
    const h = optimise(new TpeSampler({ seed: 4 }), space, (p) => (p.c === 'd' ? 0 : 1), 60);
    expect(h.slice(30).filter((t) => t.params.c === 'd').length).toBeGreaterThan(15);
  });

  it('ignores FAILED trials and the trial being suggested', () => {
    const history = Array.from({ length: 20 }, (_, i) => complete(i, { x: (i * 3.7) % 10 }, i % 7));
    const sampler = new TpeSampler({ seed: 2 });
    const base = sampler.suggest({ space: line, history, direction: 'minimize', trialNumber: 25 });
    const noisy = [
      ...history,
      { number: 21, state: 'FAILED' as const, params: { x: 1 }, value: null, intermediate: {} },
      { number: 25, state: 'RUNNING' as const, params: { x: 9.9 }, value: null, intermediate: {} },
    ];
    expect(sampler.suggest({ space: line, history: noisy, direction: 'minimize', trialNumber: 25 })).toEqual(base);
  });

  // Two equally good regions, near 2 and near 8; twelve trials already running near 2.
  const twoRegions: FrozenTrial[] = [
    complete(0, { x: 2 }, 0),
    complete(1, { x: 8 }, 0),
    complete(2, { x: 2.1 }, 0.01),
    complete(3, { x: 8.1 }, 0.01),
    ...Array.from({ length: 36 }, (_, i) => complete(4 + i, { x: (i * 2.7) % 10 }, 10)),
  ];
  const runningNear2: FrozenTrial[] = Array.from({ length: 12 }, (_, k) => ({ number: 40 + k, state: 'RUNNING', params: { x: 1.9 + k * 0.02 }, value: null, intermediate: {} }));
  const near8 = (constantLiar: boolean, history: FrozenTrial[]): number =>
    Array.from({ length: 40 }, (_, n) => new TpeSampler({ seed: 9, constantLiar }).suggest({ space: line, history, direction: 'minimize', trialNumber: 60 + n }).x as number).filter(
      (x) => Math.abs(x - 8) < 1,
    ).length;

  it('steers parallel suggestions away from the region running trials already cover (constant liar)', () => {
    const runningNear8 = runningNear2.map((t) => ({ ...t, params: { x: (t.params.x as number) + 6 } }));
    expect(near8(true, [...twoRegions, ...runningNear2])).toBeGreaterThan(near8(true, [...twoRegions, ...runningNear8]) + 10);
  });

  it('ignores running trials when constantLiar is off', () => {
    expect(near8(false, [...twoRegions, ...runningNear2])).toBe(near8(false, twoRegions));
  });

  it('learns from pruned trials: reaching a later step ranks a trial higher', () => {
    // Forty pruned trials spread over [0, 10); only those within 0.5 of `centre` reached step 5.
    const suggestions = (centre: number): number[] => {
      const history: FrozenTrial[] = Array.from({ length: 40 }, (_, k) => {
        const x = k / 4;
        const intermediate: Record<number, number> = Math.abs(x - centre) <= 0.5 ? { 1: 2, 5: 1 } : { 1: 0.5 };
        return { number: k, state: 'PRUNED', params: { x }, value: 1, intermediate };
      });
      return Array.from({ length: 30 }, (_, n) => new TpeSampler({ seed: 6, multivariate: false }).suggest({ space: line, history, direction: 'minimize', trialNumber: 40 + n }).x as number);
    };
    for (const centre of [3, 7]) expect(suggestions(centre).filter((x) => Math.abs(x - centre) < 1).length).toBeGreaterThan(20);
  });

  it('samples each branch of a conditional space from the trials that took it', () => {
    const space = parseSearchSpace({
      model: { type: 'categorical', choices: ['tree', 'net'] },
      depth: { type: 'int', low: 1, high: 20, when: { model: ['tree'] } },
      lr: { type: 'float', low: 1e-4, high: 1, log: true, when: { model: ['net'] } },
    });
    const f = (p: Params) => (p.model === 'tree' ? Math.abs((p.depth as number) - 15) / 5 : Math.abs(Math.log10(p.lr as number) + 2));
    for (const options of [{}, { group: false }, { multivariate: false }]) {
      const h = optimise(new TpeSampler({ seed: 1, ...options }), space, f, 80);
      const late = h.slice(40);
      const trees = late.filter((t) => t.params.model === 'tree');
      const nets = late.filter((t) => t.params.model === 'net');
      for (const t of trees) expect(Object.keys(t.params).sort()).toEqual(['depth', 'model']);
      for (const t of nets) expect(Object.keys(t.params).sort()).toEqual(['lr', 'model']);
      expect(best(h)).toBeLessThan(0.25);
    }
  });

  it('documents its defaults in toJSON and rebuilds from it', () => {
    expect(new TpeSampler().toJSON()).toEqual({
      type: 'tpe',
      seed: 0,
      nStartupTrials: 10,
      nEiCandidates: 24,
      gamma: { fraction: 0.1, max: 25 },
      priorWeight: 1,
      considerPrior: true,
      considerMagicClip: true,
      considerEndpoints: false,
      weights: { flat: 25 },
      multivariate: true,
      constantLiar: true,
      group: true,
    });
    const custom = new TpeSampler({ seed: 4, nStartupTrials: 3, gamma: { fraction: 0.2, max: 10 }, multivariate: false });
    expect(samplerFromJSON(custom.toJSON()).toJSON()).toEqual(custom.toJSON());
  });

  it('accepts gamma and weights functions but refuses to serialise them', () => {
    const s = new TpeSampler({ gamma: (n) => Math.ceil(n / 4), weights: (n) => new Array(n).fill(1) });
    const history = Array.from({ length: 12 }, (_, i) => complete(i, { x: i / 2 }, i));
    expect(s.suggest({ space: line, history, direction: 'minimize', trialNumber: 12 }).x).toBeTypeOf('number');
    expect(() => s.toJSON()).toThrow(/gamma/);
  });

  it.each([
    [{ nStartupTrials: -1 }, /nStartupTrials/],
    [{ nEiCandidates: 0 }, /nEiCandidates/],
    [{ priorWeight: 0 }, /priorWeight/],
    [{ multivariate: 'yes' }, /multivariate/],
    [{ gamma: { fraction: 2 } }, /gamma.fraction/],
    [{ gamma: 3 }, /gamma/],
    [{ weights: { flat: -1 } }, /weights.flat/],
    [{ seed: 2 ** 32 }, /seed/],
    [{ nStartup: 5 }, /unknown TPE option "nStartup"/],
  ])('rejects bad option %o naming the field', (options, message) => {
    expect(() => new TpeSampler(options as never)).toThrow(message);
    expect(() => samplerFromJSON({ type: 'tpe', ...options })).toThrow(message);
  });

  it('rejects an unknown sampler type', () => {
    expect(() => samplerFromJSON({ type: 'cmaes' })).toThrow(/sampler.type/);
    expect(() => samplerFromJSON({ type: 'random', seeds: 1 })).toThrow(/seeds/);
  });
});
