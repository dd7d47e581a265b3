/**
 * Private Redis and Postgres servers for the chaos scenarios that break a server. The shared
 * servers (5432, 6379) serve every other test and engineer, so a scenario that kills, restarts,
 * freezes or fills a server starts its own on a free port and hands its URL to the fleet.
 *
 * Redis runs as a child process (`--save ""`, no AOF), so SIGKILL loses everything, as a crashed
 * cache without persistence would; `shutdownSaving()` writes an RDB snapshot first so a restart
 * keeps the data (the "unreachable, then back" fault). SIGSTOP freezes it with its sockets open,
 * the harder case for clients: connections hang instead of being refused.
 *
 * Postgres is a throw-away cluster: initdb runs once into a template folder that later runs
 * reuse, each server copies it (initdb takes seconds, a copy milliseconds), and `pg_ctl` starts
 * and stops it. Postgres refuses to run as root, so as root the binaries run as the `postgres` OS user.
 * fsync is off: a `-m immediate` stop still exercises crash recovery (the WAL is replayed), and
 * the page cache survives because the machine does not crash; commits stay synchronous.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, rmSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../../e2e/helpers/free-port.js';

const run = promisify(execFile);


async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Servers not yet closed, killed synchronously if the test process exits without closing them. */
const open = new Set<{ killNow(): void }>();
process.once('exit', () => {
  for (const server of open) server.killNow();
});

// ---------------------------------------------------------------------------------------------
// Redis

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Whether the server process is running (it may still be frozen by `freeze()`). */
  isRunning(): boolean;
  /** SIGKILL: the server and every key are gone (no persistence). */
  kill(): Promise<void>;
  /** SHUTDOWN SAVE: the server stops and its keys are written to disk for the next `start()`. */
  shutdownSaving(): Promise<void>;
  /** Starts the server again on the same port (with the saved keys, if `shutdownSaving()` stopped it). */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open but answers nothing. */
  freeze(): void;
  /** SIGCONT after `freeze()`. */
  thaw(): void;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'tunefleet-chaos-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const ping = async (): Promise<boolean> => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  };

  const start = async (): Promise<void> => {
    if (child !== undefined) throw new Error(`redis on port ${port} is already running`);
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--dbfilename', 'dump.rdb'],
      { stdio: 'ignore' },
    );
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    void exited.then(() => {
      if (child === proc) child = undefined;
    });
    await waitUntil(`redis did not answer on port ${port}`, 10_000, ping);
  };

  const kill = async (): Promise<void> => {
    if (child === undefined) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
    // Nothing from an earlier saving shutdown may come back: a killed server restarts empty.
    await rm(path.join(dir, 'dump.rdb'), { force: true });
  };

  const handle: PrivateRedis & { killNow(): void } = {
    port,
    url,
    isRunning: () => child !== undefined,
    kill,
    async shutdownSaving() {
      if (child === undefined) return;
      const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      // The server closes the connection as it exits, so the reply never comes.
      await client.call('SHUTDOWN', 'SAVE').catch(() => undefined);
      client.disconnect();
      await exited;
    },
    start,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    async close() {
      await kill();
      open.delete(handle);
      await rm(dir, { recursive: true, force: true });
    },
    killNow() {
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  open.add(handle);
  await start();
  return handle;
}

// ---------------------------------------------------------------------------------------------
// Postgres

const PG_BIN = process.env.TUNEFLEET_PG_BIN || '/usr/lib/postgresql/15/bin';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a Postgres binary as the user that may run it (`postgres` when we are root). */
function pgCommand(binary: string, args: readonly string[]): [string, string[]] {
  const file = path.join(PG_BIN, binary);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, [...args]];
}

async function pgRun(binary: string, args: readonly string[]): Promise<string> {
  const [file, argv] = pgCommand(binary, args);
  try {
    const { stdout } = await run(file, argv, { maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`${binary} ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: err });
  }
}

/** Gives a folder to the `postgres` user when we are root (initdb and postgres refuse other owners). */
function ownByPostgres(dir: string): void {
  if (!isRoot) return;
  const { uid, gid } = postgresIds();
  chownSync(dir, uid, gid);
}

let postgresUser: { uid: number; gid: number } | undefined;
function postgresIds(): { uid: number; gid: number } {
  if (postgresUser === undefined) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('there is no postgres OS user to run Postgres as');
    postgresUser = { uid, gid };
  }
  return postgresUser;
}

async function chownTree(dir: string): Promise<void> {
  if (!isRoot) return;
  const { uid, gid } = postgresIds();
  await run('chown', ['-R', `${uid}:${gid}`, dir]);
}

/** A folder of our own that the postgres user can enter (tmpdir itself is world-writable). */
async function postgresOwnedTmp(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  ownByPostgres(dir);
  return dir;
}

let template: Promise<string> | undefined;

/**
 * The initdb'd cluster folder every private server copies. It lives at a fixed path per Postgres
 * binary folder and is reused by later runs (initdb costs seconds, a copy milliseconds), so
 * nothing is left behind per run: it is built in a folder of its own and renamed into place, so a
 * concurrent run either wins the rename or uses the winner's, and a half-built one is never seen.
 */
function templateCluster(): Promise<string> {
  template ??= (async () => {
    const key = createHash('sha256').update(PG_BIN).digest('hex').slice(0, 8);
    const stable = path.join(tmpdir(), `tunefleet-chaos-pgtemplate-${key}`);
    const data = path.join(stable, 'data');
    if (existsSync(path.join(data, 'PG_VERSION'))) return data;
    const building = await postgresOwnedTmp('tunefleet-chaos-pgbuild-');
    try {
      await pgRun('initdb', ['-D', path.join(building, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
      try {
        await rename(building, stable);
      } catch (err) {
        // Another run renamed its template into place first.
        if (!existsSync(path.join(data, 'PG_VERSION'))) throw err;
      }
    } finally {
      await rm(building, { recursive: true, force: true });
    }
    return data;
  })();
  template.catch(() => {
    template = undefined;
  });
  return template;
}

export interface PrivatePostgresOptions {
  /** `max_connections` of the server (default 100). */
  readonly maxConnections?: number;
}

export interface PrivatePostgres {
  readonly port: number;
  /**
   * The server's `postgres` database: pass it as `startChaosFleet`'s `postgresServerUrl`, which
   * migrates a template database here with packages/db's runner and clones the fleet's database
   * from it, as on the shared server.
   */
  readonly serverUrl: string;
  readonly maxConnections: number;
  isRunning(): boolean;
  /** `pg_ctl stop -m immediate`: every backend dies at once, recovery runs at the next start. */
  stopImmediate(): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl restart -m immediate`. */
  restartImmediate(): Promise<void>;
  /**
   * Opens connections until the server refuses more (`too many clients`), then ends every other
   * client's connection and keeps taking each slot that frees up, so clients that had connections
   * must reconnect to a full server; holds all of it idle for `holdMs`, then closes its own
   * connections. Resolves with how many it held at most.
   */
  exhaustConnections(holdMs: number): Promise<number>;
  /** Stops the server and removes its cluster folder. */
  close(): Promise<void>;
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const maxConnections = options.maxConnections ?? 100;
  const source = await templateCluster();
  const port = await freePort();
  const root = await postgresOwnedTmp('tunefleet-chaos-pg-');
  const data = path.join(root, 'data');
  await cp(source, data, { recursive: true });
  await chownTree(data);
  const serverUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const settings = [
    `-p ${port}`,
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=${root}`,
    `-c max_connections=${maxConnections}`,
    // Safe without fsync only because the machine itself never crashes: a killed server's writes
    // are in the page cache. synchronous_commit stays on, or an immediate stop would lose commits
    // still in the WAL buffers, which no real deployment does.
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  let running = false;

  const start = async (): Promise<void> => {
    await pgRun('pg_ctl', ['-D', data, '-l', path.join(root, 'server.log'), '-o', settings, '-w', '-t', '30', 'start']);
    running = true;
  };
  const stopImmediate = async (): Promise<void> => {
    if (!running) return;
    await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    running = false;
  };

  const handle: PrivatePostgres & { killNow(): void } = {
    port,
    serverUrl,
    maxConnections,
    isRunning: () => running,
    stopImmediate,
    start,
    async restartImmediate() {
      await pgRun('pg_ctl', ['-D', data, '-l', path.join(root, 'server.log'), '-o', settings, '-m', 'immediate', '-w', '-t', '30', 'restart']);
      running = true;
    },
    async exhaustConnections(holdMs) {
      const clients: pg.Client[] = [];
      /** Opens connections until refused; returns how many it opened. */
      const fill = async (): Promise<number> => {
        let opened = 0;
        for (;;) {
          const client = new pg.Client({ connectionString: serverUrl });
          client.on('error', () => undefined);
          try {
            await client.connect();
          } catch (err) {
            // 53300: too_many_connections; anything else is a real problem.
            if ((err as { code?: string }).code === '53300') return opened;
            throw err;
          }
          clients.push(client);
          opened += 1;
        }
      };
      try {
        await fill();
        if (clients.length === 0) throw new Error('no connection could be opened to fill the server');
        const mine = (await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid)));
        await clients[0]!.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND NOT (pid = ANY($1::int[]))`,
          [mine],
        );
        const deadline = Date.now() + holdMs;
        while (Date.now() < deadline) {
          await fill();
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        return clients.length;
      } finally {
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      }
    },
    async close() {
      await stopImmediate().catch(() => undefined);
      open.delete(handle);
      await rm(root, { recursive: true, force: true });
    },
    killNow() {
      if (running) {
        const [file, argv] = pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        spawnSync(file, argv, { stdio: 'ignore' });
      }
      if (existsSync(root)) rmSync(root, { recursive: true, force: true });
    },
  };
  open.add(handle);
  try {
    await start();
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}
