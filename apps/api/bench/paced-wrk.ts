/**
 * A constant request rate from wrk (C, Debian's `wrk`), paced by a think time per connection: each
 * of `connections` connections sends a request, waits for its answer, then pauses `delay` ms
 * (wrk's Lua `delay()`), so the offered rate is connections / (latency + delay). Far below the
 * server's capacity this is a population of clients at a steady rate, measured by a generator whose
 * own cost on a shared 2-core machine is much smaller than a Node.js one. The rate it reached is
 * reported beside the target.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { OpenLoopResult } from './open-loop.js';

const exec = promisify(execFile);

export interface PacedWrkOptions {
  readonly base: string;
  readonly paths: readonly string[];
  readonly rate: number;
  readonly seconds: number;
  readonly connections: number;
  /** Milliseconds a request takes besides the think time (a warm-up's p50), so the pacing hits `rate`. */
  readonly answerMs?: number;
}

/** The Lua script: cycles through `paths`, pauses between requests, prints one parseable summary line. */
function script(paths: readonly string[], delayMs: number): string {
  const table = paths.map((p) => JSON.stringify(p)).join(',\n  ');
  return `local paths = {\n  ${table}\n}
local i = 0
request = function()
  i = i + 1
  return wrk.format('GET', paths[(i % #paths) + 1])
end
delay = function() return ${delayMs} end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('PACED %d %d %d %d %d %d %d %d\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
`;
}

export async function runPacedWrk({ base, paths, rate, seconds, connections, answerMs = 1 }: PacedWrkOptions): Promise<OpenLoopResult> {
  if (paths.some((p) => !/^\/[\x21-\x7e]*$/.test(p))) throw new Error('paths must be printable ASCII starting with /');
  // Each connection's cycle is the answer plus the think time; together they make `rate`.
  const delayMs = Math.max(0, Math.round((connections * 1000) / rate - answerMs));
  const file = path.join(tmpdir(), `tunefleet-wrk-${randomBytes(4).toString('hex')}.lua`);
  await writeFile(file, script(paths, delayMs));
  try {
    const threads = Math.min(2, connections);
    const { stdout } = await exec('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', file, base], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('PACED '));
    if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`);
    const [requests, durationUs, p50, p90, p99, max, non2xx, errors] = line.split(' ').slice(1).map(Number) as number[];
    const ms = (us: number): number => Math.round(us / 10) / 100;
    return {
      completed: requests!,
      non2xx: non2xx!,
      errors: errors!,
      achievedPerSecond: Math.round(requests! / (durationUs! / 1e6)),
      p50: ms(p50!),
      p90: ms(p90!),
      p99: ms(p99!),
      max: ms(max!),
    };
  } finally {
    await rm(file, { force: true });
  }
}
