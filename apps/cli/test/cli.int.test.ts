/**
 * The client against the real api, in this process, over the file's own database: every command
 * as a user runs it, with trials, checkpoints and workers seeded through the stores.
 */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stores } from '@tunefleet/db';
import { dbTest } from '@tunefleet/db/testing';
import { validateStudySubmission } from '@tunefleet/api/study-submission';
import { describe, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../api/src/config.js';
import { type RunningApi, start } from '../../api/src/start.js';
import { runCli } from '../src/cli.js';
import { type CapturedIo, captureIo } from './capture-io.js';

const API_KEY = 'cli-test-api-key-0123456789';
const REDIS_URL = process.env.TUNEFLEET_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const EXAMPLES = join(import.meta.dirname, '../../../examples');

const BRANIN_YAML = `name: branin from yaml
space:
  x1: { type: float, low: -5, high: 10 }
  x2: { type: float, low: 0, high: 15 }
function: { name: branin }
maxTrials: 3
parallelism: 1
sampler: { type: random }
pruner: { type: none, maxEpochs: 1 }
`;

const test = dbTest.extend<{ api: RunningApi; workDir: string }>({
  api: [
    async ({ db }, use) => {
      const config = loadConfig({ API_KEY, LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', REDIS_URL, SHUTDOWN_GRACE_MS: '1000' });
      const api = await start(config, { db });
      try {
        await use(api);
      } finally {
        await api.stop();
      }
    },
    { scope: 'file' },
  ],
  workDir: [
    async ({}, use) => {
      const dir = await mkdtemp(join(tmpdir(), 'tunefleet-cli-int-'));
      await writeFile(join(dir, 'branin.yaml'), BRANIN_YAML);
      await use(dir);
    },
    { scope: 'file' },
  ],
});

interface Run {
  code: number;
  io: CapturedIo;
}

async function cli(api: RunningApi, cwd: string, argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const io = captureIo({ cwd, env: { TUNEFLEET_URL: api.url, TUNEFLEET_API_KEY: API_KEY, ...env } });
  return { code: await runCli(argv, io), io };
}

async function submitted(api: RunningApi, cwd: string, file: string): Promise<string> {
  const run = await cli(api, cwd, ['submit', file]);
  expect(run.io.err()).toBe('');
  expect(run.code).toBe(0);
  return run.io.out().split('\n')[0];
}

async function seedFinishedTrial(
  stores: Stores,
  studyId: string,
  end: 'completed' | 'pruned',
  m: { vloss: number; accuracy: number; f1: number; parameterCount: number; params: Record<string, number> },
) {
  const trial = await stores.trials.create(studyId, { params: m.params });
  await stores.trials.apply(trial.id, 'started');
  await stores.trials.apply(trial.id, end, {
    vloss: m.vloss,
    accuracy: m.accuracy,
    macroF1: m.f1,
    parameterCount: m.parameterCount,
    efficiency: 1 / (m.vloss * m.parameterCount),
    objectiveValue: 1 / (m.vloss * m.parameterCount),
  });
  return trial;
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('tunefleet against the api', () => {
  test('submits a YAML study, lists it, stops and resumes it', async ({ api, workDir, stores }) => {
    const run = await cli(api, workDir, ['submit', 'branin.yaml']);
    expect(run.code).toBe(0);
    const [id, summary] = run.io.out().split('\n');
    expect((await stores.studies.get(id)).name).toBe('branin from yaml');
    expect(summary).toMatch(/^created study "branin from yaml": function branin · value \(minimize\) · random search · no pruning, 1 epoch · 3 trials, 1 at a time · seed \d+$/);

    const list = await cli(api, workDir, ['studies']);
    expect(list.code).toBe(0);
    expect(list.io.out()).toMatch(new RegExp(`${id}\\s+branin from yaml\\s+RUNNING\\s+function\\s+value \\(min\\)\\s+3`));
    const json = JSON.parse((await cli(api, workDir, ['studies', '--json'])).io.out());
    expect(json.items.map((s: { id: string }) => s.id)).toContain(id);

    expect((await cli(api, workDir, ['stop', id])).io.out()).toBe(`study ${id} is STOPPED\n`);
    const again = await cli(api, workDir, ['stop', id]);
    expect(again.code).toBe(1);
    expect(again.io.err()).toContain('study is already STOPPED (409 ILLEGAL_TRANSITION)');
    expect((await cli(api, workDir, ['studies', '--status', 'stopped'])).io.out()).toContain(id);
    expect((await cli(api, workDir, ['resume', id])).io.out()).toBe(`study ${id} is RUNNING\n`);
  });

  test('submits the CIFAR-10 example and shows its leaderboard as a table, JSON and CSV', async ({ api, stores }) => {
    const id = await submitted(api, EXAMPLES, 'study.yaml');
    const params = { cnn_layers: 2, starting_channels: 8, final_channels: 16, fcn_layers: 1, learning_rate: 0.001 };
    const a = await seedFinishedTrial(stores, id, 'completed', { vloss: 1.5, accuracy: 0.45, f1: 0.44, parameterCount: 20_000, params });
    const b = await seedFinishedTrial(stores, id, 'completed', { vloss: 1.2, accuracy: 0.55, f1: 0.54, parameterCount: 50_000, params: { ...params, cnn_layers: 3 } });
    // Below the example's accuracy floor (0.25): not ranked by efficiency.
    await seedFinishedTrial(stores, id, 'completed', { vloss: 2.3, accuracy: 0.1, f1: 0.02, parameterCount: 1_000, params });
    await seedFinishedTrial(stores, id, 'pruned', { vloss: 2.0, accuracy: 0.3, f1: 0.3, parameterCount: 10_000, params });

    const table = await cli(api, EXAMPLES, ['leaderboard', id]);
    expect(table.code).toBe(0);
    const lines = table.io.out().trimEnd().split('\n');
    expect(lines[0]).toBe(`study ${id} by efficiency (maximize, accuracy ≥ 0.25)`);
    expect(lines[1]).toMatch(/^rank\s+trial\s+value\s+vloss\s+accuracy\s+f1\s+params\s+log10 eff$/);
    expect(lines.slice(2)).toEqual([
      `   1     #0  3.333e-5    1.5      0.45  0.44  20,000     -4.477`,
      `   2     #1  1.667e-5    1.2      0.55  0.54  50,000     -4.778`,
    ]);

    const json = JSON.parse((await cli(api, EXAMPLES, ['leaderboard', id, '--json'])).io.out());
    expect(json.items.map((e: { trialId: string }) => e.trialId)).toEqual([a.id, b.id]);
    expect(json.items[0].value).toBeCloseTo(1 / (1.5 * 20_000), 15);
    expect(json.items[1].log10Efficiency).toBeCloseTo(-Math.log10(1.2 * 50_000), 12);

    const csv = (await cli(api, EXAMPLES, ['leaderboard', id, '--by', 'vloss', '--limit', '2', '--csv'])).io.out();
    const rows = csv.split('\r\n');
    expect(rows[0]).toBe(
      'rank,trial,trial_id,value,vloss,accuracy,f1,parameters,log10_efficiency,param.cnn_layers,param.fcn_layers,param.final_channels,param.learning_rate,param.starting_channels',
    );
    expect(rows.slice(1, 3).map((r) => r.split(',').slice(0, 9))).toEqual([
      ['1', '1', b.id, '1.2', '1.2', '0.55', '0.54', '50000', String(-Math.log10(1.2 * 50_000))],
      ['2', '0', a.id, '1.5', '1.5', '0.45', '0.44', '20000', String(-Math.log10(1.5 * 20_000))],
    ]);
    expect(rows[1].split(',').slice(9)).toEqual(['3', '1', '16', '0.001', '8']);
    expect(rows.slice(3)).toEqual(['']);

    const trials = await cli(api, EXAMPLES, ['trials', id, '--state', 'pruned', '--json']);
    expect(JSON.parse(trials.io.out()).items.map((t: { number: number; state: string }) => [t.number, t.state])).toEqual([[3, 'PRUNED']]);
    const all = (await cli(api, EXAMPLES, ['trials', id])).io.out().trimEnd().split('\n');
    expect(all).toHaveLength(5);
    expect(all[4]).toMatch(/^\s+#3\s+PRUNED\s/);

    const badState = await cli(api, EXAMPLES, ['trials', id, '--state', 'DONE']);
    expect(badState.code).toBe(1);
    expect(badState.io.err()).toMatch(/\(400 VALIDATION_FAILED\)\n {2}querystring\.state\[0\]: must be one of/);
  });

  test('downloads a checkpoint byte for byte, by epoch or the latest', async ({ api, workDir, stores }) => {
    const id = await submitted(api, workDir, 'branin.yaml');
    const trial = await stores.trials.create(id, { params: { x1: 0, x2: 0 } });
    const epoch2 = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    const epoch5 = new Uint8Array(1000).map((_, i) => (i * 13) % 256);
    await stores.checkpoints.save({ trialId: trial.id, epoch: 2, data: epoch2 });
    await stores.checkpoints.save({ trialId: trial.id, epoch: 5, data: epoch5 });
    const dir = await mkdtemp(join(tmpdir(), 'tunefleet-download-'));

    const named = await cli(api, dir, ['download', trial.id, '--epoch', '2', '-o', 'two.tar']);
    expect(named.code).toBe(0);
    expect(named.io.out()).toMatch(/^saved two\.tar \(300,000 bytes, sha256 [0-9a-f]{64}\)\n$/);
    // Buffer.equals: a deep toEqual over 300,000 elements takes seconds.
    expect((await readFile(join(dir, 'two.tar'))).equals(epoch2)).toBe(true);

    const latest = await cli(api, dir, ['download', trial.id]);
    expect(latest.code).toBe(0);
    expect((await readFile(join(dir, `trial-${trial.id}-epoch-5.tar`))).equals(epoch5)).toBe(true);

    const missing = await cli(api, dir, ['download', trial.id, '--epoch', '3', '-o', 'three.tar']);
    expect(missing.code).toBe(1);
    expect(missing.io.err()).toContain('(404 NOT_FOUND)');
    expect((await readdir(dir)).sort()).toEqual([`trial-${trial.id}-epoch-5.tar`, 'two.tar']);
  });

  test('lists workers', async ({ api, workDir, stores }) => {
    await stores.workers.heartbeat({ id: 'cli-worker-1', host: 'gpu-host', backend: 'tensorflow-gpu', gpu: 'H200' });
    const table = await cli(api, workDir, ['workers']);
    expect(table.code).toBe(0);
    expect(table.io.out()).toMatch(/^1 of 1 worker alive/);
    expect(table.io.out()).toMatch(/cli-worker-1\s+gpu-host\s+tensorflow-gpu\s+H200\s+yes\s+/);
    const json = JSON.parse((await cli(api, workDir, ['workers', '--json'])).io.out());
    expect(json).toMatchObject({ alive: 1, items: [{ id: 'cli-worker-1', alive: true }] });
  });

  test('watch exits 0 when the study completes and 1 when it fails', async ({ api, workDir, stores }) => {
    const id = await submitted(api, workDir, 'branin.yaml');
    const io = captureIo({ cwd: workDir, env: { TUNEFLEET_URL: api.url } });
    const watching = runCli(['watch', id, '--interval', '0.1'], io);
    await io.waitForOutput(/no trials yet\n/);
    const trial = await stores.trials.create(id, { params: { x1: 1, x2: 2 } });
    await stores.trials.apply(trial.id, 'started');
    await stores.trials.apply(trial.id, 'completed', { objectiveValue: 0.5 });
    // Progress while the study runs (from the event stream, or a poll where the api has none).
    await io.waitForOutput(/1\/3 33% {2}best 0\.5 \(#0\) {2}ETA /);
    await stores.studies.finish(id, 'COMPLETE');
    expect(await watching).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[░+\] 0\/3 0% {2}best - {2}ETA - {2}no trials yet$/);
    expect(lines.at(-2)).toMatch(/^\[█+░+\] 1\/3 33% {2}best 0\.5 \(#0\) {2}complete 1 {2}COMPLETE$/);
    expect(lines.at(-1)).toMatch(new RegExp(`^study ${id} COMPLETE after \\d+s: 1 trials \\(complete 1\\), best 0\\.5 \\(trial #0\\)$`));

    const failing = await submitted(api, workDir, 'branin.yaml');
    const failIo = captureIo({ cwd: workDir, env: { TUNEFLEET_URL: api.url } });
    const watchingFail = runCli(['watch', failing, '--interval', '0.1'], failIo);
    await failIo.waitForOutput(/no trials yet\n/);
    await stores.studies.finish(failing, 'FAILED');
    expect(await watchingFail).toBe(1);
    expect(failIo.out()).toContain(`study ${failing} FAILED`);
  });

  test('the local check and the api name the same fields', async ({ api }) => {
    const base = parseYaml(BRANIN_YAML) as Record<string, unknown>;
    const invalid: Record<string, unknown>[] = [
      { ...base, maxTrials: 'three', pruner: { type: 'none', maxEpochs: 1, extra: true } },
      { ...base, function: { name: 'no-such-function' }, constraints: { minAccuracy: 0.5 } },
      { ...base, space: { x1: { type: 'float', low: 10, high: -5 } }, direction: 'maximize' },
    ];
    for (const body of invalid) {
      const local = validateStudySubmission(structuredClone(body));
      expect(local.ok).toBe(false);
      const response = await fetch(`${api.url}/studies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { code: string; issues: { field: string; message: string }[] };
      if (local.ok) continue;
      expect(answer.code).toBe(local.code);
      expect(answer.issues).toEqual(local.issues.map((i) => ({ field: i.path, message: i.message })));
    }
  });

  test('says what is wrong: key, address, id, file', async ({ api, workDir }) => {
    const id = await submitted(api, workDir, 'branin.yaml');

    const wrongKey = await cli(api, workDir, ['stop', id], { TUNEFLEET_API_KEY: 'not-the-key-at-all' });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.io.err()).toContain('(401 UNAUTHORIZED)');
    expect(wrongKey.io.err()).toContain("the API key from TUNEFLEET_API_KEY was refused: it must equal the api's API_KEY");
    const flagKey = await cli(api, workDir, ['stop', id, '--api-key', 'also-wrong-0123456789']);
    expect(flagKey.io.err()).toContain('the API key from --api-key was refused');
    const noKey = captureIo({ cwd: workDir, env: { TUNEFLEET_URL: api.url } });
    expect(await runCli(['stop', id], noKey)).toBe(1);
    expect(noKey.err()).toContain('no API key was given: set TUNEFLEET_API_KEY or pass --api-key');

    const port = await closedPort();
    const unreachable = await cli(api, workDir, ['studies', '--url', `http://127.0.0.1:${port}`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.io.err()).toContain(`cannot reach the Tunefleet api at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(unreachable.io.err()).toContain('pnpm --filter @tunefleet/api start');

    const unknown = '00000000-0000-4000-8000-00000000abcd';
    for (const argv of [['watch', unknown], ['leaderboard', unknown], ['trials', unknown], ['download', unknown]]) {
      const run = await cli(api, workDir, argv);
      expect(run.code).toBe(1);
      expect(run.io.err()).toMatch(/^error: (study|trial) 00000000-0000-4000-8000-00000000abcd not found \(404 NOT_FOUND\)\n$/);
    }

    const before = JSON.parse((await cli(api, workDir, ['studies', '--json'])).io.out()).items.length;
    await writeFile(join(workDir, 'bad.yaml'), BRANIN_YAML.replace('maxTrials: 3', 'maxTrials: three').replace('low: 0,', 'low: zero,'));
    const bad = await cli(api, workDir, ['submit', 'bad.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.io.err()).toBe('error: bad.yaml is not a valid study (1 problem)\n  bad.yaml:6:12: maxTrials: must be integer\n');
    expect(JSON.parse((await cli(api, workDir, ['studies', '--json'])).io.out()).items).toHaveLength(before);
  });
});
