import { describe, expect, it } from 'vitest';
import { ContractError, type TrialRunJob, parseTrialRunJob } from '../src/index.js';

const job: TrialRunJob = {
  v: 1,
  trialId: '6f1c2a9e-3b7d-4c1e-9a55-0d2b8e4f7a10',
  studyId: 'b0e2c3d4-5f60-4a7b-8c9d-0e1f2a3b4c5d',
  trialNumber: 7,
  params: { learning_rate: 0.001, kernel: '3x3', augment: false },
  objective: { kind: 'cnn', dataset: { name: 'cifar10', trainSize: 45_000, validationSize: 5_000, testSize: 10_000 } },
  maxEpochs: 8,
  startEpoch: 0,
  seed: 4_294_967_295,
  attempt: 1,
};

function issuesOf(value: unknown): string[] {
  try {
    parseTrialRunJob(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    expect(err).toMatchObject({ code: 'CONTRACT_INVALID', contract: 'trial.run' });
    return (err as ContractError).issues.map((i) => `${i.path} ${i.message}`);
  }
  throw new Error('expected a ContractError');
}

describe('parseTrialRunJob', () => {
  it('returns a valid job unchanged, for both objective kinds', () => {
    expect(parseTrialRunJob(job)).toEqual(job);
    const fn = { ...job, objective: { kind: 'function', name: 'branin' } };
    expect(parseTrialRunJob(fn)).toEqual(fn);
  });

  it('survives the JSON round trip BullMQ puts it through', () => {
    const resumed = { ...job, startEpoch: 4, resumeCheckpoint: { trialId: job.trialId, epoch: 4 }, attempt: 2 };
    expect(parseTrialRunJob(JSON.parse(JSON.stringify(resumed)))).toEqual(resumed);
  });

  it('says plainly when the version is not the one this build reads', () => {
    expect(issuesOf({ ...job, v: 2 })).toEqual(['/v must be 1 (the version this build reads), got 2']);
    expect(issuesOf({ ...job, v: undefined })).toEqual(['/v must be 1 (the version this build reads), got undefined']);
  });

  it('lists every issue, each naming its field', () => {
    expect(
      issuesOf({ ...job, trialId: 'trial:1', seed: -1, maxEpochs: 0, params: { lr: null }, extra: true }),
    ).toEqual(
      expect.arrayContaining([
        '/trialId must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"',
        '/seed must be >= 0',
        '/maxEpochs must be >= 1',
        ' has unknown properties extra',
        expect.stringMatching(/^\/params\/lr /),
      ]),
    );
  });

  it('reports missing fields by name', () => {
    const { trialId: _t, objective: _o, ...rest } = job;
    expect(issuesOf(rest)).toEqual(['/trialId is required', '/objective is required']);
  });

  it('explains a bad objective through its own branch, not the whole union', () => {
    expect(issuesOf({ ...job, objective: { kind: 'cnn', dataset: { name: 'mnist', trainSize: 0, validationSize: 1, testSize: 0 } } }))
      .toEqual(['/objective/dataset/name must be "cifar10"', '/objective/dataset/trainSize must be >= 1']);
    expect(issuesOf({ ...job, objective: { kind: 'function', name: 'ackley' } })).toEqual([
      expect.stringMatching(/^\/objective\/name /),
    ]);
    expect(issuesOf({ ...job, objective: { kind: 'svm' } })).toEqual(['/objective/kind must be cnn or function, got "svm"']);
  });

  it('checks the relations between fields', () => {
    expect(issuesOf({ ...job, startEpoch: 8 })).toContain('/startEpoch must be < maxEpochs (8), got 8');
    expect(issuesOf({ ...job, startEpoch: 2 })).toEqual(['/resumeCheckpoint is required when startEpoch > 0']);
    expect(issuesOf({ ...job, startEpoch: 2, resumeCheckpoint: { trialId: job.trialId, epoch: 3 } })).toEqual([
      '/resumeCheckpoint/epoch must equal startEpoch (2), got 3',
    ]);
    expect(
      issuesOf({ ...job, objective: { kind: 'cnn', dataset: { name: 'cifar10', trainSize: 48_000, validationSize: 5_000, testSize: 0 } } }),
    ).toEqual(['/objective/dataset trainSize + validationSize must be <= 50000, got 53000']);
  });

  it('rejects values that are not objects', () => {
    expect(issuesOf(null)).toEqual(['/v must be 1 (the version this build reads), got undefined']);
    expect(issuesOf('{"v":1}')).toHaveLength(1);
  });
});
