/** Every study: status, progress, best value, trials per state, and how busy the fleet is. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api-client.js';
import type { StudyDetail, StudyList, WorkerList } from '../api-types.js';
import { Loading, Notice, Progress, StateCounts, StatusBadge } from '../components/status.js';
import { formatDuration, formatNumber } from '../format.js';
import { href } from '../router.js';
import { useApi } from '../use-api.js';

// The api limits requests per client (RATE_LIMIT_MAX, 600 a minute by default), so the list is
// read every 10 s and only unfinished studies' progress is read again.
const REFRESH_MS = 10_000;

/** Each study's detail (progress lives there), read in parallel whenever the list is; a final study's only once. */
function useStudyDetails(list: StudyList | null): Map<string, StudyDetail> {
  const [details, setDetails] = useState(new Map<string, StudyDetail>());
  useEffect(() => {
    if (!list) return;
    let cancelled = false;
    const stale = list.items.filter((s) => {
      const known = details.get(s.id);
      return !known || known.status === 'RUNNING' || known.status !== s.status;
    });
    Promise.allSettled(stale.map((s) => getJson<StudyDetail>(`/studies/${s.id}`))).then((results) => {
      if (cancelled) return;
      setDetails((previous) => {
        const next = new Map<string, StudyDetail>();
        for (const s of list.items) {
          const kept = previous.get(s.id);
          if (kept) next.set(s.id, kept);
        }
        for (const r of results) if (r.status === 'fulfilled') next.set(r.value.id, r.value);
        return next;
      });
    });
    return () => {
      cancelled = true;
    };
  }, [list]);
  return details;
}

export function StudiesPage() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const studies = useApi<StudyList>('/studies?limit=100', tick);
  const workers = useApi<WorkerList>('/workers', tick);
  const details = useStudyDetails(studies.data);
  const busy = workers.data?.items.filter((w) => w.alive && w.currentTrialId !== null).length ?? 0;

  return (
    <section aria-labelledby="studies-title">
      <div class="page-head">
        <h1 id="studies-title">Studies</h1>
        {workers.data ? (
          <p class="fleet-summary">
            <a href={href.fleet()}>
              Workers: <strong>{busy}</strong> busy of <strong>{workers.data.alive}</strong> alive
            </a>
          </p>
        ) : null}
      </div>
      {studies.error && !studies.data ? <Notice kind="error">Could not read the studies: {studies.error.message}</Notice> : null}
      {!studies.data && !studies.error ? <Loading what="studies" /> : null}
      {studies.data && studies.data.items.length === 0 ? <Notice>No studies yet. Submit one with POST /studies (see the API docs).</Notice> : null}
      {studies.data && studies.data.items.length > 0 ? (
        <div class="table-wrap">
          <table class="data studies-table">
            <caption>Studies, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Best value</th>
                <th scope="col">Trials per state</th>
                <th scope="col" class="num">
                  Running
                </th>
                <th scope="col" class="num">
                  ETA
                </th>
              </tr>
            </thead>
            <tbody>
              {studies.data.items.map((s) => {
                const d = details.get(s.id);
                return (
                  <tr key={s.id} data-study-id={s.id}>
                    <th scope="row">
                      <a href={href.study(s.id)}>{s.name}</a>
                      <span class="sub">
                        {s.kind === 'cnn' ? 'CNN' : 'function'} · {s.objective} ({s.direction === 'minimize' ? 'min' : 'max'})
                      </span>
                    </th>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td>{d ? <Progress study={d} /> : '…'}</td>
                    <td class="num">{d?.progress.best ? <a href={href.trial(d.progress.best.trialId)}>{formatNumber(d.progress.best.value)}</a> : '—'}</td>
                    <td>{d ? <StateCounts counts={d.progress.counts} /> : '…'}</td>
                    <td class="num">{d ? d.progress.counts.RUNNING : '…'}</td>
                    <td class="num">{d ? formatDuration(d.progress.etaMs) : '…'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
