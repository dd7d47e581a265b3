/** The workers from their heartbeats: backend, GPU, current trial, heartbeat age. */
import { useEffect, useState } from 'preact/hooks';
import type { WorkerList } from '../api-types.js';
import { Loading, Notice } from '../components/status.js';
import { formatDuration, shortId } from '../format.js';
import { href } from '../router.js';
import { useApi } from '../use-api.js';

const REFRESH_MS = 5_000;

export function FleetPage() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const workers = useApi<WorkerList>('/workers', tick);
  const list = workers.data;
  return (
    <section aria-labelledby="fleet-title">
      <div class="page-head">
        <h1 id="fleet-title">Fleet</h1>
        {list ? (
          <p class="fleet-summary">
            <strong>{list.alive}</strong> of {list.items.length} workers alive (heartbeat within {formatDuration(list.heartbeatTimeoutMs)})
          </p>
        ) : null}
      </div>
      {workers.error && !list ? <Notice kind="error">Could not read the workers: {workers.error.message}</Notice> : null}
      {!list && !workers.error ? <Loading what="workers" /> : null}
      {list && list.items.length === 0 ? <Notice>No worker has sent a heartbeat yet.</Notice> : null}
      {list && list.items.length > 0 ? (
        <div class="table-wrap">
          <table class="data workers-table">
            <caption>Workers, most recent heartbeat first</caption>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Status</th>
                <th scope="col">Host</th>
                <th scope="col">Backend</th>
                <th scope="col">GPU</th>
                <th scope="col">Current trial</th>
                <th scope="col" class="num">
                  Heartbeat age
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((w) => (
                <tr key={w.id} data-worker-id={w.id}>
                  <th scope="row">
                    <code>{w.id}</code>
                  </th>
                  <td>
                    <span class={`badge ${w.alive ? 'badge-alive' : 'badge-failed'}`}>{w.alive ? 'alive' : 'silent'}</span>
                  </td>
                  <td>{w.host}</td>
                  <td>{w.backend}</td>
                  <td>{w.gpu ?? '—'}</td>
                  <td>{w.currentTrialId ? <a href={href.trial(w.currentTrialId)}>{shortId(w.currentTrialId)}</a> : 'idle'}</td>
                  <td class="num">{formatDuration(w.heartbeatAgeMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
