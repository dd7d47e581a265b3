/**
 * An open-loop load generator for a fixed request rate: request i is due at start + i / rate,
 * whatever happened to the ones before it, and goes out over at most `connections` keep-alive
 * sockets (a due request waits for a free one). Its latency runs from the instant it was due, so
 * the wait for a socket counts when the server falls behind (no coordinated omission).
 *
 * Why not autocannon's `overallRate`: it is a quota per connection per second, reset by a 1 s
 * timer, so each connection sends its share back to back at the start of every second. 500/s over
 * 16 connections arrives as a burst of 500 requests each second, and the p99 it reports is the time
 * the server needs to drain that burst (40–60 ms on this machine for routes that answer in 3 ms).
 */
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface OpenLoopOptions {
  readonly base: string;
  /** Paths asked in turn. */
  readonly paths: readonly string[];
  readonly rate: number;
  readonly seconds: number;
  readonly connections: number;
  readonly timeoutMs?: number;
}

export interface OpenLoopResult {
  readonly completed: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Responses per second, over the time from the first due instant to the last response. */
  readonly achievedPerSecond: number;
  /** Milliseconds from the due instant to the end of the response. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export async function runOpenLoop({ base, paths, rate, seconds, connections, timeoutMs = 10_000 }: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port } = new URL(base);
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let lastEnd = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const dueAt = (i: number): number => start + (i * 1000) / rate;

  const send = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const due = dueAt(i);
      const req = request({ agent, hostname, port, path: paths[i % paths.length], method: 'GET' }, (res) => {
        if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) non2xx++;
        res.resume();
        res.on('end', () => {
          lastEnd = performance.now();
          latencies.push(lastEnd - due);
          resolve();
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });

  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && dueAt(next) <= now) pending.push(send(next++));
    // Timers fire about once a millisecond: at 500/s that sends each request within 1 ms of its instant.
    await sleep(Math.max(0, Math.min(1, dueAt(next) - performance.now())));
  }
  await Promise.all(pending);
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const at = (q: number): number => {
    if (latencies.length === 0) return 0;
    return Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number);
  };
  return {
    completed: latencies.length,
    non2xx,
    errors,
    achievedPerSecond: latencies.length === 0 ? 0 : Math.round((latencies.length * 10_000) / (lastEnd - start)) / 10,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: Math.round(latencies[latencies.length - 1] ?? 0),
  };
}
