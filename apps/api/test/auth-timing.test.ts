import type { FastifyRequest } from 'fastify';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// Records every comparison the auth module makes, while still comparing for real.
const comparisons = vi.hoisted(() => [] as [Buffer, Buffer][]);
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: Buffer, b: Buffer) => {
      comparisons.push([Buffer.from(a), Buffer.from(b)]);
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const { createAuth } = await import('../src/auth.js');
const { UnauthorizedError } = await import('../src/errors.js');

const KEY = 'correct-horse-battery-staple';
const request = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as FastifyRequest;

describe('API key comparison', () => {
  beforeEach(() => {
    comparisons.length = 0;
  });

  it('compares 32-byte sha256 digests with timingSafeEqual whatever the length of the token, missing included', async () => {
    const auth = createAuth({ apiKey: KEY, readRequiresKey: false });
    const tokens = [undefined, 'Bearer x', `Bearer ${KEY.slice(0, -1)}`, `Bearer ${KEY}x`, `Bearer ${'k'.repeat(10_000)}`, 'Basic abc'];
    for (const header of tokens) await expect(auth.write(request(header))).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(auth.write(request(`Bearer ${KEY}`))).resolves.toBeUndefined();
    // One comparison per request, never a shortcut on length or on a missing token.
    expect(comparisons).toHaveLength(tokens.length + 1);
    for (const [a, b] of comparisons) {
      expect(a.length).toBe(32);
      expect(b.length).toBe(32);
    }
    // The expected side is the same digest every time, and is not the key itself.
    expect(new Set(comparisons.map(([, b]) => b.toString('hex'))).size).toBe(1);
    expect(comparisons[0][1].includes(Buffer.from(KEY))).toBe(false);
  });

  it('tells key holders apart for rate limiting with the same comparison', () => {
    const auth = createAuth({ apiKey: KEY, readRequiresKey: false });
    expect(auth.holdsKey(request(`Bearer ${KEY}`))).toBe(true);
    expect(auth.holdsKey(request(`Bearer ${KEY}!`))).toBe(false);
    expect(auth.holdsKey(request())).toBe(false);
    expect(comparisons).toHaveLength(3);
    expect(createAuth({ apiKey: null, readRequiresKey: false }).holdsKey(request(`Bearer ${KEY}`))).toBe(false);
  });
});
