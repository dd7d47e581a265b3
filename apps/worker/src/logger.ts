import { type Logger, pino } from 'pino';
import type { Config } from './config.js';

/** Redis URLs can carry a password; they never reach a log line. */
export const REDACT_PATHS = ['*.password', '*.redisUrl', 'redisUrl'];

/** The process's one pino root (STYLE §2.10): JSON to stdout. */
export function createLogger(config: Pick<Config, 'logLevel' | 'workerId'>, version = '0.1.0'): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'worker', version, workerId: config.workerId },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}
