/**
 * A redis-server of the test's own, on a free port and the addresses the test names (the shared
 * Redis listens on loopback only, so hosts in other network namespaces cannot reach it). It keeps
 * nothing on disk and dies with the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export interface PrivateRedis {
  readonly port: number;
  /** `redis://<address>:<port>` for each address it listens on. */
  url(address?: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
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
