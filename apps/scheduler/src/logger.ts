import { type Logger, pino } from 'pino';
import type { Config } from './config.js';

/** Database URLs carry credentials; they never reach a log line. */
export const REDACT_PATHS = ['*.password', '*.databaseUrl', 'databaseUrl', '*.redisUrl', 'redisUrl'];

/** The process's one pino root (STYLE §2.10): JSON to stdout. */
export function createLogger(config: Pick<Config, 'logLevel'>, version = '0.1.0'): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'scheduler', version },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}
