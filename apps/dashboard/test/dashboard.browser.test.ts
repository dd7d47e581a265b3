/**
 * The dashboard in Debian's chromium against the real api (in-process, its own database): a CNN
 * study submitted over HTTP and seeded through the stores, a function study, four workers. Each
 * page is checked against what the api answers, and screenshotted to artifacts/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDashboardApi, type DashboardApi } from './helpers/dashboard-api.js';
import { launchChromium, screenshotPath } from './helpers/browser.js';
import { API_KEY, backdateStudy, cnnStudyBody, functionStudyBody, seedCnnTrials, seedWorkers, submitStudy, type SeededTrial } from './helpers/seed-study.js';

// The rate limit is not under test here, and one file loads many pages from one address; the
// heartbeat timeout leaves the seeded ages (seconds, and ten minutes for the silent worker) stable.
const API_ENV = { RATE_LIMIT_MAX: '0', WORKER_HEARTBEAT_TIMEOUT_MS: '300000' };

interface LeaderboardAnswer {
  by: string;
  items: { trialId: string; number: number }[];
}

let api: DashboardApi;
let browser: Browser;
let studyId: string;
let functionStudyId: string;
let trials: SeededTrial[];
/** Uncaught errors in any page; every test ends with none. */
const pageErrors: Error[] = [];

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function open(hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('pageerror', (err) => pageErrors.push(err));
  await page.goto(`${api.url}/${hash}`);
  return page;
}

const leaderboardIds = (page: Page): Promise<string[]> =>
  page.locator('table.leaderboard tbody tr[data-trial-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trial-id') as string));

/** Waits for a chart to finish drawing and returns its data-points. */
async function chartPoints(page: Page, name: string): Promise<number> {
  const canvas = page.locator(`figure[data-chart="${name}"] .chart-canvas[data-rendered="true"]`);
  await canvas.waitFor({ timeout: 30_000 });
  return Number(await canvas.getAttribute('data-points'));
}

beforeAll(async () => {
  browser = await launchChromium();
  api = await startDashboardApi(API_ENV);
  const { stores } = api.testDb;
  studyId = await submitStudy(api.url, cnnStudyBody());
  trials = await seedCnnTrials(stores, studyId, { trials: 60, running: 2, checkpoints: 2, seed: 11 });
  await backdateStudy(api.testDb.db, studyId);
  functionStudyId = await submitStudy(api.url, functionStudyBody());
  for (let i = 0; i < 6; i++) {
    const x1 = -5 + 2.5 * i;
    const t = await stores.trials.create(functionStudyId, { params: { x1, x2: 2 + i }, running: { parameterCount: null } });
    await stores.trials.reportEpoch(t.id, { epoch: 1, value: 10 + (x1 - 3) ** 2 });
    await stores.trials.apply(t.id, 'completed', { objectiveValue: 10 + (x1 - 3) ** 2 });
  }
  await seedWorkers(
    stores,
    trials.filter((t) => t.state === 'RUNNING').map((t) => t.id),
  );
});

afterEach(() => {
  expect(pageErrors.splice(0).map((e) => e.stack ?? e.message)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('studies page', () => {
  it('lists every study with its status, progress and trials per state', async () => {
    const page = await open('#/');
    const rows = page.locator('table.studies-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await page.locator(`tr[data-study-id="${studyId}"] progress`).waitFor();
    const study = await getJson<{ progress: { finished: number; counts: Record<string, number> } }>(`/studies/${studyId}`);
    const row = page.locator(`tr[data-study-id="${studyId}"]`);
    await expect.poll(() => row.textContent()).toContain(`${study.progress.finished} of 80 trials finished`);
    expect(await row.textContent()).toContain(`pruned ${study.progress.counts.PRUNED}`);
    expect(await page.locator('.fleet-summary').textContent()).toMatch(/Workers: 2 busy of 3 alive/);
    await page.screenshot({ path: screenshotPath('studies'), fullPage: true });
    await page.close();
  });
});

describe('study page', () => {
  it('shows the leaderboard in the order the api ranks it', async () => {
    const page = await open(`#/studies/${studyId}`);
    const expected = await getJson<LeaderboardAnswer>(`/studies/${studyId}/leaderboard?by=efficiency&limit=25`);
    expect(expected.items.length).toBeGreaterThan(3);
    await expect.poll(() => leaderboardIds(page)).toEqual(expected.items.map((i) => i.trialId));
    expect(await page.locator('table.leaderboard caption').textContent()).toContain('accuracy ≥ 55%');
    await page.close();
  });

  it('ranks by another column when its heading is chosen', async () => {
    const page = await open(`#/studies/${studyId}`);
    const byEfficiency = await getJson<LeaderboardAnswer>(`/studies/${studyId}/leaderboard?by=efficiency&limit=25`);
    const byVloss = await getJson<LeaderboardAnswer>(`/studies/${studyId}/leaderboard?by=vloss&limit=25`);
    expect(byVloss.items.map((i) => i.trialId)).not.toEqual(byEfficiency.items.map((i) => i.trialId));
    await expect.poll(() => leaderboardIds(page)).toEqual(byEfficiency.items.map((i) => i.trialId));
    await page.getByRole('button', { name: /^vloss/ }).click();
    await expect.poll(() => leaderboardIds(page)).toEqual(byVloss.items.map((i) => i.trialId));
    expect(await page.locator('th[aria-sort="ascending"] button').textContent()).toContain('vloss');
    const byAccuracy = await getJson<LeaderboardAnswer>(`/studies/${studyId}/leaderboard?by=accuracy&limit=25`);
    await page.getByRole('button', { name: /^accuracy/ }).click();
    await expect.poll(() => leaderboardIds(page)).toEqual(byAccuracy.items.map((i) => i.trialId));
    const byParameters = await getJson<LeaderboardAnswer>(`/studies/${studyId}/leaderboard?by=parameters&limit=25`);
    await page.getByRole('button', { name: /^parameters/ }).click();
    await expect.poll(() => leaderboardIds(page)).toEqual(byParameters.items.map((i) => i.trialId));
    await page.close();
  });

  it('reaches the sortable headings with the keyboard and sorts with Enter', async () => {
    const page = await open(`#/studies/${studyId}`);
    await page.locator('table.leaderboard tbody tr[data-trial-id]').first().waitFor();
    let focused: string | null = null;
    for (let presses = 0; presses < 80 && focused !== 'vloss'; presses++) {
      await page.keyboard.press('Tab');
      focused = await page.locator(':focus').getAttribute('data-sort', { timeout: 2_000 });
    }
    expect(focused).toBe('vloss');
    // The focused heading shows a focus ring (outline), not nothing.
    const outline = await page.locator(':focus').evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    const byVloss = await getJson<LeaderboardAnswer>(`/studies/${studyId}/leaderboard?by=vloss&limit=25`);
    await expect.poll(() => leaderboardIds(page)).toEqual(byVloss.items.map((i) => i.trialId));
    await page.close();
  });

  it('draws the Pareto plot with every completed trial and names each plot', async () => {
    const page = await open(`#/studies/${studyId}`);
    const pareto = await getJson<{ points: unknown[]; frontSize: number }>(`/studies/${studyId}/pareto`);
    expect(await chartPoints(page, 'pareto')).toBe(pareto.points.length);
    const label = await page.locator('figure[data-chart="pareto"] .chart-canvas').getAttribute('aria-label');
    expect(label).toContain(`${pareto.points.length} data points`);
    expect(await page.locator('figure[data-chart="pareto"] figcaption').textContent()).toContain(`${pareto.frontSize} trials on the Pareto front`);
    await page.close();
  });

  it('draws the analysis plots with the points the api answers', async () => {
    const base = `/studies/${studyId}`;
    const page = await open(`#/studies/${studyId}`);
    const history = await getJson<{ points: { value: number | null }[] }>(`${base}/history`);
    const curves = await getJson<{ trials: { values: [number, number][] }[]; rungs: number[] }>(`${base}/curves`);
    const params = await getJson<{ rows: { objectiveValue: number | null }[] }>(`${base}/params`);
    const importance = await getJson<{ importances: unknown[] }>(`${base}/importance`);
    expect(await chartPoints(page, 'history')).toBe(history.points.filter((p) => p.value !== null).length);
    expect(await chartPoints(page, 'curves')).toBe(curves.trials.filter((t) => t.values.length > 0).length);
    expect(await chartPoints(page, 'parallel')).toBe(params.rows.filter((r) => r.objectiveValue !== null).length);
    expect(await chartPoints(page, 'importance')).toBe(importance.importances.length);
    // Seeded data: every finished trial has a curve, and the pruned ones stop at the first rungs.
    expect(curves.trials.filter((t) => t.values.length > 0).length).toBeGreaterThanOrEqual(60);
    expect(curves.rungs.slice(0, 2)).toEqual([1, 3]);
    await page.screenshot({ path: screenshotPath('study'), fullPage: true });
    await page.close();
  });

  it('follows new results without a reload', async () => {
    const page = await open(`#/studies/${studyId}`);
    await page.locator('table.leaderboard tbody tr[data-trial-id]').first().waitFor();
    const before = await getJson<{ progress: { finished: number } }>(`/studies/${studyId}`);
    // A new trial that beats every other on efficiency: tiny, accurate enough.
    const { stores } = api.testDb;
    const trial = await stores.trials.create(studyId, {
      params: { learning_rate: 0.0025, starting_channels: 16, cnn_layers: 4, dropout: 0, activation: 'relu' },
      running: { parameterCount: 1000 },
    });
    await stores.trials.reportEpoch(trial.id, { epoch: 1, value: 3, vloss: 0.5, accuracy: 0.9 });
    await stores.trials.apply(trial.id, 'completed', { vloss: 0.5, accuracy: 0.9, macroF1: 0.89, parameterCount: 1000, efficiency: 1 / 500, objectiveValue: -Math.log10(500) });
    await expect.poll(() => page.locator('.summary .progress-text').textContent(), { timeout: 30_000 }).toContain(`${before.progress.finished + 1} of 80`);
    await expect.poll(async () => (await leaderboardIds(page))[0], { timeout: 30_000 }).toBe(trial.id);
    await page.close();
  });
});

describe('trial page', () => {
  it('shows the params, metrics, architecture, per-class accuracy, confusion matrix and checkpoints', async () => {
    const best = (await getJson<LeaderboardAnswer>(`/studies/${studyId}/leaderboard?by=efficiency&limit=1`)).items[0];
    const withCheckpoint = trials.find((t) => t.state === 'COMPLETE') as SeededTrial;
    const detail = await getJson<{
      params: Record<string, number | string>;
      f1: number;
      architecture: { channels: number[]; fcnWidths: number[]; layers: unknown[]; totalParams: number };
      perClassAccuracy: number[];
      checkpoints: { url: string }[];
    }>(`/trials/${withCheckpoint.id}`);
    expect(best).toBeDefined();
    const page = await open(`#/trials/${withCheckpoint.id}`);
    const params = page.locator('table.params-table tbody tr');
    await expect.poll(() => params.count()).toBe(Object.keys(detail.params).length);
    for (const [name, value] of Object.entries(detail.params)) {
      const row = page.locator('table.params-table tbody tr', { has: page.locator(`th:text-is("${name}")`) });
      const shown = (await row.locator('td').textContent()) as string;
      if (typeof value === 'number') expect(Number(shown)).toBeCloseTo(value, Math.max(0, 3 - Math.ceil(Math.log10(Math.abs(value) + 1e-12))));
      else expect(shown).toBe(String(value));
    }
    expect(await page.locator('[data-arch="channels"]').textContent()).toBe(detail.architecture.channels.join(' → '));
    expect(await page.locator('[data-arch="fcn"]').textContent()).toBe(detail.architecture.fcnWidths.join(' → '));
    expect(await page.locator('[data-arch="total"]').textContent()).toBe(detail.architecture.totalParams.toLocaleString('en-US'));
    expect(await page.locator('table.layers-table tbody tr').count()).toBe(detail.architecture.layers.length);
    expect(await page.locator('[data-metric="macro-f1"]').textContent()).toBe(String(Number(detail.f1.toPrecision(3))));
    expect(await page.locator('table.per-class-table tbody tr').count()).toBe(10);
    expect(await page.locator('table.per-class-table tbody tr').first().textContent()).toContain('airplane');
    expect(await chartPoints(page, 'confusion')).toBe(100);
    expect(await chartPoints(page, 'epochs')).toBe(9);
    const links = page.locator('ul.checkpoints a');
    expect(await links.count()).toBe(detail.checkpoints.length);
    expect(await links.first().getAttribute('href')).toBe(detail.checkpoints[0].url);
    await page.screenshot({ path: screenshotPath('trial'), fullPage: true });
    await page.close();
  });
});

describe('fleet page', () => {
  it('lists the workers with backend, GPU, current trial and heartbeat age', async () => {
    const page = await open('#/fleet');
    const rows = page.locator('table.workers-table tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    const busy = page.locator('tr[data-worker-id="worker-1"]');
    expect(await busy.textContent()).toContain('NVIDIA A100-SXM4-40GB');
    expect(await busy.locator('a').getAttribute('href')).toMatch(/^#\/trials\//);
    expect(await page.locator('tr[data-worker-id="worker-4"]').textContent()).toContain('silent');
    expect(await page.locator('.fleet-summary').textContent()).toContain('3 of 4 workers alive');
    await page.screenshot({ path: screenshotPath('fleet'), fullPage: true });
    await page.close();
  });
});

describe('API key', () => {
  it('asks for the key once when reads need it, and keeps it for the tab', async () => {
    const locked = await startDashboardApi({ ...API_ENV, READ_REQUIRES_KEY: 'true' }, api.testDb);
    try {
      const page = await browser.newPage();
      page.on('pageerror', (err) => pageErrors.push(err));
      await page.goto(`${locked.url}/#/`);
      const input = page.getByLabel('API key');
      await input.waitFor();
      await input.fill(API_KEY);
      await page.getByRole('button', { name: 'Use key' }).click();
      await expect.poll(() => page.locator('table.studies-table tbody tr').count()).toBe(2);
      await page.goto(`${locked.url}/#/studies/${studyId}`);
      await page.locator('table.leaderboard tbody tr[data-trial-id]').first().waitFor();
      expect(await page.getByLabel('API key').count()).toBe(0);
      await page.close();
    } finally {
      await locked.stop();
    }
  });
});
