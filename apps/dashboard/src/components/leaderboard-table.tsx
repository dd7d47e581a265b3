/**
 * A study's leaderboard, ranked by the api (`?by=`): the sortable headers are buttons that ask the
 * api for another ranking, so the order is always the server's, over every trial, not a re-sort of
 * the rows on screen.
 */
import { useState } from 'preact/hooks';
import type { Leaderboard, StudyDetail } from '../api-types.js';
import { formatCount, formatNumber, formatParams, formatPercent } from '../format.js';
import { href } from '../router.js';
import { useApi } from '../use-api.js';
import { Notice } from './status.js';

/** Rankings of a CNN study and the direction the api ranks each in (for aria-sort). */
export const CNN_RANKINGS = [
  { by: 'efficiency', label: 'log10 efficiency', order: 'descending' },
  { by: 'vloss', label: 'vloss', order: 'ascending' },
  { by: 'accuracy', label: 'accuracy', order: 'descending' },
  { by: 'f1', label: 'macro-F1', order: 'descending' },
  { by: 'parameters', label: 'parameters', order: 'ascending' },
] as const;
export type CnnRanking = (typeof CNN_RANKINGS)[number]['by'];

const LIMIT = 25;

function minAccuracyOf(study: StudyDetail): number | null {
  const spec = study.spec as { constraints?: { minAccuracy?: number | null } | null } | null;
  return spec?.constraints?.minAccuracy ?? null;
}

function defaultRanking(study: StudyDetail): CnnRanking {
  return (CNN_RANKINGS.find((r) => r.by === study.objective)?.by ?? 'efficiency') as CnnRanking;
}

export function LeaderboardTable({ study, version }: { study: StudyDetail; version: number }) {
  const cnn = study.kind === 'cnn';
  const [by, setBy] = useState<CnnRanking>(() => defaultRanking(study));
  const ranking = cnn ? by : 'value';
  const board = useApi<Leaderboard>(`/studies/${study.id}/leaderboard?by=${ranking}&limit=${LIMIT}`, version);
  const floor = minAccuracyOf(study);

  const header = (r: (typeof CNN_RANKINGS)[number]) => (
    <th scope="col" class="num" aria-sort={by === r.by ? r.order : 'none'} key={r.by}>
      <button type="button" class="sort" data-sort={r.by} aria-pressed={by === r.by} onClick={() => setBy(r.by)}>
        {r.label}
        <span class="sort-mark" aria-hidden="true">
          {by === r.by ? (r.order === 'ascending' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );

  return (
    <section class="panel" aria-labelledby="leaderboard-title">
      <h2 id="leaderboard-title">Leaderboard</h2>
      {board.error ? <Notice kind="error">Could not rank by {ranking}: {board.error.message}</Notice> : null}
      <div class="table-wrap">
        <table class="data leaderboard" data-by={ranking} aria-busy={board.loading ? 'true' : 'false'}>
          <caption>
            {cnn ? (
              <>
                Completed trials ranked by {CNN_RANKINGS.find((r) => r.by === by)?.label} (top {LIMIT}). Efficiency is 1 / (vloss × parameters), shown as log10
                {floor !== null ? <>, and ranks only trials with accuracy ≥ {formatPercent(floor, 0)}</> : null}. Choose a column heading to rank by it.
              </>
            ) : (
              <>
                Completed trials ranked by {study.objective} ({study.direction}), top {LIMIT}.
              </>
            )}
          </caption>
          <thead>
            <tr>
              <th scope="col" class="num">
                Rank
              </th>
              <th scope="col">Trial</th>
              {cnn ? CNN_RANKINGS.map(header) : <th scope="col" class="num" aria-sort={study.direction === 'minimize' ? 'ascending' : 'descending'}>{study.objective}</th>}
              <th scope="col">Hyperparameters</th>
            </tr>
          </thead>
          <tbody>
            {board.data?.items.map((row) => (
              <tr key={row.trialId} data-trial-id={row.trialId}>
                <td class="num">{row.rank}</td>
                <th scope="row">
                  <a href={href.trial(row.trialId)}>#{row.number}</a>
                </th>
                {cnn ? (
                  <>
                    <td class="num">{formatNumber(row.log10Efficiency, 4)}</td>
                    <td class="num">{formatNumber(row.vloss)}</td>
                    <td class="num">{formatPercent(row.accuracy)}</td>
                    <td class="num">{formatNumber(row.f1, 3)}</td>
                    <td class="num">{formatCount(row.parameterCount)}</td>
                  </>
                ) : (
                  <td class="num">{formatNumber(row.value)}</td>
                )}
                <td class="params">{formatParams(row.params)}</td>
              </tr>
            ))}
            {board.data && board.data.items.length === 0 ? (
              <tr>
                <td colSpan={cnn ? 8 : 4} class="empty">
                  No completed trial ranks here yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
