/**
 * `GET /studies/:id/events`: the study page as server-sent events. One watcher per study, shared by
 * all its subscribers, reads a cheap change token (status and the trial counters the database keeps
 * on the study row) at most once per `pollMs`; only when the token changes does it build the study
 * page (the body of `GET /studies/:id`) and send it as `event: progress`. A `: ping` comment every
 * `pingMs` keeps proxies from closing an idle stream. The watcher stops with its last subscriber,
 * and every stream ends with `event: end` once the study is final, or when the app closes.
 */
import type { ServerResponse } from 'node:http';
import type { Db } from '@tunefleet/db';
import type { FastifyBaseLogger } from 'fastify';
import { IdParams, errorResponses } from '../schemas/common.js';
import { type App, type RouteDeps, security } from '../route-deps.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The events streams' watchers (`buildApp` decorates the app with them). */
    studyEvents: StudyEventHub;
  }
}

const FINAL_STATUSES: ReadonlySet<string> = new Set(['STOPPED', 'COMPLETE', 'FAILED']);

export interface StudyEventHubOptions {
  readonly db: Db;
  readonly log: FastifyBaseLogger;
  /** The JSON body of `GET /studies/:id`; throws NotFoundError when the study is gone. */
  readonly studyPage: (studyId: string) => Promise<unknown>;
  /** Default 1,000: the study row is read at most this often per study. */
  readonly pollMs?: number;
  /** Default 15,000. */
  readonly pingMs?: number;
}

export interface StudyEventHub {
  /** Streams the study's events to `res` (headers already sent) until the study is final, the client leaves or the hub closes. */
  subscribe(studyId: string, res: ServerResponse): void;
  /** Studies being watched now: each holds one poll timer and one ping timer. */
  watchedStudies(): number;
  /** Ends every stream with `event: end` and stops every watcher. */
  close(): void;
}

interface Watcher {
  readonly studyId: string;
  readonly subscribers: Set<ServerResponse>;
  readonly pollTimer: NodeJS.Timeout;
  readonly pingTimer: NodeJS.Timeout;
  token: string | null;
  /** The last `event: progress` frame, sent at once to a new subscriber. */
  frame: string | null;
  polling: boolean;
}

interface TokenRow {
  status: string;
  finished_at: Date | null;
  counters: string;
}

const frameOf = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function createStudyEventHub({ db, log, studyPage, pollMs = 1_000, pingMs = 15_000 }: StudyEventHubOptions): StudyEventHub {
  const watchers = new Map<string, Watcher>();

  function stop(watcher: Watcher): void {
    clearInterval(watcher.pollTimer);
    clearInterval(watcher.pingTimer);
    if (watchers.get(watcher.studyId) === watcher) watchers.delete(watcher.studyId);
  }

  function send(res: ServerResponse, frame: string): void {
    if (!res.writableEnded && !res.destroyed) res.write(frame);
  }

  function endAll(watcher: Watcher, status: string | null): void {
    stop(watcher);
    for (const res of watcher.subscribers) {
      send(res, frameOf('end', { studyId: watcher.studyId, status }));
      res.end();
    }
    watcher.subscribers.clear();
  }

  async function poll(watcher: Watcher): Promise<void> {
    if (watcher.polling) return;
    watcher.polling = true;
    try {
      const { rows } = await db.pool.query<TokenRow>(
        `SELECT "status"::text AS "status", "finished_at",
                concat_ws(',', "waiting_trials", "running_trials", "paused_trials", "complete_trials", "pruned_trials",
                          "failed_trials", "timed_trials", "timed_trial_ms") AS "counters"
         FROM "study" WHERE "id" = $1::uuid`,
        [watcher.studyId],
      );
      if (watchers.get(watcher.studyId) !== watcher) return; // the last subscriber left meanwhile
      const row = rows[0];
      if (!row) {
        endAll(watcher, null);
        return;
      }
      const token = `${row.status}|${row.finished_at?.getTime() ?? ''}|${row.counters}`;
      if (token !== watcher.token) {
        const page = await studyPage(watcher.studyId);
        if (watchers.get(watcher.studyId) !== watcher) return;
        watcher.token = token;
        watcher.frame = frameOf('progress', page);
        for (const res of watcher.subscribers) send(res, watcher.frame);
      }
      if (FINAL_STATUSES.has(row.status)) endAll(watcher, row.status);
    } catch (err) {
      // The next tick tries again; a study deleted meanwhile ends at the next token read.
      log.warn({ err, studyId: watcher.studyId }, 'study events poll failed');
    } finally {
      watcher.polling = false;
    }
  }

  return {
    subscribe(studyId, res) {
      let watcher = watchers.get(studyId);
      if (!watcher) {
        const created: Watcher = {
          studyId,
          subscribers: new Set(),
          pollTimer: setInterval(() => void poll(created), pollMs),
          pingTimer: setInterval(() => {
            for (const sub of created.subscribers) send(sub, ': ping\n\n');
          }, pingMs),
          token: null,
          frame: null,
          polling: false,
        };
        watcher = created;
        watchers.set(studyId, watcher);
        void poll(watcher);
      } else if (watcher.frame !== null) {
        send(res, watcher.frame);
      }
      const current = watcher;
      current.subscribers.add(res);
      res.on('close', () => {
        current.subscribers.delete(res);
        if (current.subscribers.size === 0) stop(current);
      });
    },
    watchedStudies: () => watchers.size,
    close() {
      for (const watcher of [...watchers.values()]) endAll(watcher, null);
    },
  };
}

export default async function studyEventRoutes(app: App, deps: RouteDeps & { studyEvents: StudyEventHub }): Promise<void> {
  const { rankings, auth, studyEvents } = deps;
  app.get(
    '/studies/:id/events',
    {
      onRequest: auth.read,
      schema: {
        tags: ['studies'],
        summary: 'Server-sent events: `progress` (the body of GET /studies/:id) on connect and on every change, `end` once the study is final',
        description:
          'Content-Type text/event-stream. `event: progress` carries the JSON of GET /studies/:id; `: ping` comments every 15 s; ' +
          '`event: end` (data `{ studyId, status }`) closes the stream when the study is STOPPED, COMPLETE or FAILED.',
        ...security(auth.readRequiresKey),
        params: IdParams,
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errorResponses(401, 404),
        },
      },
    },
    async (request, reply) => {
      // An unknown study is a 404 before the stream starts.
      const study = await rankings.get(request.params.id);
      reply.hijack();
      // Hooks (CORS, request id, security headers) set their headers on the reply; keep them.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      studyEvents.subscribe(study.id, reply.raw);
    },
  );
}
