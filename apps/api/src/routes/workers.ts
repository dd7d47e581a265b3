import { errorResponses } from '../schemas/common.js';
import { WorkerListSchema } from '../schemas/workers.js';
import { type App, type RouteDeps, security } from '../route-deps.js';

/** Workers as known from their heartbeats; alive = a heartbeat within WORKER_HEARTBEAT_TIMEOUT_MS. */
export default async function workerRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { stores, auth, config, now } = deps;
  app.get(
    '/workers',
    {
      onRequest: auth.read,
      schema: {
        tags: ['workers'],
        summary: 'Training workers, most recent heartbeat first',
        ...security(auth.readRequiresKey),
        response: { 200: WorkerListSchema, ...errorResponses(401) },
      },
    },
    async () => {
      const at = now().getTime();
      const timeout = config.workerHeartbeatTimeoutMs;
      const items = (await stores.workers.list()).map((w) => {
        const heartbeatAgeMs = Math.max(0, at - w.lastHeartbeatAt.getTime());
        return {
          id: w.id,
          host: w.host,
          backend: w.backend,
          gpu: w.gpu,
          currentTrialId: w.currentTrialId,
          firstSeenAt: w.firstSeenAt.toISOString(),
          lastHeartbeatAt: w.lastHeartbeatAt.toISOString(),
          heartbeatAgeMs,
          alive: heartbeatAgeMs < timeout,
        };
      });
      return { heartbeatTimeoutMs: timeout, alive: items.filter((w) => w.alive).length, items };
    },
  );
}
