/**
 * The Kubernetes manifests in deploy/k8s, checked without a cluster: every object against the
 * Kubernetes (1.27) and KEDA JSON schemas of kubernetes-models, then what a schema cannot see:
 * labels and selectors agree, each env var is a setting the app reads, every secret and config key
 * exists, the autoscaler reads the queue the workers consume.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { QUEUES, bullmqPrefix } from '@tunefleet/contracts';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigSchema as ApiConfigSchema } from '../apps/api/src/config.js';
import { ConfigSchema as SchedulerConfigSchema } from '../apps/scheduler/src/config.js';
import { ConfigSchema as WorkerConfigSchema } from '../apps/worker/src/config.js';

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  readonly [field: string]: any;
}

const DIR = new URL('../deploy/k8s/', import.meta.url);

function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(new URL(file, DIR), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Manifest;
  });
}

const kustomization = readManifests('kustomization.yaml')[0]!;
const resourceFiles: string[] = kustomization.resources;
const manifests = resourceFiles.flatMap(readManifests);
const secretExample = readManifests('secret.example.yaml')[0]!;

/** The model class of an object's apiVersion and kind, from kubernetes-models or its KEDA package. */
async function modelClass(apiVersion: string, kind: string): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const module = group === 'keda.sh'
    ? `@kubernetes-models/keda/keda.sh/${version}/${kind}`
    : `kubernetes-models/${group === '' ? '' : `${group}/`}${version}/${kind}`;
  const loaded = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = loaded[kind];
  if (model === undefined) throw new Error(`no model for ${apiVersion} ${kind}`);
  return model;
}

function find(kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in ${resourceFiles.join(', ')}`);
  return found;
}

function containersOf(m: Manifest): any[] {
  return m.spec.template.spec.containers;
}

const configMap = find('ConfigMap', 'tunefleet-config');
const settingsOf: Record<string, readonly string[]> = {
  'tunefleet/api': Object.keys(ApiConfigSchema.properties),
  'tunefleet/scheduler': Object.keys(SchedulerConfigSchema.properties),
  'tunefleet/worker-gpu': Object.keys(WorkerConfigSchema.properties),
  'tunefleet/migrate': ['DATABASE_URL'],
};
const workloads = manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'Job');

describe('deploy/k8s', () => {
  it('lists every manifest of the folder in kustomization.yaml, the example secret aside', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
    expect([...resourceFiles].sort()).toEqual(files.sort());
    expect(kustomization.namespace).toBe('tunefleet');
  });

  it('validates every object against its Kubernetes or KEDA schema', async () => {
    expect(manifests.length).toBeGreaterThanOrEqual(10);
    for (const m of [...manifests, secretExample]) {
      const Model = await modelClass(m.apiVersion, m.kind);
      expect(() => new Model(m).validate(), `${m.kind} ${m.metadata.name}`).not.toThrow();
    }
  });

  it('rejects a malformed object, so the check above can fail', async () => {
    const api = structuredClone(find('Deployment', 'tunefleet-api'));
    api.spec.replicas = 'two';
    const Model = await modelClass(api.apiVersion, api.kind);
    expect(() => new Model(api).validate()).toThrow(/replicas/);
  });

  it('selects each workload by the labels of its own pods', () => {
    for (const d of manifests.filter((m) => m.kind === 'Deployment')) {
      const podLabels = d.spec.template.metadata.labels;
      for (const [key, value] of Object.entries(d.spec.selector.matchLabels)) expect(podLabels[key], d.metadata.name).toBe(value);
    }
    const service = find('Service', 'tunefleet-api');
    const api = find('Deployment', 'tunefleet-api');
    for (const [key, value] of Object.entries(service.spec.selector)) expect(api.spec.template.metadata.labels[key]).toBe(value);
    const portNames = containersOf(api).flatMap((c) => c.ports.map((p: { name: string }) => p.name));
    for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
  });

  it('sets only settings each app reads, from keys that exist', () => {
    const secretKeys = Object.keys(secretExample.stringData);
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        const settings = settingsOf[c.image];
        expect(settings, `image ${c.image}`).toBeDefined();
        for (const e of c.env ?? []) {
          expect(settings, `${w.metadata.name}: ${e.name}`).toContain(e.name);
          if (e.valueFrom?.secretKeyRef) {
            expect(e.valueFrom.secretKeyRef.name).toBe(secretExample.metadata.name);
            expect(secretKeys).toContain(e.valueFrom.secretKeyRef.key);
          }
          if (e.valueFrom?.configMapKeyRef) {
            expect(e.valueFrom.configMapKeyRef.name).toBe(configMap.metadata.name);
            expect(Object.keys(configMap.data)).toContain(e.valueFrom.configMapKeyRef.key);
          }
        }
        for (const from of c.envFrom ?? []) {
          expect(from.configMapRef.name).toBe(configMap.metadata.name);
          for (const key of Object.keys(configMap.data)) expect(settings, `${w.metadata.name}: ${key}`).toContain(key);
        }
      }
    }
  });

  it('runs one scheduler at a time and keeps the api probed', () => {
    const scheduler = find('Deployment', 'tunefleet-scheduler');
    expect(scheduler.spec.replicas).toBe(1);
    expect(scheduler.spec.strategy.type).toBe('Recreate');
    const [api] = containersOf(find('Deployment', 'tunefleet-api'));
    expect(api.readinessProbe.httpGet.path).toBe('/healthz');
  });

  it('gives each worker one GPU and time to hand its trial back on scale-down', () => {
    const worker = find('Deployment', 'tunefleet-worker');
    const [container] = containersOf(worker);
    expect(container.resources.limits['nvidia.com/gpu']).toBe('1');
    const graceMs = Number(container.env.find((e: { name: string }) => e.name === 'SHUTDOWN_GRACE_MS').value);
    expect(graceMs).toBeLessThan(worker.spec.template.spec.terminationGracePeriodSeconds * 1000);
    const claim = worker.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName;
    expect(find('PersistentVolumeClaim', claim).spec.accessModes).toContain('ReadOnlyMany');
  });

  it('scales the workers on the jobs waiting and in progress of the queue they consume', () => {
    const scaled = find('ScaledObject', 'tunefleet-worker');
    expect(find('Deployment', scaled.spec.scaleTargetRef.name).metadata.name).toBe('tunefleet-worker');
    const queueKey = `${bullmqPrefix(configMap.data.QUEUE_PREFIX)}:${QUEUES.trials}`;
    const lists = Object.fromEntries(scaled.spec.triggers.map((t: any) => [t.name, t.metadata.listName]));
    expect(lists).toEqual({ waiting: `${queueKey}:wait`, active: `${queueKey}:active` });
    expect(scaled.spec.advanced.scalingModifiers.formula).toBe('waiting + active');
    for (const t of scaled.spec.triggers) {
      const auth = find('TriggerAuthentication', t.authenticationRef.name);
      for (const ref of auth.spec.secretTargetRef) expect(Object.keys(secretExample.stringData)).toContain(ref.key);
    }
  });
});
