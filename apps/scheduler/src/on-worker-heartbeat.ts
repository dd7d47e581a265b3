import type { WorkerHeartbeatEvent } from '@tunefleet/contracts';
import type { SchedulerContext } from './context.js';

/**
 * `heartbeat`: upserts the worker's row. The time is the scheduler's clock, not the sender's, so
 * liveness comparisons in reconcile never mix two clocks.
 */
export async function onWorkerHeartbeat(ctx: SchedulerContext, event: WorkerHeartbeatEvent): Promise<void> {
  await ctx.stores.workers.heartbeat({
    id: event.workerId,
    host: event.host,
    backend: event.backend,
    gpu: event.gpu ?? null,
    trialId: event.trialId ?? null,
    at: ctx.now(),
  });
}
