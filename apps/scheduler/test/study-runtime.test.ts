import type { Study } from '@tunefleet/db';
import { NopPruner, SuccessiveHalvingPruner } from '@tunefleet/search';
import { describe, expect, it } from 'vitest';
import { StudySpecError, buildStudyRuntime, trainUntilEpoch } from '../src/study-runtime.js';
import { functionStudy } from './helpers/harness.js';

function row(overrides: Partial<Study> = {}, spec: Record<string, unknown> = {}): Study {
  const base = functionStudy({ maxTrials: 10, parallelism: 2, seed: 5 });
  return {
    id: '6f1c2a9e-3b7d-4c1e-9a55-0d2b8e4f7a10',
    ...base,
    spec: { ...(base.spec as Record<string, unknown>), ...spec } as Study['spec'],
    status: 'RUNNING',
    createdAt: new Date(0),
    finishedAt: null,
    ...overrides,
  } as Study;
}

describe('buildStudyRuntime', () => {
  it('rebuilds sampler, pruner and budget from the stored study', () => {
    const runtime = buildStudyRuntime(row());
    expect(runtime.sampler.toJSON()).toEqual({ type: 'random', seed: 5 });
    expect(runtime.pruner).toBeInstanceOf(NopPruner);
    expect(runtime).toMatchObject({ metric: 'value', direction: 'minimize', maxTrials: 10, parallelism: 2, maxEpochs: 1 });
    expect(runtime.space.params.map((p) => p.name).sort()).toEqual(['x1', 'x2']);
  });

  it('rebuilds a successive-halving pruner and the promotion rungs', () => {
    const sha = buildStudyRuntime(
      row({}, {
        maxEpochs: 9,
        prunerJSON: { type: 'successive-halving', minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 0, bootstrapCount: 0, rule: 'optuna', maxResource: null },
      }),
    );
    expect(sha.pruner).toBeInstanceOf(SuccessiveHalvingPruner);
    const promote = buildStudyRuntime(row({}, { maxEpochs: 9, promotion: { minResource: 1, maxResource: 9, reductionFactor: 3 } }));
    expect(promote.rungEpochs).toEqual([1, 3, 9]);
    expect(promote.pruner).toBeInstanceOf(NopPruner);
    expect([0, 1, 2, 3, 8].map((e) => trainUntilEpoch(promote, e))).toEqual([1, 3, 3, 9, 9]);
    expect(trainUntilEpoch(sha, 4)).toBe(9);
  });

  it('takes the seed from the study when the sampler has none', () => {
    const runtime = buildStudyRuntime(row({ seed: 77 }, { sampler: { type: 'tpe' } }));
    expect(runtime.sampler.toJSON()).toMatchObject({ type: 'tpe', seed: 77 });
  });

  it('names every field it cannot use', () => {
    let error: unknown;
    try {
      buildStudyRuntime(
        row({ metric: 'speed', objective: { kind: 'function', name: 'nope' } as never }, {
          searchSpace: { x: { type: 'float', low: 2, high: 1 } },
          sampler: { type: 'grid' },
          maxEpochs: 0,
          constraints: { maxParams: -1, minAccuracy: 2 },
        }),
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StudySpecError);
    expect((error as StudySpecError).issues.map((i) => i.field)).toEqual([
      'metric',
      'spec.searchSpace',
      'spec.sampler',
      'spec.maxEpochs',
      'objective',
      'spec.constraints.maxParams',
      'spec.constraints.minAccuracy',
    ]);
  });
});
