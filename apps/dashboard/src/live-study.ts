/**
 * A study page kept live: the study (progress, counts, best, ETA) from `GET /studies/:id/events`
 * (`progress` events carry the body of GET /studies/:id), and a `version` that goes up when trials
 * finished or were created, at most once per REFRESH_MS, so the plots are read again without
 * hammering the api while a fast study streams progress. Without the event stream (an older api,
 * a proxy that buffers) it polls.
 */
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { authHeaders, getJson, storedApiKey } from './api-client.js';
import type { StudyDetail } from './api-types.js';
import { readEventStream } from './sse.js';
import { AuthVersion } from './use-api.js';

export const REFRESH_MS = 3_000;
const POLL_MS = 5_000;

/** What makes the plots stale: trials created or finished. */
export function progressMark(study: StudyDetail): string {
  const c = study.progress.counts;
  return `${study.status}/${study.progress.total}/${c.COMPLETE}/${c.PRUNED}/${c.FAILED}`;
}

export interface LiveStudy {
  readonly study: StudyDetail | null;
  readonly error: Error | null;
  /** Bumped (throttled) when the plots should be read again. */
  readonly version: number;
  readonly connection: 'live' | 'polling' | 'ended' | 'connecting';
}

export function useLiveStudy(id: string): LiveStudy {
  const auth = useContext(AuthVersion);
  const [study, setStudy] = useState<StudyDetail | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [version, setVersion] = useState(0);
  const [connection, setConnection] = useState<LiveStudy['connection']>('connecting');
  const mark = useRef<string | null>(null);

  useEffect(() => {
    let closed = false;
    let lastBump = 0;
    let pending: ReturnType<typeof setTimeout> | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    mark.current = null;
    setStudy(null);
    setError(null);

    const bump = () => {
      pending = undefined;
      lastBump = Date.now();
      if (!closed) setVersion((v) => v + 1);
    };
    const receive = (next: StudyDetail) => {
      if (closed) return;
      setStudy(next);
      setError(null);
      const m = progressMark(next);
      if (mark.current === null) {
        mark.current = m;
        return;
      }
      if (m === mark.current) return;
      mark.current = m;
      if (pending !== undefined) return;
      const wait = Math.max(0, lastBump + REFRESH_MS - Date.now());
      pending = setTimeout(bump, wait);
    };
    const fetchOnce = () =>
      getJson<StudyDetail>(`/studies/${encodeURIComponent(id)}`).then(receive, (err: Error) => {
        if (!closed) setError(err);
      });
    const startPolling = () => {
      if (closed || poll !== undefined) return;
      setConnection('polling');
      poll = setInterval(() => void fetchOnce(), POLL_MS);
    };
    const onEvent = (event: string, data: string) => {
      if (event === 'progress') receive(JSON.parse(data) as StudyDetail);
      else if (event === 'end') {
        setConnection('ended');
        stop();
        void fetchOnce();
      }
    };

    void fetchOnce();
    const path = `/studies/${encodeURIComponent(id)}/events`;
    let source: EventSource | undefined;
    const abort = new AbortController();
    const stop = () => {
      source?.close();
      abort.abort();
    };
    if (storedApiKey() === null) {
      source = new EventSource(path);
      source.addEventListener('open', () => setConnection('live'));
      source.addEventListener('progress', (e) => onEvent('progress', (e as MessageEvent<string>).data));
      source.addEventListener('end', (e) => onEvent('end', (e as MessageEvent<string>).data));
      source.addEventListener('error', () => {
        // A closed source is not retried by the browser (an error status, a wrong content type).
        if (source?.readyState === EventSource.CLOSED) startPolling();
      });
    } else {
      setConnection('live');
      readEventStream(path, authHeaders(), (e) => onEvent(e.event, e.data), abort.signal).catch(() => startPolling());
    }

    return () => {
      closed = true;
      stop();
      if (pending !== undefined) clearTimeout(pending);
      if (poll !== undefined) clearInterval(poll);
    };
  }, [id, auth]);

  return { study, error, version, connection };
}
