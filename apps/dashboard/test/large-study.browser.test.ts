/**
 * A study of 10,000 trials (one INSERT) on the study page: it renders, every plot included, and
 * the time it took is printed. A figure, not an assertion: the machine may be shared.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDashboardApi, type DashboardApi } from './helpers/dashboard-api.js';
import { launchChromium, screenshotPath } from './helpers/browser.js';
import { API_KEY, cnnStudyBody, insertManyTrials, submitStudy } from './helpers/seed-study.js';

const TRIALS = 10_000;

let api: DashboardApi;
let browser: Browser;
let studyId: string;
let seedMs: number;

beforeAll(async () => {
  browser = await launchChromium();
  api = await startDashboardApi({ RATE_LIMIT_MAX: '0' });
  studyId = await submitStudy(api.url, { ...cnnStudyBody('cifar10 · 10,000 trials'), maxTrials: TRIALS });
  const seedStart = performance.now();
  await insertManyTrials(api.testDb.db, studyId, TRIALS);
  seedMs = performance.now() - seedStart;
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

it(`renders the study page of a ${TRIALS.toLocaleString('en-US')}-trial study`, async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors: Error[] = [];
  page.on('pageerror', (err) => errors.push(err));
  const started = performance.now();
  await page.goto(`${api.url}/#/studies/${studyId}`);
  await page.locator('table.leaderboard tbody tr[data-trial-id]').first().waitFor({ timeout: 60_000 });
  const firstRows = performance.now() - started;

  const pareto = page.locator('figure[data-chart="pareto"] .chart-canvas[data-rendered="true"]');
  await pareto.waitFor({ timeout: 60_000 });
  const counts = (await fetch(`${api.url}/studies/${studyId}`, { headers: { authorization: `Bearer ${API_KEY}` } }).then((r) => r.json())) as {
    progress: { counts: Record<string, number> };
  };
  expect(Number(await pareto.getAttribute('data-points'))).toBe(counts.progress.counts.COMPLETE);
  // Every plot the api can answer finishes drawing (progressive series included).
  const names = await page.locator('figure[data-chart]').evaluateAll((figures) => figures.map((f) => f.getAttribute('data-chart') as string));
  const drawn = await Promise.all(
    names.map(async (name) => {
      const figure = page.locator(`figure[data-chart="${name}"]`);
      await figure.locator('.chart-canvas[data-rendered="true"], .chart-empty:not([aria-busy="true"])').first().waitFor({ timeout: 60_000 });
      return `${name} ${Math.round(performance.now() - started)} ms`;
    }),
  );
  const allPlots = performance.now() - started;
  // When each answer arrived, from the page's start (resource timing), to tell the api's share.
  const answers = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => ({ name: new URL(e.name).pathname.split('/').pop() as string, end: Math.round((e as PerformanceResourceTiming).responseEnd) }))
      .filter((e) => ['history', 'curves', 'params', 'importance', 'pareto', 'leaderboard'].includes(e.name))
      .map((e) => `${e.name} ${e.end} ms`),
  );
  expect(await page.locator('table.leaderboard tbody tr').count()).toBe(25);
  expect(errors).toEqual([]);
  await page.screenshot({ path: screenshotPath('study-10000-trials'), fullPage: true });
  process.stdout.write(
    `study page, ${TRIALS} trials (seeded in ${Math.round(seedMs)} ms): leaderboard after ${Math.round(firstRows)} ms, every plot drawn after ${Math.round(allPlots)} ms (${drawn.join(', ')}); answers arrived at ${answers.join(', ')}\n`,
  );
  await page.close();
});
