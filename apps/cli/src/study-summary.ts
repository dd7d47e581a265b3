/** One line that says what a study is: what it trains, how it searches and prunes, its budget. */
import type { NormalisedStudy } from '@tunefleet/api/study-submission';
import { formatCount } from './format.js';

type Spec = NormalisedStudy['spec'];

function describePruner(pruner: Spec['pruner']): string {
  switch (pruner.type) {
    case 'none':
      return `no pruning, ${pruner.maxEpochs} epoch${pruner.maxEpochs === 1 ? '' : 's'}`;
    case 'hyperband':
      return `Hyperband ${pruner.minEpochs}–${pruner.maxEpochs} epochs η=${pruner.reductionFactor}`;
    case 'asha':
      return `ASHA ${pruner.mode === 'promote' ? 'promote' : pruner.rule === 'ray' ? 'stop (ray)' : 'stop'} ${pruner.minEpochs}–${pruner.maxEpochs} epochs η=${pruner.reductionFactor}`;
  }
}

/**
 * `cnn on cifar10 (train 2,000, validation 500) · efficiency (maximize), accuracy ≥ 0.3 · TPE ·
 * ASHA stop 1–3 epochs η=2 · 8 trials, 2 at a time · seed 42`. `seed` null: the api draws it.
 */
export function describeStudySpec(spec: Spec, seed: number | null): string {
  const what =
    spec.kind === 'function'
      ? `function ${spec.function?.name ?? '?'}`
      : `cnn on ${spec.dataset?.name ?? '?'} (train ${formatCount(spec.dataset?.trainSize)}, validation ${formatCount(spec.dataset?.validationSize)})`;
  const constraints = [
    spec.constraints.minAccuracy !== null ? `accuracy ≥ ${spec.constraints.minAccuracy}` : null,
    spec.constraints.maxParams !== null ? `≤ ${formatCount(spec.constraints.maxParams)} parameters` : null,
  ].filter((c) => c !== null);
  const objective = [`${spec.objective} (${spec.direction})`, ...constraints].join(', ');
  const sampler = spec.sampler.type === 'tpe' ? 'TPE' : 'random search';
  const budget = `${formatCount(spec.maxTrials)} trial${spec.maxTrials === 1 ? '' : 's'}, ${spec.parallelism} at a time`;
  return [what, objective, sampler, describePruner(spec.pruner), budget, seed === null ? 'seed drawn by the api' : `seed ${seed}`].join(' · ');
}
