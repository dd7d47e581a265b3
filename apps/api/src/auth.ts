/**
 * Bearer API-key checks. Keys are compared as sha256 digests with `timingSafeEqual`: equal-length
 * buffers whatever the input, so neither the content nor the length of the configured key leaks
 * through response timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from './config.js';
import { UnauthorizedError } from './errors.js';

export type AuthHook = (request: FastifyRequest) => Promise<void>;

export interface Auth {
  /** onRequest hook of mutating routes. */
  readonly write: AuthHook;
  /** onRequest hook of read routes: checks the key only when READ_REQUIRES_KEY is set. */
  readonly read: AuthHook;
  /** Whether the request carries the configured key (rate limiting counts its holders together). */
  readonly holdsKey: (request: FastifyRequest) => boolean;
  /** Whether mutating routes require a key (for the OpenAPI `security` field). */
  readonly writeRequiresKey: boolean;
  readonly readRequiresKey: boolean;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match ? match[1] : null;
}

export function createAuth(config: Pick<Config, 'apiKey' | 'readRequiresKey'>): Auth {
  const open: AuthHook = async () => {};
  if (config.apiKey === null) {
    return { write: open, read: open, holdsKey: () => false, writeRequiresKey: false, readRequiresKey: false };
  }
  const expected = digest(config.apiKey);
  const holdsKey = (request: FastifyRequest): boolean => {
    const token = bearerToken(request.headers.authorization);
    // Digest even a missing token, so that a missing and a wrong key take the same path.
    return timingSafeEqual(digest(token ?? ''), expected) && token !== null;
  };
  const requireKey: AuthHook = async (request) => {
    if (!holdsKey(request)) throw new UnauthorizedError();
  };
  return {
    write: requireKey,
    holdsKey,
    read: config.readRequiresKey ? requireKey : open,
    writeRequiresKey: true,
    readRequiresKey: config.readRequiresKey,
  };
}
