import { describe, expect, it } from 'vitest';
import { Study, type StudyJSON } from '../../src/study/study.js';
import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';
import { HyperbandPruner } from '../../src/pruners/hyperband.js';
import { TpeSampler } from '../../src/samplers/tpe/tpe-sampler.js';
import { RandomSampler } from '../../src/samplers/random.js';
import { parseSearchSpace } from '../../src/space/parse-search-space.js';
import { IllegalTransitionError, SearchSpaceError } from '../../src/errors.js';
import type { Params } from '../../src/space/types.js';

const SPACE = {
  lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  layers: { type: 'int', low: 1, high: 4 },
  act: { type: 'categorical', choices: ['relu', 'gelu'] },
};

/** A deterministic learning curve: the loss decays toward a floor set by the params. */
function lossAt(params: Params, epoch: number): number {
  const lr = params.lr as number;
  const floor = 0.3 + Math.abs(Math.log10(lr) + 2.5) * 0.2 + (params.act === 'gelu' ? 0 : 0.05) + 0.03 * (params.layers as number);
  return floor + 1.5 / (1 + epoch);
}

/** Runs `n` trials of up to 9 epochs, pruning when told. */
function runTrials(study: Study, n: number): void {
  for (let i = 0; i < n; i++) {
    const { number, params } = study.ask();
    let pruned = false;
    for (let epoch = 1; epoch <= 9 && !pruned; epoch++) {
      study.report(number, epoch, lossAt(params, epoch));
      if (study.shouldPrune(number)) {
        study.tell(number, { state: 'pruned' });
        pruned = true;
      }
    }
    if (!pruned) study.tell(number, lossAt(params, 9));
  }
}

const makeStudy = () =>
  new Study({
    space: SPACE,
    direction: 'minimize',
    sampler: new TpeSampler({ seed: 7 }),
    pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 0 }),
    seed: 3,
  });

describe('Study', () => {
  it('asks, reports, prunes and tells through the lifecycle table', () => {
    const study = makeStudy();
    runTrials(study, 12);
    const states = study.trials.map((t) => t.state);
    expect(states.filter((s) => s === 'PRUNED').length).toBeGreaterThan(0);
    expect(states.filter((s) => s === 'COMPLETE').length).toBeGreaterThan(0);
    expect(states.every((s) => s === 'PRUNED' || s === 'COMPLETE')).toBe(true);
    for (const t of study.trials) {
      if (t.state === 'PRUNED') {
        const steps = Object.keys(t.intermediate).map(Number);
        expect(t.value).toBe(t.intermediate[Math.max(...steps)]);
        expect(t.prunedAtRung).not.toBeNull();
      }
    }
    const best = study.bestTrial!;
    expect(best.state).toBe('COMPLETE');
    expect(Math.min(...study.trials.filter((t) => t.state === 'COMPLETE').map((t) => t.value!))).toBe(best.value);
  });

  it('continues identically after a JSON round trip at trial 15 of 30', () => {
    const a = makeStudy();
    runTrials(a, 15);
    const b = Study.fromJSON(JSON.parse(JSON.stringify(a.toJSON())) as StudyJSON);
    expect(b.toJSON()).toEqual(a.toJSON());
    runTrials(a, 15);
    runTrials(b, 15);
    expect(b.trials).toHaveLength(30);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(a.trials.filter((t) => t.state === 'PRUNED').length).toBeGreaterThan(3);
  });

  it('round-trips Hyperband and random sampling too, NaN reports included', () => {
    const a = new Study({
      space: parseSearchSpace(SPACE),
      direction: 'maximize',
      sampler: new RandomSampler({ seed: 1 }),
      pruner: new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 }),
      seed: 9,
    });
    const { number } = a.ask();
    a.report(number, 1, NaN);
    const b = Study.fromJSON(JSON.parse(JSON.stringify(a.toJSON())) as StudyJSON);
    expect(b.trials[0].intermediate[1]).toBeNaN();
    expect(b.shouldPrune(number)).toBe(a.shouldPrune(number));
  });

  it('keeps the first report of a step and answers a repeated question the same', () => {
    const study = makeStudy();
    const { number } = study.ask();
    expect(study.report(number, 1, 0.5)).toBe(true);
    expect(study.report(number, 1, 0.1)).toBe(false);
    expect(study.trials[number].intermediate[1]).toBe(0.5);
    const first = study.shouldPrune(number);
    expect(study.shouldPrune(number)).toBe(first);
  });

  it('fails a trial told NaN, ignores late tells and rejects illegal ones', () => {
    const study = makeStudy();
    const { number } = study.ask();
    expect(study.tell(number, NaN).state).toBe('FAILED');
    expect(study.tell(number, 0.3)).toMatchObject({ state: 'FAILED', value: null });
    expect(study.report(number, 1, 0.3)).toBe(false);
    const queued = study.enqueueTrial({ lr: 0.01, layers: 2, act: 'relu' });
    expect(study.trials[queued].state).toBe('WAITING');
    expect(() => study.tell(queued, { state: 'pruned' })).toThrow(IllegalTransitionError);
    expect(() => study.tell(queued, 0.2)).toThrow(IllegalTransitionError);
  });

  it('starts enqueued trials first, with their params', () => {
    const study = makeStudy();
    const params = { lr: 0.01, layers: 2, act: 'relu' };
    const queued = study.enqueueTrial(params);
    expect(study.ask()).toEqual({ number: queued, params });
    expect(study.trials[queued].state).toBe('RUNNING');
    expect(study.ask().number).toBe(1);
    expect(() => study.enqueueTrial({ lr: 5, layers: 2, act: 'relu' })).toThrow(SearchSpaceError);
  });

  it('gives its sampler the whole history, RUNNING trials included', () => {
    const seen: number[][] = [];
    const study = new Study({
      space: SPACE,
      direction: 'minimize',
      sampler: {
        name: 'spy',
        suggest: ({ history }) => {
          seen.push(history.filter((t) => t.state === 'RUNNING').map((t) => t.number));
          return { lr: 0.01, layers: 1, act: 'relu' };
        },
        toJSON: () => ({ type: 'spy' }),
      },
    });
    study.ask();
    study.ask();
    expect(seen).toEqual([[], [0]]);
  });

  it('rejects bad input naming the field', () => {
    expect(() => new Study({ space: SPACE, direction: 'down' as never })).toThrow(/direction must be 'minimize' or 'maximize', got "down"/);
    expect(() => new Study({ space: { lr: { type: 'float', low: 1, high: 0 } }, direction: 'minimize' })).toThrow(SearchSpaceError);
    expect(() => new Study({ space: SPACE, direction: 'minimize', seed: -1 })).toThrow(/seed must be a non-negative integer/);
    const study = makeStudy();
    expect(() => study.report(0, 1, 0.1)).toThrow(/number must be the number of a trial of this study, got 0/);
    const { number } = study.ask();
    expect(() => study.report(number, -1, 0.1)).toThrow(/step must be a non-negative integer, got -1/);
    expect(() => study.report(number, 1, '0.1' as never)).toThrow(/value must be a number/);
    expect(() => study.tell(number, { state: 'done' } as never)).toThrow(/result must be a number/);
    expect(() => Study.fromJSON({ version: 2 } as never)).toThrow(/study.version must be 1, got 2/);
  });
});
