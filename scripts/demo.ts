/**
 * `pnpm demo`: a small real study end to end. Checks Postgres and Redis, applies the migrations,
 * starts the api, the scheduler and two workers as child processes, submits a CIFAR-10 study over
 * HTTP, prints its progress and final leaderboard, and stops everything (also on Ctrl-C).
 *
 *   pnpm demo                 # DATABASE_URL / REDIS_URL, else the local defaults
 *   pnpm demo --keep-api      # leave the api running after the study, until Ctrl-C
 *
 * Settings (environment): DATABASE_URL, REDIS_URL, QUEUE_PREFIX, PORT (api, default 3000, any
 * free port if taken), DEMO_TRIALS (8), DEMO_TRAIN_SIZE (2000), DEMO_TIMEOUT_MS (900000), and
 * whatever the apps read themselves (TF_BACKEND, CIFAR10_DIR, LOG_LEVEL, ...).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ApiClient, createApiClient, type TrialDetail, type TrialSummary } from '../e2e/helpers/api-client.js';
import { killAllApps, REPO_ROOT, tsxImport } from '../e2e/helpers/app-process.js';
import { type Fleet, startFleet } from '../e2e/helpers/fleet.js';
import { smallCnnStudy } from '../e2e/helpers/small-cnn-study.js';
import { waitFor } from '../e2e/helpers/wait-for.js';

const DATABASE_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/tunefleet';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const TRIALS = Number(process.env.DEMO_TRIALS || 8);
const TRAIN_SIZE = Number(process.env.DEMO_TRAIN_SIZE || 2_000);
const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS || 15 * 60_000);
const KEEP_API = process.argv.includes('--keep-api');
const MAX_EPOCHS = 3;

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(`\n${message}\n`);
  process.exit(1);
};

/** Opens a TCP connection and, for Redis, sends PING; resolves with a reason when it fails. */
function probe(url: string, defaultPort: number, redis: boolean): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    let settled = false;
    const done = (reason: string | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(reason);
    };
    socket.once('close', () => done('the connection closed without an answer'));
    socket.setTimeout(3_000, () => done('no answer within 3 s'));
    socket.once('error', (err) => done((err as NodeJS.ErrnoException).code ?? err.message));
    socket.connect(Number(port || defaultPort), hostname.replace(/^\[|\]$/g, ''), () => {
      if (!redis) return done(null);
      socket.write('PING\r\n');
      // +PONG, or -NOAUTH when a password is set (the apps send it from the URL): either is Redis.
      socket.once('data', (reply) => done(/^(\+PONG|-NOAUTH)/.test(reply.toString()) ? null : `unexpected reply ${JSON.stringify(reply.toString().slice(0, 40))}`));
    });
  });
}

async function checkServices(): Promise<void> {
  const [pg, redis] = await Promise.all([probe(DATABASE_URL, 5432, false), probe(REDIS_URL, 6379, true)]);
  const missing: string[] = [];
  if (pg !== null) {
    missing.push(
      `Postgres is not reachable at ${new URL(DATABASE_URL).host} (${pg}; DATABASE_URL=${process.env.DATABASE_URL ? 'set' : 'unset, local default'}). Start it:\n` +
        `  local install:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start   (or: sudo service postgresql start)\n` +
        // docker-compose.yml keeps postgres inside the compose network (no published port).
        `  Docker:         docker run -d --name tunefleet-postgres -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15\n` +
        `  or point DATABASE_URL at a running server.`,
    );
  }
  if (redis !== null) {
    missing.push(
      `Redis is not reachable at ${new URL(REDIS_URL).host} (${redis}; REDIS_URL=${process.env.REDIS_URL ? 'set' : 'unset, local default'}). Start it:\n` +
        `  local install:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379   (or: sudo service redis-server start)\n` +
        `  Docker:         docker run -d --name tunefleet-redis -p 6379:6379 redis:7\n` +
        `  or point REDIS_URL at a running server.`,
    );
  }
  if (missing.length > 0) fail(`${missing.join('\n\n')}\n\n(bash scripts/setup.sh starts locally installed services and applies the migrations.)`);
}

/** Applies the migrations with the project's own runner (what `pnpm db:migrate` runs). */
async function migrate(): Promise<void> {
  const cli = path.join(REPO_ROOT, 'packages/db/src/migrate-cli.ts');
  const child = spawn(process.execPath, ['--conditions=source', '--import', tsxImport(), cli], {
    env: { ...process.env, DATABASE_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) fail(`Migrations failed on ${new URL(DATABASE_URL).host}${new URL(DATABASE_URL).pathname}:\n${output.trim()}`);
  say(`migrations: ${output.trim().split('\n').at(-1)}`);
}

/** PORT (default 3000) when it is free, else 0 (any free port). */
function apiPort(): Promise<number> {
  const wanted = Number(process.env.PORT || 3000);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(0));
    server.listen(wanted, '127.0.0.1', () => server.close(() => resolve(wanted)));
  });
}

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '-' : v.toFixed(digits));

function describeEpoch(trial: TrialSummary, e: TrialDetail['epochs'][number]): string {
  const speed = e.imagesPerSec === null ? '' : `, ${Math.round(e.imagesPerSec)} img/s`;
  return `  trial #${trial.number} epoch ${e.epoch}/${MAX_EPOCHS}: vloss ${fmt(e.vloss)} accuracy ${fmt(e.accuracy)} macro-F1 ${fmt(e.f1)}${speed}`;
}

function describeEnd(trial: TrialDetail): string {
  if (trial.state === 'FAILED') return `  trial #${trial.number} FAILED (${trial.failureType}: ${trial.failureMessage})`;
  // A PRUNED trial has no final metrics: its last epoch's are what it ended with.
  const last = trial.epochs.at(-1);
  const size = trial.parameterCount === null ? '' : `, ${trial.parameterCount} parameters`;
  return `  trial #${trial.number} ${trial.state} after epoch ${last?.epoch ?? 0} (vloss ${fmt(last?.vloss)}, accuracy ${fmt(last?.accuracy)}${size})`;
}

async function run(fleet: Fleet, api: ApiClient, signal: AbortSignal, onStudy: (id: string) => void): Promise<void> {
  const others = await api.listStudyIds('RUNNING');
  if (others.length > 0) {
    say(`note: ${others.length} other RUNNING ${others.length === 1 ? 'study is' : 'studies are'} in this database; the scheduler continues ${others.length === 1 ? 'it' : 'them'} too, sharing the two workers.`);
  }
  const body = smallCnnStudy({
    name: 'demo: small CNNs on CIFAR-10',
    maxTrials: TRIALS,
    parallelism: 2,
    seed: 20_240_601,
    trainSize: TRAIN_SIZE,
    validationSize: 500,
    maxEpochs: MAX_EPOCHS,
    asha: { minEpochs: 1, reductionFactor: 2 },
  });
  const study = await api.createStudy(body);
  onStudy(study.id);
  say(`\nstudy ${study.id}: ${TRIALS} trials, 2 at a time, TPE (seed ${study.seed}), ASHA epochs 1-${MAX_EPOCHS} η=2, ${TRAIN_SIZE} training / 500 validation images`);
  say(`search space: ${JSON.stringify(body.space)}\n`);

  const printedEpochs = new Map<string, number>();
  const ended = new Set<string>();
  let lastCounts = '';
  const final = await waitFor(
    'the study to finish',
    async () => {
      const current = await api.getStudy(study.id);
      const c = current.progress.counts;
      const counts = `WAITING ${c.WAITING}  RUNNING ${c.RUNNING}  COMPLETE ${c.COMPLETE}  PRUNED ${c.PRUNED}  FAILED ${c.FAILED}`;
      for (const trial of await api.listTrials(study.id)) {
        if (ended.has(trial.id) || trial.state === 'WAITING') continue;
        const detail = await api.getTrial(trial.id);
        for (const e of detail.epochs.filter((e) => e.epoch > (printedEpochs.get(trial.id) ?? 0))) say(describeEpoch(trial, e));
        printedEpochs.set(trial.id, detail.epochs.at(-1)?.epoch ?? 0);
        if (!['RUNNING', 'WAITING', 'PAUSED'].includes(detail.state)) {
          ended.add(trial.id);
          say(describeEnd(detail));
        }
      }
      if (counts !== lastCounts) {
        const best = current.progress.best;
        const bestText = best === null ? 'none yet' : `trial #${best.number}, log10 efficiency ${fmt(best.value)} (vloss ${fmt(best.vloss)}, accuracy ${fmt(best.accuracy)}, ${best.parameterCount} parameters)`;
        say(`[${Math.round(current.progress.elapsedMs / 1000)} s] ${counts} | best: ${bestText}`);
        lastCounts = counts;
      }
      return current.status === 'RUNNING' ? undefined : current;
    },
    { timeoutMs: TIMEOUT_MS, intervalMs: 2_000, signal },
  );

  const board = await api.leaderboard(study.id, 'efficiency');
  say(`\nstudy ${final.status} in ${Math.round(final.progress.elapsedMs / 1000)} s. Leaderboard by efficiency = 1/(vloss × parameters):`);
  say('rank  trial  log10 eff   vloss  accuracy  macro-F1  parameters  cnn/fcn  channels  learning rate');
  for (const e of board.items) {
    const p = e.params as Record<string, number>;
    say(
      [
        String(e.rank).padStart(4),
        `#${e.number}`.padStart(6),
        fmt(e.log10Efficiency).padStart(10),
        fmt(e.vloss).padStart(7),
        fmt(e.accuracy).padStart(9),
        fmt(e.f1).padStart(9),
        String(e.parameterCount ?? '-').padStart(11),
        `${p.cnn_layers}/${p.fcn_layers}`.padStart(8),
        `${p.starting_channels}→${p.final_channels}`.padStart(9),
        (p.learning_rate ?? 0).toExponential(2).padStart(14),
      ].join(' '),
    );
  }
  if (board.items.length === 0) say('  (no COMPLETE trial)');
  say(`\nAPI docs: ${fleet.apiUrl}/docs (OpenAPI JSON: ${fleet.apiUrl}/docs/json); this study: ${fleet.apiUrl}/studies/${study.id}`);
  say(`Dashboard: ${fleet.apiUrl}/#/studies/${study.id} (with --keep-api, the api stays up to browse it)`);
}

async function main(): Promise<void> {
  say(`Tunefleet demo: Postgres ${new URL(DATABASE_URL).host}, Redis ${new URL(REDIS_URL).host}`);
  await checkServices();
  await migrate();
  const apiKey = randomBytes(24).toString('base64url');
  const workDir = path.join(tmpdir(), `tunefleet-demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  say(`starting the api, the scheduler and two workers (logs in ${workDir}) ...`);

  const abort = new AbortController();
  let fleet: Fleet | undefined;
  let api: ApiClient | undefined;
  let studyId: string | undefined;
  let studyDone = false;
  let stopping = false;
  let keptApi = false;
  const shutdown = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      abort.abort();
      // An interrupted study is stopped, so that no later scheduler on this database resumes it.
      if (api !== undefined && studyId !== undefined && !studyDone) {
        await api.stopStudy(studyId).then(
          () => say(`study ${studyId} stopped`),
          (err: unknown) => say(`study ${studyId} could not be stopped: ${(err as Error).message}`),
        );
      }
      if (fleet !== undefined) {
        say('stopping the fleet ...');
        await fleet.stop();
        say('stopped: no process left running.');
      } else {
        // Interrupted while the apps were starting: nothing is running that a stop would save.
        killAllApps();
      }
    }
    process.exit(code);
  };
  // Repeated signals (the terminal and the pnpm/tsx wrappers each relay Ctrl-C) mean the same stop.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void shutdown(130));

  try {
    fleet = await startFleet({
      databaseUrl: DATABASE_URL,
      redisUrl: REDIS_URL,
      ...(process.env.QUEUE_PREFIX && { queuePrefix: process.env.QUEUE_PREFIX }),
      apiKey,
      workers: 2,
      workDir,
      apiPort: await apiPort(),
      baseEnv: process.env,
      logLevel: process.env.LOG_LEVEL || 'info',
    });
    say(`fleet up: api ${fleet.apiUrl}, scheduler pid ${fleet.scheduler.pid}, workers ${fleet.workers.map((w) => `pid ${w.pid}`).join(', ')}`);
    const apps = [fleet.api, fleet.scheduler, ...fleet.workers];
    const died = new Promise<never>((_, reject) => {
      for (const app of apps) {
        void app.exited.then(({ code, signal }) => {
          if (stopping || keptApi) return;
          reject(new Error(`${app.name} exited unexpectedly (code ${code}, signal ${signal}); its last output:\n${app.logTail(15)}`));
        });
      }
    });
    api = createApiClient(fleet.apiUrl, apiKey);
    await Promise.race([run(fleet, api, abort.signal, (id) => (studyId = id)), died]);
    studyDone = true;
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`\ndemo failed: ${(err as Error).message}\n(logs in ${workDir})\n`);
    await shutdown(1);
  }
  if (KEEP_API && fleet !== undefined) {
    keptApi = true;
    await Promise.all(fleet.workers.map((w) => w.stop(20_000)));
    await fleet.scheduler.stop(15_000);
    say(`the api keeps running at ${fleet.apiUrl} (key: ${apiKey}); press Ctrl-C to stop it.`);
    await new Promise(() => {});
  }
  await shutdown(0);
}

await main();
