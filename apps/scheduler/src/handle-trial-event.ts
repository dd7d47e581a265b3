/**
 * The `trial-events` consumer: validates each message against its contract and routes it. Every
 * handler is idempotent (deterministic job ids upstream, first-write-wins reports, `ignore` cells
 * of the lifecycle table), so redelivery is safe. Messages that can never succeed are dropped with
 * a log line; a database outage is waited out in place, so reports keep their order
 * (database-wait.ts); anything else is rethrown so BullMQ retries the job.
 */
import { ContractError, parseTrialEventMessage } from '@tunefleet/contracts';
import { DbInputError, NotFoundError } from '@tunefleet/db';
import { IllegalTransitionError } from '@tunefleet/search';
import type { SchedulerContext } from './context.js';
import { whileDatabaseUnavailable } from './database-wait.js';
import { onEpochReported } from './on-epoch-reported.js';
import { onTrialFinished } from './on-trial-finished.js';
import { onTrialStarted } from './on-trial-started.js';
import { onWorkerHeartbeat } from './on-worker-heartbeat.js';
import type { StudyLoop } from './study-loop.js';

export async function handleTrialEvent(ctx: SchedulerContext, loop: StudyLoop, data: unknown): Promise<void> {
  let message;
  try {
    message = parseTrialEventMessage(data);
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    ctx.log.error({ err, issues: err.issues }, 'trial event dropped: invalid message');
    return;
  }
  const checked = message;
  const route = async (): Promise<void> => {
    switch (checked.type) {
      case 'started':
        return onTrialStarted(ctx, checked);
      case 'epoch':
        return onEpochReported(ctx, loop, checked);
      case 'finished':
        return onTrialFinished(ctx, loop, checked);
      case 'heartbeat':
        return onWorkerHeartbeat(ctx, checked);
    }
  };
  try {
    await whileDatabaseUnavailable(route, { log: ctx.log, signal: ctx.shutdown });
  } catch (err) {
    if (err instanceof NotFoundError) {
      ctx.log.warn({ type: message.type, entity: err.entity, id: err.id }, 'trial event dropped: unknown trial or study');
      return;
    }
    if (err instanceof DbInputError) {
      // A value the contract allows but the database cannot hold (e.g. a trial id that is no UUID).
      ctx.log.warn({ err, type: message.type }, 'trial event dropped: unstorable value');
      return;
    }
    if (err instanceof IllegalTransitionError) {
      // Nobody asked for this transition (e.g. a trial stopped without a stop key): a bug upstream.
      ctx.log.error({ err, type: message.type }, 'trial event dropped: illegal transition');
      return;
    }
    throw err;
  }
}
