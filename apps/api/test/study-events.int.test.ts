import { type IncomingMessage, type ServerResponse, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect } from 'vitest';
import type { App } from '../src/route-deps.js';
import { createStudyEventHub } from '../src/routes/study-events.js';
import { studyDetail } from '../src/routes/studies.js';
import { createStudyRankingCache } from '../src/study-ranking-cache.js';
import { AUTH, apiTest, buildTestApi, functionStudyBody } from './helpers.js';

/** Reads an event stream, collecting frames, until `until` says so; then the caller decides what to do with the socket. */
function openStream(url: string): Promise<{ res: IncomingMessage; frames: () => string[]; next: (until: (frames: string[]) => boolean) => Promise<string[]> }> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let buffer = '';
      const done: string[] = [];
      let waiter: { until: (f: string[]) => boolean; resolve: (f: string[]) => void } | null = null;
      const check = () => {
        if (waiter && waiter.until(done)) {
          const w = waiter;
          waiter = null;
          w.resolve([...done]);
        }
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          done.push(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
        }
        check();
      });
      res.on('end', () => {
        done.push('<closed>');
        check();
      });
      resolve({
        res,
        frames: () => [...done],
        next: (until) =>
          new Promise((res2) => {
            waiter = { until, resolve: res2 };
            check();
          }),
      });
    });
    req.on('error', reject);
  });
}

/** The file's app, listening on an ephemeral port (once). */
async function addressOf(app: App): Promise<string> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

const progressOf = (frame: string) => JSON.parse(frame.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
const isProgress = (frame: string) => frame.startsWith('event: progress');

/** Resolves once `check` holds, polling every 20 ms (the hub's timers run on the real clock). */
async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('study events', () => {
  apiTest('streams the study page on connect and on change, then ends when the study is final', async ({ api, stores }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const address = await addressOf(api.app);
    const stream = await openStream(`${address}/studies/${studyId}/events`);
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.res.headers['x-request-id']).toBeTruthy();

    const [first] = await stream.next((f) => f.some(isProgress));
    const page = (await api.app.inject({ method: 'GET', url: `/studies/${studyId}` })).json();
    expect({ ...progressOf(first), progress: { ...progressOf(first).progress, elapsedMs: 0 } }).toEqual({
      ...page,
      progress: { ...page.progress, elapsedMs: 0 },
    });
    expect(api.app.studyEvents.watchedStudies()).toBe(1);

    const trial = await stores.trials.create(studyId, { params: { x1: 1, x2: 2 } });
    const changed = await stream.next((f) => f.filter(isProgress).length >= 2);
    expect(progressOf(changed.filter(isProgress)[1]).progress.counts.WAITING).toBe(1);

    await stores.trials.apply(trial.id, 'started');
    await stores.trials.apply(trial.id, 'completed', { objectiveValue: 0.4 });
    await stores.studies.finish(studyId, 'COMPLETE');
    const all = await stream.next((f) => f.includes('<closed>'));
    const last = all.filter(isProgress).at(-1) as string;
    expect(progressOf(last)).toMatchObject({ status: 'COMPLETE', progress: { best: { trialId: trial.id, value: 0.4 } } });
    expect(all.at(-2)).toBe(`event: end\ndata: ${JSON.stringify({ studyId, status: 'COMPLETE' })}`);
    await eventually(() => api.app.studyEvents.watchedStudies() === 0);
  });

  apiTest('shares one watcher per study and stops it when the last client disconnects', async ({ api }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const address = await addressOf(api.app);
    const a = await openStream(`${address}/studies/${studyId}/events`);
    const b = await openStream(`${address}/studies/${studyId}/events`);
    await a.next((f) => f.some(isProgress));
    await b.next((f) => f.some(isProgress));
    expect(api.app.studyEvents.watchedStudies()).toBe(1);
    a.res.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(api.app.studyEvents.watchedStudies()).toBe(1);
    b.res.destroy();
    await eventually(() => api.app.studyEvents.watchedStudies() === 0);
  });

  apiTest('answers 404 for an unknown study before streaming', async ({ api }) => {
    const res = await api.app.inject({ method: 'GET', url: '/studies/00000000-0000-4000-8000-000000000000/events' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });

  apiTest('ends open streams and stops polling when the app closes', async ({ db }) => {
    const own = await buildTestApi(db);
    const studyId = (await own.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    const address = await own.app.listen({ port: 0, host: '127.0.0.1' });
    const stream = await openStream(`${address}/studies/${studyId}/events`);
    await stream.next((f) => f.some(isProgress));
    await own.close();
    const frames = await stream.next((f) => f.includes('<closed>'));
    expect(frames.at(-2)).toBe(`event: end\ndata: ${JSON.stringify({ studyId, status: null })}`);
    expect(own.app.studyEvents.watchedStudies()).toBe(0);
  });

  apiTest('pings idle streams and reads the study row at most once per poll interval', async ({ api, db }) => {
    const studyId = (await api.app.inject({ method: 'POST', url: '/studies', headers: AUTH, payload: functionStudyBody() })).json().id;
    let pages = 0;
    const rankings = createStudyRankingCache(db);
    const hub = createStudyEventHub({
      db,
      log: pino({ level: 'silent' }),
      studyPage: (id) => {
        pages++;
        return studyDetail({ db, rankings, now: () => new Date() }, id);
      },
      pollMs: 50,
      pingMs: 120,
    });
    const written: string[] = [];
    // A writable stand-in for the response: the hub only writes to it, ends it and listens for 'close'.
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    hub.subscribe(studyId, sink as unknown as ServerResponse);
    await eventually(() => written.filter((w) => w === ': ping\n\n').length >= 2);
    // Unchanged study: the page was built once, however many polls ran.
    expect(pages).toBe(1);
    expect(written.filter((w) => w.startsWith('event: progress'))).toHaveLength(1);
    sink.emit('close');
    expect(hub.watchedStudies()).toBe(0);
    hub.close();
  });
});
