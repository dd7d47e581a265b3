import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { bearerToken, createAuth } from '../src/auth.js';
import { UnauthorizedError } from '../src/errors.js';

const KEY = 'correct-horse-battery-staple';
const request = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as FastifyRequest;

describe('auth', () => {
  it('reads a bearer token and nothing else', () => {
    expect(bearerToken(`Bearer ${KEY}`)).toBe(KEY);
    expect(bearerToken(`bearer ${KEY}`)).toBe(KEY);
    expect(bearerToken(`Basic ${KEY}`)).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('accepts only the configured key on writes, and leaves reads open by default', async () => {
    const auth = createAuth({ apiKey: KEY, readRequiresKey: false });
    await expect(auth.write(request(`Bearer ${KEY}`))).resolves.toBeUndefined();
    for (const header of [undefined, `Bearer ${KEY}!`, `Bearer ${KEY.slice(1)}`, 'Bearer ']) {
      await expect(auth.write(request(header))).rejects.toBeInstanceOf(UnauthorizedError);
    }
    await expect(auth.read(request())).resolves.toBeUndefined();
  });

  it('guards reads when asked, and guards nothing without a key', async () => {
    await expect(createAuth({ apiKey: KEY, readRequiresKey: true }).read(request())).rejects.toBeInstanceOf(UnauthorizedError);
    const open = createAuth({ apiKey: null, readRequiresKey: false });
    await expect(open.write(request())).resolves.toBeUndefined();
    expect(open.writeRequiresKey).toBe(false);
  });
});
