import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.js';

/**
 * Paths never written to logs: the API key in request headers (and cookies, should a proxy add
 * them), and keys, passwords and connection URLs (which carry credentials) wherever they appear in
 * a logged object.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  'password',
  '*.apiKey',
  'apiKey',
  '*.databaseUrl',
  'databaseUrl',
  '*.redisUrl',
  'redisUrl',
];

/** The process's one pino root (STYLE §2.10): JSON to stdout, request logs and app logs in one stream. */
export function createLogger(config: Pick<Config, 'logLevel'>, version = '0.1.0', destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'api', version },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
