import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { whileDatabaseUnavailable } from '../src/database-wait.js';

const log = pino({ level: 'silent' });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('whileDatabaseUnavailable', () => {
  it('repeats the work while the database is unreachable and returns its result once it answers', async () => {
    let calls = 0;
    const result = await whileDatabaseUnavailable(
      async () => {
        calls += 1;
        if (calls < 4) throw refused();
        return 'handled';
      },
      { log, signal: new AbortController().signal, firstDelayMs: 1, maxDelayMs: 2 },
    );
    expect(result).toBe('handled');
    expect(calls).toBe(4);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    const failing = whileDatabaseUnavailable(
      async () => {
        calls += 1;
        throw new Error('bug');
      },
      { log, signal: new AbortController().signal, firstDelayMs: 1 },
    );
    await expect(failing).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });

  it('gives up with the database error when the scheduler stops', async () => {
    const stop = new AbortController();
    let calls = 0;
    const waiting = whileDatabaseUnavailable(
      async () => {
        calls += 1;
        if (calls === 2) stop.abort();
        throw refused();
      },
      { log, signal: stop.signal, firstDelayMs: 1 },
    );
    await expect(waiting).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(calls).toBe(2);
  });
});
