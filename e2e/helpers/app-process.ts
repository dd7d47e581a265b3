/**
 * One Tunefleet app (api, scheduler or worker) as a real child process: its own `main.ts` run
 * from source through tsx, exactly as `pnpm --filter @tunefleet/<app> start` runs it, with the
 * environment as its only configuration.
 *
 * The child is started as `node --import tsx` rather than through the `tsx` CLI, so that the pid
 * we hold is the app itself: a `kill -9` reaches the app and not a wrapper, and a SIGTERM is
 * delivered once (the CLI would relay a second copy, which the worker reads as "exit without
 * the hand-back"). Each child leads its own process group, so a Ctrl-C in the terminal reaches
 * only the script that owns the fleet, which then stops the apps in order; the group also lets
 * `stop()` remove anything the app started (the worker's trainer processes) if it hangs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type AppName = 'api' | 'scheduler' | 'worker';

/** A parsed pino line of the child's stdout. */
export interface LogLine {
  readonly level?: number;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export interface StartAppOptions {
  readonly app: AppName;
  /** A label for messages and the log file name (`worker-1`); defaults to the app name. */
  readonly name?: string;
  /** The child's whole environment (nothing is inherited unless the caller passes it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The pino `msg` that says the app is ready (`api listening`, `scheduler started`, `worker started`). */
  readonly readyMessage: string;
  /** ms to wait for `readyMessage`; start-up includes compiling the sources and, for a worker, loading tfjs. */
  readonly readyTimeoutMs?: number;
  /** File receiving the child's stdout and stderr; none when undefined. */
  readonly logFile?: string;
  /** Called with every JSON log line (after the ready line too). */
  readonly onLog?: (line: LogLine) => void;
  /**
   * A command that runs node for the app, e.g. `['ip', 'netns', 'exec', 'host-2']` to start it on
   * another test host. It must exec node in place, so that the pid is the app's.
   */
  readonly commandPrefix?: readonly string[];
}

export interface AppProcess {
  readonly name: string;
  readonly app: AppName;
  readonly pid: number;
  /** The ready line (the api's carries its `url`). */
  readonly ready: LogLine;
  /** Resolves with the exit code or signal once the app has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** The last lines the app wrote, for error messages. */
  logTail(lines?: number): string;
  /**
   * SIGTERM (the app's graceful shutdown), then SIGKILL to its whole process group after
   * `graceMs`; afterwards anything still left in the group is killed too.
   */
  stop(graceMs?: number): Promise<void>;
  /** Sends `signal` to the app process alone (a `kill -9` of the app, not of its group). */
  kill(signal: NodeJS.Signals): void;
  /** SIGKILL to every process of the app's group, synchronously (for exit hooks). */
  killGroup(): void;
}

const TAIL_LINES = 40;

/** tsx's loader (for `node --import`), resolved from the repository root, where tsx is a dev dependency. */
export function tsxImport(): string {
  return pathToFileURL(createRequire(path.join(REPO_ROOT, 'package.json')).resolve('tsx')).href;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already empty.
  }
}

/** Process groups of the apps this process started that may still be alive (from spawn on). */
const spawned = new Set<number>();
let exitHookInstalled = false;

/**
 * SIGKILLs every app this process started that has not been stopped, with everything it started.
 * For a script interrupted while apps are still starting, and for exit: a detached app outlives
 * the process that started it otherwise.
 */
export function killAllApps(): void {
  for (const pid of spawned) killGroup(pid);
  spawned.clear();
}

/** Starts the app and resolves once it logged `readyMessage`; rejects (and kills it) otherwise. */
export async function startApp(options: StartAppOptions): Promise<AppProcess> {
  const name = options.name ?? options.app;
  const entry = path.join(REPO_ROOT, 'apps', options.app, 'src', 'main.ts');
  const [command, ...args] = [...(options.commandPrefix ?? []), process.execPath, '--conditions=source', '--import', tsxImport(), entry];
  const child: ChildProcess = spawn(command!, args, {
    cwd: path.join(REPO_ROOT, 'apps', options.app),
    env: Object.fromEntries(Object.entries(options.env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) {
    throw new Error(`${name}: the process could not be started`);
  }
  const pid = child.pid;
  spawned.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killAllApps);
  }
  const tail: string[] = [];
  const file: WriteStream | undefined = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  void closed.then(() => file?.end());

  let onReady: ((line: LogLine) => void) | undefined;
  const remember = (text: string): void => {
    tail.push(text);
    if (tail.length > TAIL_LINES) tail.shift();
    file?.write(`${text}\n`);
  };
  createInterface({ input: child.stdout! }).on('line', (text) => {
    remember(text);
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    if (line.msg === options.readyMessage) onReady?.(line);
    options.onLog?.(line);
  });
  createInterface({ input: child.stderr! }).on('line', remember);

  const handle = {
    name,
    app: options.app,
    pid,
    exited,
    hasExited: () => exitInfo !== undefined,
    logTail: (lines = TAIL_LINES) => tail.slice(-lines).join('\n'),
    kill(signal: NodeJS.Signals) {
      if (exitInfo === undefined) child.kill(signal);
    },
    killGroup: () => killGroup(pid),
    async stop(graceMs = 30_000) {
      if (exitInfo === undefined) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), graceMs);
        });
        if ((await Promise.race([exited, late])) === 'late') killGroup(pid);
        clearTimeout(timer);
        await exited;
      }
      // A trainer process, say, that outlived its worker.
      if (groupAlive(pid)) killGroup(pid);
      spawned.delete(pid);
      await closed;
    },
  };

  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  try {
    const ready = await new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not log '${options.readyMessage}' within ${timeoutMs} ms`)), timeoutMs);
      onReady = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited during start-up (code ${code}, signal ${signal})`));
      });
    });
    onReady = undefined;
    return { ...handle, ready };
  } catch (err) {
    await handle.stop(2_000);
    throw new Error(`${(err as Error).message}; its last output:\n${handle.logTail()}`, { cause: err });
  }
}
