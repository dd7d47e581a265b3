/**
 * Request rate limits (@fastify/rate-limit): RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS per
 * client, answered 429 with Retry-After in the api's error shape. A client is the API key when the
 * request carries it (its holders share one budget), else the caller's IP, so requests with made-up
 * keys cannot each get a fresh budget. /healthz and /metrics are never limited: probes and
 * scrapers must not be locked out by a busy client on the same address.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Auth } from './auth.js';
import type { Config } from './config.js';
import { errorBody } from './errors.js';
import type { App } from './route-deps.js';

export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/metrics']);

/** The bucket a request is counted in. */
export function rateLimitKey(request: FastifyRequest, auth: Pick<Auth, 'holdsKey'>): string {
  return auth.holdsKey(request) ? 'api-key' : `ip:${request.ip}`;
}

export async function registerRateLimit(app: App, config: Pick<Config, 'rateLimitMax' | 'rateLimitWindowMs'>, auth: Auth): Promise<void> {
  if (config.rateLimitMax === 0) return;
  await app.register(rateLimit, {
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    keyGenerator: (request) => rateLimitKey(request, auth),
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    // Thrown by the plugin and answered by the error handler, as a 4xx with its own code.
    errorResponseBuilder: (_request, context) =>
      errorBody(
        429,
        'RATE_LIMITED',
        `rate limit exceeded: at most ${context.max} requests per ${config.rateLimitWindowMs / 1000} s; retry after ${context.after}`,
      ),
  });
}
