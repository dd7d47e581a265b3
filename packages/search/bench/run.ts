/**
 * `pnpm bench:search [-- --quick] [-- --seeds=N] [-- --only=quality|speed]`: sampler quality on
 * synthetic problems (TPE univariate and multivariate against random) and TPE suggest latency against
 * history size. Prints tables; compare with `/usr/bin/python3 packages/search/bench/optuna_reference.py`
 * (same seeds option). Medians over 20 seeds move by ±0.2 between seed sets on Branin, so each cell
 * also gives the mean and its standard error: compare samplers on those, over 40 seeds or more.
 */
import { RandomSampler, TpeSampler, type Sampler } from '../src/index.js';
import { PROBLEMS } from './problems.js';
import { median, runStudy } from './quality.js';
import { finishedHistory, suggestLatencyMs } from './speed.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const seedsArg = args.find((a) => a.startsWith('--seeds='))?.slice('--seeds='.length);
const seeds = seedsArg === undefined ? (quick ? 5 : 20) : Number(seedsArg);
if (!Number.isInteger(seeds) || seeds < 2) throw new TypeError(`--seeds must be an integer of at least 2, got ${seedsArg}`);
const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

const SAMPLERS: { label: string; make: (seed: number) => Sampler }[] = [
  { label: 'TPE univariate', make: (seed) => new TpeSampler({ seed, multivariate: false }) },
  { label: 'TPE multivariate', make: (seed) => new TpeSampler({ seed }) },
  { label: 'random', make: (seed) => new RandomSampler({ seed }) },
];

function fmt(x: number, digits = 2): string {
  if (x === 0) return '0';
  return Math.abs(x) >= 1e-2 && Math.abs(x) < 1e4 ? x.toFixed(digits) : x.toExponential(1);
}

/** Mean and standard error of the mean. */
function meanSe(xs: readonly number[]): [number, number] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return [mean, Math.sqrt(variance / xs.length)];
}

function quality(): void {
  out(`## Quality: median over ${seeds} seeds of mean log10 regret over the run [median final regret] (mean ± standard error)`);
  out(`| problem (trials) | ${SAMPLERS.map((s) => s.label).join(' | ')} |`);
  out(`|---|${SAMPLERS.map(() => '---').join('|')}|`);
  for (const problem of PROBLEMS) {
    const cells = SAMPLERS.map(({ make }) => {
      const runs = Array.from({ length: seeds }, (_, seed) => runStudy(problem, make(seed)));
      const [mean, se] = meanSe(runs.map((r) => r.meanLog10Regret));
      return `${fmt(median(runs.map((r) => r.meanLog10Regret)))} [${fmt(median(runs.map((r) => r.finalRegret)), 3)}] (${fmt(mean)} ± ${fmt(se)})`;
    });
    out(`| ${problem.name} (${problem.trials}) | ${cells.join(' | ')} |`);
  }
  out();
}

function speed(): void {
  const sizes = [100, 1000, 3000];
  const repeats = quick ? 15 : 41;
  out(`## Speed: median suggest latency in ms over ${repeats} calls, CPU time (wall time), 6-parameter mixed space`);
  out('| finished trials | TPE univariate | TPE multivariate |');
  out('|---|---|---|');
  // Let the JIT settle on a mid-sized history before timing anything.
  const warm = finishedHistory(1000);
  suggestLatencyMs(new TpeSampler({ multivariate: false }), warm, 30);
  suggestLatencyMs(new TpeSampler(), warm, 30);
  for (const n of sizes) {
    const history = finishedHistory(n);
    const uni = suggestLatencyMs(new TpeSampler({ multivariate: false }), history, repeats);
    const multi = suggestLatencyMs(new TpeSampler(), history, repeats);
    out(`| ${n} | ${uni.cpu.toFixed(2)} (${uni.wall.toFixed(2)}) | ${multi.cpu.toFixed(2)} (${multi.wall.toFixed(2)}) |`);
  }
  out();
}

if (only === undefined || only === 'speed') speed();
if (only === undefined || only === 'quality') quality();
