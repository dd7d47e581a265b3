import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TrainerPool } from '../src/trainer-client.js';

const log = pino({ level: 'silent' });

describe('a lazy trainer pool', () => {
  it('forks no trainer process (so loads no tfjs) until its first loan', async () => {
    const pool = TrainerPool.lazy({ log }, 2);
    expect(pool.pids).toEqual([]);
    // Function objectives run in the worker process: the CPU, unless a backend is forced.
    expect(pool.backend).toBe('cpu');
    expect(pool.gpu).toBeUndefined();
    expect(TrainerPool.lazy({ log, backend: 'wasm' }, 1).backend).toBe('wasm');
    await pool.close();
    expect(pool.pids).toEqual([]);
  });

  it('refuses a size below one, as an eager pool does', () => {
    expect(() => TrainerPool.lazy({ log }, 0)).toThrow(RangeError);
  });
});
