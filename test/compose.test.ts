import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs in CI, so the compose file is checked by reading it.
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'));
const services = compose.services as Record<string, any>;

describe('docker-compose.yml', () => {
  it('declares the whole fleet', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis', 'scheduler', 'worker']);
  });

  it('gives postgres and redis healthchecks that the apps wait for', () => {
    expect(services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(services.redis.healthcheck.test.join(' ')).toContain('ping');
    for (const app of ['api', 'scheduler']) {
      expect(services[app].depends_on.postgres.condition).toBe('service_healthy');
      expect(services[app].depends_on.redis.condition).toBe('service_healthy');
      expect(services[app].depends_on.migrate.condition).toBe('service_completed_successfully');
    }
    expect(services.worker.depends_on.redis.condition).toBe('service_healthy');
  });

  it('runs migrations once, before the apps', () => {
    expect(services.migrate.restart).toBe('no');
    expect(services.migrate.depends_on.postgres.condition).toBe('service_healthy');
  });

  it('publishes only the api port', () => {
    const published = Object.entries(services).filter(([, s]) => s.ports).map(([name]) => name);
    expect(published).toEqual(['api']);
    expect(services.api.ports).toEqual(['3000:3000']);
  });

  it('reserves one NVIDIA GPU per worker and leaves the worker scalable', () => {
    const [device] = services.worker.deploy.resources.reservations.devices;
    expect(device).toMatchObject({ driver: 'nvidia', count: 1, capabilities: ['gpu'] });
    // A fixed container name or a published port would stop `--scale worker=N`.
    expect(services.worker.container_name).toBeUndefined();
    expect(services.worker.ports).toBeUndefined();
  });

  it('never gives the worker database credentials', () => {
    expect(services.worker.environment.DATABASE_URL).toBeUndefined();
    expect(services.worker.environment.REDIS_URL).toMatch(/^redis:\/\//);
  });

  it('builds every app from a Dockerfile that exists', () => {
    for (const name of ['migrate', 'api', 'scheduler', 'worker']) {
      const file = services[name].build.dockerfile as string;
      expect(() => readFileSync(new URL(`../${file}`, import.meta.url))).not.toThrow();
    }
  });
});
