/** Process entry: config, logger, start, and shutdown on SIGINT/SIGTERM. Wiring only. */
import { pino } from 'pino';
import { type Config, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startScheduler } from './start.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // No config yet, so no configured logger: a plain one for this single fatal line.
  pino({ base: { service: 'scheduler' } }).fatal({ err }, 'invalid configuration; the scheduler does not start');
  process.exit(1);
}

const log = createLogger(config);
try {
  const scheduler = await startScheduler({ config, log });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'scheduler stopping');
    scheduler.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'scheduler stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (err) {
  log.fatal({ err }, 'scheduler failed to start');
  process.exit(1);
}
