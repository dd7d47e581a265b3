import { FUNCTION_OBJECTIVE_NAMES } from '@tunefleet/contracts';
import { describe, expect, it } from 'vitest';
import { StudySpecError } from '../src/errors.js';
import type { CreateStudyBody } from '../src/schemas/studies.js';
import { normaliseStudySpec } from '../src/study-spec.js';

const context = { defaultSeed: 99, functionNames: FUNCTION_OBJECTIVE_NAMES };

function cnn(overrides: Partial<Record<keyof CreateStudyBody, unknown>> = {}): CreateStudyBody {
  return {
    name: 'study',
    space: {
      learning_rate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
      cnn_layers: { type: 'int', low: 4, high: 8 },
      kernel: { type: 'categorical', choices: ['3x3', 'separable'] },
    },
    objective: 'vloss',
    maxTrials: 10,
    parallelism: 2,
    pruner: { type: 'asha', minEpochs: 1, maxEpochs: 9 },
    dataset: { name: 'cifar10' },
    ...overrides,
  } as CreateStudyBody;
}

function fn(overrides: Partial<Record<keyof CreateStudyBody, unknown>> = {}): CreateStudyBody {
  return {
    name: 'f',
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    function: { name: 'branin' },
    maxTrials: 10,
    parallelism: 2,
    pruner: { type: 'none', maxEpochs: 3 },
    ...overrides,
  } as CreateStudyBody;
}

function fields(body: CreateStudyBody): string[] {
  try {
    normaliseStudySpec(body, context);
  } catch (err) {
    if (err instanceof StudySpecError) return err.issues.map((i) => i.field);
    throw err;
  }
  return [];
}

describe('normaliseStudySpec', () => {
  it('fills defaults: direction from the objective, TPE with the study seed, dataset sizes, η = 3', () => {
    const { spec, objective, direction, seed, metric } = normaliseStudySpec(cnn({ objective: 'accuracy' }), context);
    expect({ metric, direction, seed }).toEqual({ metric: 'accuracy', direction: 'maximize', seed: 99 });
    expect(objective).toEqual({ kind: 'cnn', dataset: { name: 'cifar10', trainSize: 45_000, validationSize: 5_000, testSize: 10_000 } });
    expect(spec.sampler).toEqual({ type: 'tpe', seed: 99 });
    expect(spec.pruner).toEqual({ type: 'asha', mode: 'stop', rule: 'optuna', minEpochs: 1, maxEpochs: 9, reductionFactor: 3 });
    expect(spec.prunerJSON).toMatchObject({ type: 'successive-halving', minResource: 1, reductionFactor: 3, rule: 'optuna' });
    expect(spec.constraints).toEqual({ maxParams: null, minAccuracy: null });
  });

  it.each([
    ['vloss', 'minimize'],
    ['accuracy', 'maximize'],
    ['f1', 'maximize'],
    ['efficiency', 'maximize'],
  ] as const)('gives objective %s the direction %s', (objective, direction) => {
    expect(normaliseStudySpec(cnn({ objective, direction }), context).direction).toBe(direction);
  });

  it('keeps an explicit seed, and builds the promotion config and Ray rule when asked', () => {
    const promote = normaliseStudySpec(cnn({ seed: 7, pruner: { type: 'asha', mode: 'promote', minEpochs: 1, maxEpochs: 27 } }), context);
    expect(promote.seed).toBe(7);
    expect(promote.spec.promotion).toEqual({ minResource: 1, maxResource: 27, reductionFactor: 3 });
    expect(promote.spec.prunerJSON).toBeNull();
    const ray = normaliseStudySpec(cnn({ pruner: { type: 'asha', rule: 'ray', minEpochs: 1, maxEpochs: 9, reductionFactor: 2 } }), context);
    expect(ray.spec.prunerJSON).toMatchObject({ rule: 'ray', maxResource: 9, reductionFactor: 2 });
    const hb = normaliseStudySpec(cnn({ pruner: { type: 'hyperband', minEpochs: 1, maxEpochs: 27 } }), context);
    expect(hb.spec.prunerJSON).toMatchObject({ type: 'hyperband', minResource: 1, maxResource: 27, reductionFactor: 3 });
  });

  it('makes a function study with the contract objective and minimisation', () => {
    const study = normaliseStudySpec(fn(), context);
    expect(study.objective).toEqual({ kind: 'function', name: 'branin' });
    expect({ metric: study.metric, direction: study.direction }).toEqual({ metric: 'value', direction: 'minimize' });
    expect(study.spec.prunerJSON).toEqual({ type: 'nop' });
  });

  it('accepts categorical choices of a numeric hyperparameter and int ranges of a float one', () => {
    const body = cnn({
      space: { batch_size: { type: 'categorical', choices: [64, 128, 256] }, downsample: { type: 'int', low: 4, high: 16 } },
    });
    expect(fields(body)).toEqual([]);
  });

  const bad: [string, CreateStudyBody, string[]][] = [
    ['a blank name', cnn({ name: '   ' }), ['name']],
    ['dataset and function together', cnn({ function: { name: 'branin' } }), ['function']],
    ['neither dataset nor function', cnn({ dataset: undefined }), ['dataset']],
    ['an unknown function', fn({ function: { name: 'ackley' } }), ['function.name']],
    ['a CNN metric on a function', fn({ objective: 'accuracy' }), ['objective']],
    ["'value' on a CNN study", cnn({ objective: 'value' }), ['objective']],
    ['a CNN study without objective', cnn({ objective: undefined }), ['objective']],
    ['a contradicting direction', cnn({ objective: 'f1', direction: 'minimize' }), ['direction']],
    ['constraints on a function', fn({ constraints: { maxParams: 10 } }), ['constraints']],
    ['fixed on a function', fn({ fixed: { batch_size: 10 } }), ['fixed']],
    ['an unknown hyperparameter', cnn({ space: { width: { type: 'int', low: 1, high: 8 } } }), ['space.width']],
    ['a low below the spec', cnn({ space: { learning_rate: { type: 'float', low: 1e-9, high: 0.1, log: true } } }), ['space.learning_rate.low']],
    ['a high above the spec', cnn({ space: { dropout: { type: 'float', low: 0, high: 0.95 } } }), ['space.dropout.high']],
    ['a float range on an int hyperparameter', cnn({ space: { cnn_layers: { type: 'float', low: 2, high: 6 } } }), ['space.cnn_layers.type']],
    ['a range on a categorical hyperparameter', cnn({ space: { kernel: { type: 'int', low: 1, high: 3 } } }), ['space.kernel.type']],
    ['a choice the model does not accept', cnn({ space: { kernel: { type: 'categorical', choices: ['3x3', '5x5'] } } }), ['space.kernel.choices[1]']],
    ['a numeric choice out of range', cnn({ space: { batch_size: { type: 'categorical', choices: [64, 8192] } } }), ['space.batch_size.choices[1]']],
    ['an invalid distribution', cnn({ space: { learning_rate: { type: 'float', low: 0.1, high: 0.01 } } }), ['space.learning_rate']],
    ['an empty space', cnn({ space: {} }), ['space']],
    ['a fixed value that is also searched', cnn({ fixed: { cnn_layers: 6 } }), ['fixed.cnn_layers']],
    ['an unknown fixed hyperparameter', cnn({ fixed: { width: 3 } }), ['fixed.width']],
    ['a fixed value out of range', cnn({ fixed: { dropout: 2 } }), ['fixed.dropout']],
    [
      'a fixed structure that cannot be built',
      cnn({ space: { learning_rate: { type: 'float', low: 1e-4, high: 1e-2 } }, fixed: { cnn_layers: 2, downsample: 16 } }),
      ['fixed.cnn_layers'],
    ],
    ['a sampler seed', cnn({ sampler: { type: 'tpe', seed: 3 } }), ['sampler.seed']],
    ['an unknown TPE option', cnn({ sampler: { type: 'tpe', nStartup: 3 } }), ['sampler']],
    ['a bad TPE option value', cnn({ sampler: { type: 'tpe', nEiCandidates: 0 } }), ['sampler']],
    ['an option on the random sampler', cnn({ sampler: { type: 'random', multivariate: true } }), ['sampler']],
    ['minEpochs above maxEpochs', cnn({ pruner: { type: 'asha', minEpochs: 10, maxEpochs: 9 } }), ['pruner.minEpochs']],
    ['hyperband minEpochs above maxEpochs', cnn({ pruner: { type: 'hyperband', minEpochs: 10, maxEpochs: 9 } }), ['pruner.minEpochs']],
    ['a mode on hyperband', cnn({ pruner: { type: 'hyperband', mode: 'stop', maxEpochs: 9 } }), ['pruner.mode']],
    ['a rule in promotion mode', cnn({ pruner: { type: 'asha', mode: 'promote', rule: 'ray', maxEpochs: 9 } }), ['pruner.rule']],
    ['rungs on the none pruner', cnn({ pruner: { type: 'none', maxEpochs: 9, minEpochs: 1, reductionFactor: 2 } }), ['pruner.minEpochs', 'pruner.reductionFactor']],
    [
      'more training and validation images than CIFAR-10 has',
      cnn({ dataset: { name: 'cifar10', trainSize: 46_000, validationSize: 5_000 } }),
      ['dataset.trainSize'],
    ],
    ['a validation set that leaves too few', cnn({ dataset: { name: 'cifar10', validationSize: 10_000 } }), ['dataset.validationSize']],
  ];

  it.each(bad)('rejects %s, naming the field', (_, body, expected) => {
    expect(fields(body)).toEqual(expect.arrayContaining(expected));
    expect(fields(body).length).toBeGreaterThan(0);
  });

  it('reports every problem of a submission at once', () => {
    const body = cnn({
      name: ' ',
      objective: 'f1',
      direction: 'minimize',
      space: { width: { type: 'int', low: 1, high: 2 }, dropout: { type: 'float', low: 0, high: 1 } },
      pruner: { type: 'asha', minEpochs: 5, maxEpochs: 2 },
      dataset: { name: 'cifar10', trainSize: 50_000 },
    });
    expect(fields(body).sort()).toEqual(['dataset.trainSize', 'direction', 'name', 'pruner.minEpochs', 'space.dropout.high', 'space.width']);
  });
});
