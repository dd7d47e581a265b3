import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateStudySubmission } from '@tunefleet/api/study-submission';
import { describe, expect, it } from 'vitest';
import { locatedIssues } from '../src/commands/submit.js';
import { StudyFileSyntaxError, parseStudyFile, pathSegments } from '../src/study-file.js';
import { runCli } from '../src/cli.js';
import { captureIo } from './capture-io.js';

// Line numbers matter below: line 6 holds the wrong type, deep in `space`.
const YAML_WITH_WRONG_TYPE = `name: wrong type deep in the space
space:
  learning_rate: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }
  kernel:
    type: categorical
    choices: [3x3, 7]
  dropout:
    type: float
    low: 0.0
    high: 0.95
objective: vloss
maxTrials: 4
parallelism: 2
pruner: { type: none, maxEpochs: 2 }
dataset: { name: cifar10, trainSize: 1000, validationSize: 200 }
`;

describe('pathSegments', () => {
  it.each([
    ['space.learning_rate.low', ['space', 'learning_rate', 'low']],
    ['space.kernel.choices[1]', ['space', 'kernel', 'choices', 1]],
    ['a[0][2].b', ['a', 0, 2, 'b']],
    ['body', []],
  ])('%s', (path, segments) => {
    expect(pathSegments(path)).toEqual(segments);
  });
});

describe('source positions of validation issues', () => {
  it('puts a wrong type deep in the space at its line and column', () => {
    const file = parseStudyFile(YAML_WITH_WRONG_TYPE);
    const result = validateStudySubmission(file.body);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual(['space.kernel.choices[1]', 'space.dropout.high']);
    expect(locatedIssues('study.yaml', file, result.issues)).toEqual([
      'study.yaml:6:20: space.kernel.choices[1]: 7 is not a value kernel accepts (one of "3x3", "separable")',
      'study.yaml:10:11: space.dropout.high: must be <= 0.9: dropout accepts [0, 0.9], got 0.95',
    ]);
  });

  it('reads JSON with the same parser and positions', () => {
    const json = '{\n  "name": "f",\n  "maxTrials": "lots",\n  "space": {}\n}\n';
    const file = parseStudyFile(json);
    expect(file.locate('maxTrials')).toEqual({ line: 3, col: 16 });
    expect(file.body).toMatchObject({ maxTrials: 'lots' });
  });

  it('points a missing property at its nearest ancestor, and a map value at its key', () => {
    const file = parseStudyFile(YAML_WITH_WRONG_TYPE);
    expect(file.locate('pruner.reductionFactor')).toEqual({ line: 14, col: 1 });
    expect(file.locate('space.dropout')).toEqual({ line: 7, col: 3 });
    expect(file.locate('body')).toEqual({ line: 1, col: 1 });
  });

  it('reports a syntax error with its position', () => {
    let error: unknown;
    try {
      parseStudyFile('name: x\nspace: {a: 1\nmaxTrials: 3\n');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StudyFileSyntaxError);
    expect((error as StudyFileSyntaxError).problems[0].line).toBeGreaterThanOrEqual(2);
  });
});

describe('tunefleet submit without a server', () => {
  async function studyFile(text: string, name = 'study.yaml'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tunefleet-cli-'));
    await writeFile(join(dir, name), text);
    return dir;
  }

  it('exits 2 naming the line and the field of each problem', async () => {
    const cwd = await studyFile(YAML_WITH_WRONG_TYPE);
    const io = captureIo({ cwd });
    expect(await runCli(['submit', 'study.yaml', '--url', 'http://127.0.0.1:9'], io)).toBe(2);
    expect(io.err()).toContain('study.yaml is not a valid study (2 problems)');
    expect(io.err()).toContain('study.yaml:6:20: space.kernel.choices[1]:');
    expect(io.err()).toContain('study.yaml:10:11: space.dropout.high:');
  });

  it('validates a good file with --dry-run and sends nothing', async () => {
    const cwd = await studyFile(YAML_WITH_WRONG_TYPE.replace('[3x3, 7]', '[3x3, separable]').replace('0.95', '0.5'));
    const io = captureIo({ cwd, fetch: () => Promise.reject(new Error('nothing may be sent')) });
    expect(await runCli(['submit', 'study.yaml', '--dry-run'], io)).toBe(0);
    expect(io.out()).toContain('study.yaml is a valid study: wrong type deep in the space');
    expect(io.out()).toContain('cnn on cifar10 (train 1,000, validation 200) · vloss (minimize)');
  });

  it('exits 2 for a file that is missing or not YAML', async () => {
    const cwd = await studyFile('name: [unclosed\n', 'broken.yaml');
    const missing = captureIo({ cwd });
    expect(await runCli(['submit', 'nope.yaml'], missing)).toBe(2);
    expect(missing.err()).toContain('cannot read nope.yaml: ENOENT');
    const broken = captureIo({ cwd });
    expect(await runCli(['submit', 'broken.yaml'], broken)).toBe(2);
    expect(broken.err()).toMatch(/broken\.yaml is not valid YAML or JSON\n {2}broken\.yaml:\d+:\d+: /);
  });
});
