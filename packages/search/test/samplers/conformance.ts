import { describe, expect, it } from 'vitest';
import {
  parseSearchSpace,
  samplerFromJSON,
  validateParams,
  type FrozenTrial,
  type Params,
  type Sampler,
  type SearchSpace,
} from '../../src/index.js';

/** Every kind of parameter the space JSON allows, with a two-level condition. */
export const CONFORMANCE_SPACE: SearchSpace = parseSearchSpace({
  learning_rate: { type: 'float', low: 1e-5, high: 0.1, log: true },
  dropout: { type: 'float', low: 0.0, high: 0.5, step: 0.05 },
  whole_float: { type: 'float', low: 0, high: 5, step: 1 },
  plain: { type: 'float', low: -2, high: 3 },
  batch_size: { type: 'int', low: 25, high: 500, step: 25 },
  starting_channels: { type: 'int', low: 16, high: 64 },
  width: { type: 'int', low: 8, high: 1024, log: true },
  activation: { type: 'categorical', choices: ['relu', 'gelu', 'elu'] },
  flag: { type: 'categorical', choices: [true, false, 1] },
  optimizer: { type: 'categorical', choices: ['sgd', 'adam'] },
  momentum: { type: 'float', low: 0.5, high: 0.99, when: { optimizer: ['sgd'] } },
  nesterov: { type: 'categorical', choices: ['yes', 'no'], when: { optimizer: ['sgd'] } },
  nesterov_gain: { type: 'int', low: 1, high: 4, when: { nesterov: ['yes'] } },
  fixed: { type: 'int', low: 7, high: 7 },
});

function objective(p: Params): number {
  return Math.log10(p.learning_rate as number) ** 2 + (p.dropout as number) + (p.optimizer === 'sgd' ? (p.momentum as number) : 0.7);
}

/** A finished history built with the sampler under test, so TPE runs past its startup phase. */
function grow(sampler: Sampler, space: SearchSpace, n: number): FrozenTrial[] {
  const history: FrozenTrial[] = [];
  for (let t = 0; t < n; t++) {
    const params = sampler.suggest({ space, history, direction: 'minimize', trialNumber: t });
    history.push({ number: t, state: 'COMPLETE', params, value: objective(params), intermediate: {} });
  }
  return history;
}

/**
 * Checks every sampler must pass: samples lie inside bounds and on grids, categorical values are
 * choices, conditional params appear exactly when active, suggestions are reproducible and depend on
 * the trial number, the sampler survives a JSON round trip, and odd histories do not break it.
 * `make` builds the sampler from a seed; `label` names the describe block.
 */
export function describeSampler(label: string, make: (seed: number) => Sampler): void {
  describe(`${label} (sampler conformance)`, () => {
    const sampler = make(11);
    const history = grow(sampler, CONFORMANCE_SPACE, 40);
    const samples = [...history.map((t) => t.params), ...Array.from({ length: 20 }, (_, i) => sampler.suggest({ space: CONFORMANCE_SPACE, history, direction: 'minimize', trialNumber: 40 + i }))];

    it('keeps every value in bounds, on its grid and among its choices', () => {
      for (const p of samples) expect(() => validateParams(CONFORMANCE_SPACE, p)).not.toThrow();
    });

    it('samples a float with step 1 only at whole numbers (the step is honoured)', () => {
      const seen = new Set(samples.map((p) => p.whole_float));
      for (const v of seen) expect([0, 1, 2, 3, 4, 5]).toContain(v);
      expect(seen.size).toBeGreaterThan(2);
    });

    it('samples float and int grids at low + k·step', () => {
      for (const p of samples) {
        expect(Number.isInteger(Math.round(((p.dropout as number) - 0) / 0.05 * 1e9) / 1e9)).toBe(true);
        expect(((p.batch_size as number) - 25) % 25).toBe(0);
        expect(Number.isInteger(p.starting_channels)).toBe(true);
        expect(Number.isInteger(p.width)).toBe(true);
      }
    });

    it('covers log ranges on both sides of their geometric middle', () => {
      const lrs = samples.map((p) => p.learning_rate as number);
      expect(lrs.every((v) => v >= 1e-5 && v <= 0.1)).toBe(true);
      expect(lrs.some((v) => v < 1e-3)).toBe(true);
    });

    it('includes a conditional parameter exactly when its condition holds', () => {
      for (const p of samples) {
        expect('momentum' in p).toBe(p.optimizer === 'sgd');
        expect('nesterov' in p).toBe(p.optimizer === 'sgd');
        expect('nesterov_gain' in p).toBe(p.optimizer === 'sgd' && p.nesterov === 'yes');
      }
      expect(samples.some((p) => p.optimizer === 'sgd')).toBe(true);
      expect(samples.some((p) => p.optimizer === 'adam')).toBe(true);
    });

    it('sets a single-valued parameter to its only value', () => {
      for (const p of samples) expect(p.fixed).toBe(7);
    });

    it('returns the same params for the same seed, history and trial number', () => {
      const again = make(11);
      for (const n of [40, 41, 55]) {
        const req = { space: CONFORMANCE_SPACE, history, direction: 'minimize' as const, trialNumber: n };
        expect(again.suggest(req)).toEqual(sampler.suggest(req));
      }
    });

    it('draws a different stream for a different trial number or seed', () => {
      const req = { space: CONFORMANCE_SPACE, history, direction: 'minimize' as const, trialNumber: 40 };
      const base = sampler.suggest(req);
      expect(sampler.suggest({ ...req, trialNumber: 41 })).not.toEqual(base);
      expect(make(12).suggest(req)).not.toEqual(base);
    });

    it('round-trips through toJSON and samplerFromJSON', () => {
      const json = JSON.parse(JSON.stringify(sampler.toJSON()));
      const rebuilt = samplerFromJSON(json);
      expect(rebuilt.toJSON()).toEqual(sampler.toJSON());
      const req = { space: CONFORMANCE_SPACE, history, direction: 'minimize' as const, trialNumber: 47 };
      expect(rebuilt.suggest(req)).toEqual(sampler.suggest(req));
    });

    it('tolerates FAILED, PRUNED, RUNNING and WAITING trials and params of another space', () => {
      const odd: FrozenTrial[] = [
        ...history,
        { number: 40, state: 'FAILED', params: history[0].params, value: null, intermediate: {} },
        { number: 41, state: 'PRUNED', params: history[1].params, value: 3, intermediate: { 0: 5, 1: 3 } },
        { number: 42, state: 'PRUNED', params: history[2].params, value: null, intermediate: {} },
        { number: 43, state: 'PRUNED', params: history[3].params, value: NaN, intermediate: { 2: NaN } },
        { number: 44, state: 'RUNNING', params: history[4].params, value: null, intermediate: {} },
        { number: 45, state: 'WAITING', params: {}, value: null, intermediate: {} },
        { number: 46, state: 'COMPLETE', params: { learning_rate: 5, dropout: 0.33, activation: 'tanh', other: 1 }, value: 0.1, intermediate: {} },
        { number: 47, state: 'COMPLETE', params: { old_param: 'x' }, value: -1, intermediate: {} },
        { number: 48, state: 'COMPLETE', params: history[5].params, value: NaN, intermediate: {} },
      ];
      for (const direction of ['minimize', 'maximize'] as const) {
        for (const n of [49, 50]) {
          const p = sampler.suggest({ space: CONFORMANCE_SPACE, history: odd, direction, trialNumber: n });
          expect(() => validateParams(CONFORMANCE_SPACE, p)).not.toThrow();
        }
      }
    });

    it('samples a space it has never seen from a history of another space', () => {
      const other = parseSearchSpace({ a: { type: 'int', low: 0, high: 3 }, b: { type: 'categorical', choices: ['x', 'y'] } });
      const p = sampler.suggest({ space: other, history, direction: 'minimize', trialNumber: 60 });
      expect(() => validateParams(other, p)).not.toThrow();
    });
  });
}
