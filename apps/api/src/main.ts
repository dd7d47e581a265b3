/** Process entry: config, logger, start, and shutdown on SIGINT/SIGTERM. Wiring only. */
import { pino } from 'pino';
import { type Config, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { start } from './start.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // No config yet, so no configured logger: a plain one for this single fatal line.
  pino({ base: { service: 'api' } }).fatal({ err }, 'invalid configuration; the api does not start');
  process.exit(1);
}

const log = createLogger(config);
try {
  const api = await start(config, { log });
  log.info({ url: api.url, auth: config.apiKey === null ? 'none' : 'api-key' }, 'api listening');
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api stopping');
    api.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'api stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (err) {
  log.fatal({ err }, 'api failed to start');
  process.exit(1);
}
