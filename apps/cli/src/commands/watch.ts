/**
 * `tunefleet watch <id>`: live progress until the study is final. Reads the api's event stream
 * (GET /studies/:id/events: `progress` events carrying the GET /studies/:id body, `end` when the
 * study is final) and falls back to polling GET /studies/:id when the api has no such route or the
 * stream breaks. Exit 0 when the study ends COMPLETE or STOPPED, 1 when it ends FAILED.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { numberOption } from '../args.js';
import type { StudyDetail } from '../api-types.js';
import type { ApiClient } from '../client.js';
import type { CommandContext, Output } from '../command.js';
import type { Command } from '../command.js';
import { ApiError, EXIT_API, EXIT_OK } from '../errors.js';
import { finalSummary, isFinal, progressLine } from '../progress.js';
import { readServerSentEvents } from '../sse.js';

export const DEFAULT_POLL_SECONDS = 2;

/** Redraws one line in place on a terminal; elsewhere prints a line whenever the line changes. */
export function createProgressRenderer(out: Output): { update(detail: StudyDetail): void; done(): void } {
  let last = '';
  let drawn = false;
  return {
    update(detail) {
      const line = progressLine(detail);
      if (out.isTTY) {
        const width = out.columns && out.columns > 1 ? out.columns - 1 : line.length;
        out.write(`\r\x1b[2K${line.length > width ? line.slice(0, width) : line}`);
        drawn = true;
        return;
      }
      // The ETA changes on every poll; a log gets a line only when trials or the status changed.
      const key = line.replace(/ {2}ETA [^ ]+( [^ ]+)?/, '');
      if (key !== last) out.write(`${line}\n`);
      last = key;
    },
    done() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

type Source = 'events' | 'polling';

/**
 * Follows the event stream; returns the last study body when the stream said `end`, or null when
 * the stream is not available or broke before the end (the caller then polls).
 */
async function followEvents(client: ApiClient, id: string, onProgress: (d: StudyDetail) => void, signal?: AbortSignal): Promise<StudyDetail | 'unavailable' | null> {
  let response: Response;
  try {
    response = await client.open(`/studies/${encodeURIComponent(id)}/events`, { accept: 'text/event-stream', signal });
  } catch (err) {
    // An api without the route answers 404 "route … not found"; a missing study was caught before.
    if (err instanceof ApiError && err.status === 404 && err.message.startsWith('route ')) return 'unavailable';
    throw err;
  }
  if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await response.body?.cancel();
    return 'unavailable';
  }
  let last: StudyDetail | null = null;
  try {
    for await (const event of readServerSentEvents(response.body)) {
      if (event.event === 'progress') {
        last = JSON.parse(event.data) as StudyDetail;
        onProgress(last);
      } else if (event.event === 'end') {
        return last;
      }
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    // A broken connection: polling carries on from here.
  }
  return null;
}

export async function watchStudy(context: CommandContext, id: string, pollMs: number): Promise<{ detail: StudyDetail; source: Source }> {
  const { io } = context;
  const client = context.client();
  const sleep = io.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  const renderer = createProgressRenderer(io.stdout);
  const path = `/studies/${encodeURIComponent(id)}`;
  try {
    let detail = await client.get<StudyDetail>(path);
    renderer.update(detail);
    if (isFinal(detail.status)) return { detail, source: 'polling' };

    const streamed = await followEvents(client, id, (d) => renderer.update(d), io.signal);
    if (streamed !== 'unavailable') {
      // After `end` (or a broken stream) one read gives the final state, whatever the last event said.
      detail = await client.get<StudyDetail>(path);
      renderer.update(detail);
      if (isFinal(detail.status)) return { detail, source: 'events' };
    }
    for (;;) {
      await sleep(pollMs, io.signal);
      detail = await client.get<StudyDetail>(path);
      renderer.update(detail);
      if (isFinal(detail.status)) return { detail, source: 'polling' };
    }
  } finally {
    renderer.done();
  }
}

export const watch: Command = {
  spec: {
    name: 'watch',
    summary: "follow a study's progress until it ends (exit 1 if it FAILED)",
    usage: 'tunefleet watch <id> [--interval SECONDS]',
    positionals: ['id'],
    options: { interval: { type: 'string' } },
    optionHelp: [`--interval S   seconds between polls when the api has no event stream (default ${DEFAULT_POLL_SECONDS})`],
  },
  async run(context) {
    const seconds = numberOption(context.args.values, 'interval', 'watch', 0.05, 3600) ?? DEFAULT_POLL_SECONDS;
    const { detail } = await watchStudy(context, context.args.positionals[0], seconds * 1000);
    context.print(finalSummary(detail));
    return detail.status === 'FAILED' ? EXIT_API : EXIT_OK;
  },
};
