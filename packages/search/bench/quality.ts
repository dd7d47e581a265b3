import type { FrozenTrial, Sampler } from '../src/index.js';
import { parseSearchSpace } from '../src/index.js';
import { REGRET_FLOOR, type Problem } from './problems.js';

export interface RunResult {
  readonly finalRegret: number;
  readonly meanLog10Regret: number;
}

/**
 * Sequential ask/tell: each suggestion sees every earlier trial finished and none running. Returns
 * the final best regret and the mean over trials of log10(best regret so far).
 */
export function runStudy(problem: Problem, sampler: Sampler): RunResult {
  const space = parseSearchSpace(problem.space);
  const history: FrozenTrial[] = [];
  let best = Infinity;
  let sumLog = 0;
  for (let t = 0; t < problem.trials; t++) {
    const params = sampler.suggest({ space, history, direction: 'minimize', trialNumber: t });
    const value = problem.evaluate(params);
    history.push({ number: t, state: 'COMPLETE', params, value, intermediate: {} });
    best = Math.min(best, value - problem.optimum);
    sumLog += Math.log10(Math.max(best, REGRET_FLOOR));
  }
  return { finalRegret: Math.max(best, 0), meanLog10Regret: sumLog / problem.trials };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}
