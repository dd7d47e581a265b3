import { type Logger, pino } from 'pino';
import type { Config } from './config.js';

/**
 * Paths never written to logs: the API key in request headers, and passwords and database URLs
 * (which carry credentials) wherever they appear in a logged object.
 */
export const REDACT_PATHS = ['req.headers.authorization', '*.password', '*.databaseUrl', 'databaseUrl'];

/** The process's one pino root (STYLE §2.10): JSON to stdout, request logs and app logs in one stream. */
export function createLogger(config: Pick<Config, 'logLevel'>, version = '0.1.0'): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'api', version },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}
