/**
 * Prometheus metrics of the api. A registry per app instance (not prom-client's global one), so
 * tests can build several apps in one process. Study, trial and worker gauges are read from
 * Postgres when scraped: the database is the truth, and nothing here can drift from it.
 */
import type { Db } from '@tunefleet/db';
import { TRIAL_STATES } from '@tunefleet/search';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { STUDY_STATUSES } from './schemas/studies.js';

export interface ApiMetrics {
  readonly registry: Registry;
  /** Records one answered request; `route` is the route's template (`/studies/:id`), never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
}

export interface MetricsOptions {
  readonly db: Db;
  readonly heartbeatTimeoutMs: number;
  readonly now: () => Date;
}

export function createMetrics({ db, heartbeatTimeoutMs, now }: MetricsOptions): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tunefleet_api_' });

  const requests = new Histogram({
    name: 'tunefleet_api_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  new Gauge({
    name: 'tunefleet_studies',
    help: 'Studies by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const groups = await db.study.groupBy({ by: ['status'], _count: { _all: true } });
      for (const status of STUDY_STATUSES) this.set({ status }, 0);
      for (const g of groups) this.set({ status: g.status }, g._count._all);
    },
  });

  new Gauge({
    name: 'tunefleet_trials',
    help: 'Trials by state, over all studies',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const groups = await db.trial.groupBy({ by: ['state'], _count: { _all: true } });
      for (const state of TRIAL_STATES) this.set({ state }, 0);
      for (const g of groups) this.set({ state: g.state }, g._count._all);
    },
  });

  new Gauge({
    name: 'tunefleet_workers_alive',
    help: 'Workers whose last heartbeat is younger than WORKER_HEARTBEAT_TIMEOUT_MS',
    registers: [registry],
    async collect() {
      const since = new Date(now().getTime() - heartbeatTimeoutMs);
      this.set(await db.worker.count({ where: { lastHeartbeatAt: { gte: since } } }));
    },
  });

  return {
    registry,
    observeRequest(method, route, statusCode, seconds) {
      requests.observe({ method, route, status_code: String(statusCode) }, seconds);
    },
  };
}
