import { performance } from 'node:perf_hooks';
import { parseSearchSpace, RandomSampler, TpeSampler, type FrozenTrial, type Params } from '../src/index.js';
import { median } from './quality.js';

/** The 6-parameter mixed space of the latency goal (the README's example space, unconditional). */
export const SPEED_SPACE = parseSearchSpace({
  learning_rate: { type: 'float', low: 1e-5, high: 0.1, log: true },
  dropout: { type: 'float', low: 0.0, high: 0.5, step: 0.05 },
  batch_size: { type: 'int', low: 25, high: 500, step: 25 },
  starting_channels: { type: 'int', low: 16, high: 64 },
  width: { type: 'int', low: 8, high: 1024, log: true },
  activation: { type: 'categorical', choices: ['relu', 'gelu', 'elu'] },
});

function objective(p: Params): number {
  const act = { relu: 0, gelu: 0.1, elu: 0.3 }[p.activation as string] ?? 0;
  return (
    (Math.log10(p.learning_rate as number) + 3) ** 2 +
    ((p.dropout as number) - 0.2) ** 2 +
    (((p.batch_size as number) - 125) / 250) ** 2 +
    (((p.starting_channels as number) - 32) / 32) ** 2 +
    (Math.log2(p.width as number) - 7) ** 2 / 9 +
    act
  );
}

/** A history of `n` finished trials with random params. */
export function finishedHistory(n: number): FrozenTrial[] {
  const random = new RandomSampler({ seed: 7 });
  return Array.from({ length: n }, (_, i) => {
    const params = random.suggest({ space: SPEED_SPACE, history: [], direction: 'minimize', trialNumber: i });
    return { number: i, state: 'COMPLETE', params, value: objective(params), intermediate: {} };
  });
}

/**
 * Median latency of `suggest` in milliseconds over `repeats` calls (after warm-up), as wall time
 * and as this process's CPU time; on a shared machine the CPU time is the steadier of the two.
 */
export function suggestLatencyMs(sampler: TpeSampler, history: readonly FrozenTrial[], repeats: number): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = -5; r < repeats; r++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    sampler.suggest({ space: SPEED_SPACE, history, direction: 'minimize', trialNumber: history.length + r + 5 });
    const used = process.cpuUsage(startCpu);
    if (r >= 0) {
      wall.push(performance.now() - start);
      cpu.push((used.user + used.system) / 1000);
    }
  }
  return { wall: median(wall), cpu: median(cpu) };
}
