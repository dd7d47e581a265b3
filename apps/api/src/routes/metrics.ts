import type { ApiMetrics } from '../metrics.js';
import type { App } from '../route-deps.js';

/** Prometheus exposition of the app's registry. */
export default async function metricsRoutes(app: App, { metrics }: { metrics: ApiMetrics }): Promise<void> {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).send(body);
    },
  );
}
