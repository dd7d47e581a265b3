/**
 * A redis-server of the test's own, on a free port and the addresses the test names (the shared
 * Redis listens on loopback only, so hosts in other network namespaces cannot reach it). It keeps
 * nothing on disk and dies with the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface PrivateRedis {
  readonly port: number;
  /** `redis://<address>:<port>` for each address it listens on. */
  url(address?: string): string;
  stop(): Promise<void>;
}


export async function startPrivateRedis(addresses: readonly string[] = ['127.0.0.1']): Promise<PrivateRedis> {
  const port = await freePort();
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', ...addresses, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(server, 'exit');
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
  };
  const probe = new Redis({ host: addresses[0], port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused connections while the server starts are expected; connect() reports them.
  probe.on('error', () => undefined);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch (err) {
        if (attempt >= 50 || server.exitCode !== null) throw new Error(`redis-server on port ${port} did not start: ${output}`, { cause: err });
        await sleep(100);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.disconnect();
  }
  return { port, url: (address = addresses[0]!) => `redis://${address}:${port}`, stop };
}

export interface PrivateRedisCluster {
  /** `redis-cluster://127.0.0.1:<port>,…` naming every node. */
  readonly url: string;
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `nodes` masters on loopback (no replicas), slots spread by `redis-cli
 * --cluster create`; resolves once every node reports `cluster_state:ok`.
 */
export async function startPrivateRedisCluster(dir: string, nodes = 3): Promise<PrivateRedisCluster> {
  const servers: { port: number; process: ChildProcess; exited: Promise<unknown> }[] = [];
  const stop = async (): Promise<void> => {
    for (const s of servers) if (s.process.exitCode === null && s.process.signalCode === null) s.process.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
  };
  try {
    for (let i = 0; i < nodes; i++) {
      const port = await freePort();
      const server = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir],
        { stdio: 'ignore' },
      );
      servers.push({ port, process: server, exited: once(server, 'exit') });
    }
    const ports = servers.map((s) => s.port);
    const clients = ports.map((port) => new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }));
    for (const c of clients) c.on('error', () => undefined);
    try {
      for (const c of clients) {
        for (let attempt = 0; ; attempt++) {
          try {
            await c.connect();
            break;
          } catch (err) {
            if (attempt >= 50) throw new Error('a cluster node did not start', { cause: err });
            await sleep(100);
          }
        }
      }
      const create = spawn('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      create.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      create.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [code] = (await once(create, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`redis-cli --cluster create failed (${code}): ${output}`);
      for (let attempt = 0; ; attempt++) {
        const infos = await Promise.all(clients.map((c) => c.cluster('INFO') as Promise<string>));
        if (infos.every((info) => info.includes('cluster_state:ok'))) break;
        if (attempt >= 100) throw new Error(`the cluster did not reach cluster_state:ok: ${infos.join('\n')}`);
        await sleep(100);
      }
    } finally {
      for (const c of clients) c.disconnect();
    }
    return { url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
