import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dashboardRoutes, { DASHBOARD_BUILD_COMMAND } from '../src/routes/dashboard.js';
import type { App } from '../src/route-deps.js';

async function appServing(distDir: string): Promise<App> {
  const app = Fastify({ loggerInstance: pino({ level: 'silent' }) }) as unknown as App;
  await dashboardRoutes(app, { distDir });
  app.get('/studies', async () => ({ items: [] }));
  await app.ready();
  return app;
}

describe('dashboard routes', () => {
  let dist: string;
  beforeAll(async () => {
    dist = await mkdtemp(path.join(tmpdir(), 'dashboard-dist-'));
    await mkdir(path.join(dist, 'assets'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Tunefleet</title><div id="app"></div>');
    await writeFile(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  });
  afterAll(() => rm(dist, { recursive: true, force: true }));

  it('serves index.html at / without long-term caching', async () => {
    const app = await appServing(dist);
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('<div id="app">');
    await app.close();
  });

  it('serves content-hashed assets as immutable', async () => {
    const app = await appServing(dist);
    const res = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
    await app.close();
  });

  it('leaves API routes and unknown paths alone (no fallback to index.html)', async () => {
    const app = await appServing(dist);
    expect((await app.inject({ method: 'GET', url: '/studies' })).json()).toEqual({ items: [] });
    expect((await app.inject({ method: 'GET', url: '/studies/123/whatever' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/assets/../../etc/passwd' })).statusCode).toBe(404);
    await app.close();
  });

  it('answers 503 naming the build command when the dashboard is not built', async () => {
    const app = await appServing(path.join(dist, 'missing'));
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ statusCode: 503, code: 'DASHBOARD_NOT_BUILT' });
    expect(res.json().message).toContain(DASHBOARD_BUILD_COMMAND);
    await app.close();
  });
});
