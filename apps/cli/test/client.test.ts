import { describe, expect, it } from 'vitest';
import { apiErrorFrom, buildUrl, createApiClient } from '../src/client.js';
import { runCli } from '../src/cli.js';
import { ApiError, UnreachableError } from '../src/errors.js';
import { captureIo } from './capture-io.js';

const connection = { url: 'http://api.test', apiKey: 'k', apiKeySource: 'TUNEFLEET_API_KEY' } as const;

describe('buildUrl', () => {
  it('repeats array parameters and leaves out undefined ones', () => {
    expect(buildUrl('http://h:1', '/studies/x/trials', { state: ['COMPLETE', 'PRUNED'], limit: 5, after: undefined })).toBe(
      'http://h:1/studies/x/trials?state=COMPLETE&state=PRUNED&limit=5',
    );
  });
});

describe('apiErrorFrom', () => {
  it("keeps the api's code, message and issues", async () => {
    const body = { statusCode: 400, code: 'VALIDATION_FAILED', message: 'bad', issues: [{ field: 'querystring.limit', message: 'must be <= 500' }] };
    const err = await apiErrorFrom(new Response(JSON.stringify(body), { status: 400 }), connection);
    expect(err.lines()).toEqual(['error: bad (400 VALIDATION_FAILED)', '  querystring.limit: must be <= 500']);
  });

  it('says something useful about an answer that is not the api’s JSON', async () => {
    const err = await apiErrorFrom(new Response('<html>upstream down</html>', { status: 502, statusText: 'Bad Gateway' }), connection);
    expect(err).toMatchObject({ status: 502, code: 'Bad Gateway', message: '<html>upstream down</html>' });
    expect(err.hint).toContain('the api at http://api.test failed');
  });

  it('tells a route the server lacks from a missing study', async () => {
    const route = await apiErrorFrom(Response.json({ code: 'NOT_FOUND', message: 'route GET /nope not found' }, { status: 404 }), connection);
    expect(route.hint).toBe('http://api.test has no such route: is it a Tunefleet api of this version?');
    const study = await apiErrorFrom(Response.json({ code: 'NOT_FOUND', message: 'study x not found' }, { status: 404 }), connection);
    expect(study.hint).toBeUndefined();
  });
});

describe('createApiClient', () => {
  it('sends the key as a Bearer token and no content type on an empty POST', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const client = createApiClient(connection, async (url, init) => {
      seen.push({ url: String(url), headers: init?.headers as Record<string, string> });
      return Response.json({ id: 's', status: 'STOPPED' });
    });
    await client.post('/studies/s/stop');
    expect(seen).toEqual([{ url: 'http://api.test/studies/s/stop', headers: { accept: 'application/json', authorization: 'Bearer k' } }]);
  });

  it('gives up on an api that does not answer', async () => {
    const silent: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const client = createApiClient(connection, silent, 20);
    await expect(client.get('/studies')).rejects.toThrow(new UnreachableError('http://api.test', 'no answer within 0.02 s'));
  });

  it('turns an error answer into an ApiError', async () => {
    const client = createApiClient(connection, async () => Response.json({ code: 'UNAUTHORIZED', message: 'a valid API key is required' }, { status: 401 }));
    const err = await client.get('/workers').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).hint).toBe("the API key from TUNEFLEET_API_KEY was refused: it must equal the api's API_KEY");
  });
});

describe('watch, interrupted', () => {
  it('stops polling on Ctrl-C, finishes its line and exits 130', async () => {
    const controller = new AbortController();
    const running = {
      id: 's',
      status: 'RUNNING',
      maxTrials: 4,
      progress: { counts: { WAITING: 0, RUNNING: 1, PAUSED: 0, COMPLETE: 0, PRUNED: 0, FAILED: 0 }, total: 1, finished: 0, remaining: 4, best: null, meanTrialDurationMs: null, etaMs: null, elapsedMs: 0 },
    };
    let polls = 0;
    const io = captureIo({
      isTTY: true,
      columns: 200,
      signal: controller.signal,
      fetch: async (url) => {
        if (String(url).endsWith('/events')) return Response.json({ code: 'NOT_FOUND', message: 'route GET /studies/s/events not found' }, { status: 404 });
        if (++polls === 3) controller.abort();
        return Response.json(running);
      },
    });
    expect(await runCli(['watch', 's', '--interval', '0.05'], io)).toBe(130);
    expect(polls).toBe(3);
    expect(io.out().endsWith('running 1\n')).toBe(true);
    expect(io.err()).toBe('');
  });
});
