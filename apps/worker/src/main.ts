/** Process entry: config, logger, start, and the hand-back on SIGINT/SIGTERM. Wiring only. */
import { pino } from 'pino';
import { type Config, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startWorker } from './start.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // No config yet, so no configured logger: a plain one for this single fatal line.
  pino({ base: { service: 'worker' } }).fatal({ err }, 'invalid configuration; the worker does not start');
  process.exit(1);
}

const log = createLogger(config);
try {
  const worker = await startWorker({ config, log });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal: the operator does not want to wait for the hand-back.
      log.warn({ signal }, 'worker exiting without waiting for the hand-back');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'worker stopping');
    worker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'worker stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (err) {
  log.fatal({ err }, 'worker failed to start');
  process.exit(1);
}
