/** One study, live: progress, leaderboard and the analysis plots, read again as trials finish. */
import type { Curves, History, Importance, ParamRows, Pareto, StudyDetail } from '../api-types.js';
import { Chart, ChartPlaceholder } from '../charts/chart.js';
import { type ChartSpec, curvesChart, historyChart, importanceChart, parallelChart, paretoChart } from '../charts/options.js';
import { LeaderboardTable } from '../components/leaderboard-table.js';
import { Loading, Notice, Progress, StateCounts, StatusBadge } from '../components/status.js';
import { formatCount, formatDuration, formatNumber, formatParams } from '../format.js';
import { useLiveStudy } from '../live-study.js';
import { href } from '../router.js';
import { useApi } from '../use-api.js';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';

interface PlotProps<T> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Null: not yet (the plot waits, showing that it is loading). */
  readonly path: string | null;
  readonly version: number;
  /** Told each time an answer (or an error) for `version` has arrived. */
  readonly onSettled?: (name: string, version: number) => void;
  readonly build: (data: T) => ChartSpec;
  readonly note?: (data: T) => string | undefined;
  readonly height?: number;
}

/** A plot of one analysis route: loads, draws, and says why when it cannot. */
function Plot<T>({ name, title, description, path, version, build, note, height, onSettled }: PlotProps<T>) {
  const answer = useApi<T>(path, version);
  const spec = useMemo(() => (answer.data ? build(answer.data) : null), [answer.data]);
  useEffect(() => {
    if (!answer.loading && (answer.data || answer.error)) onSettled?.(name, version);
  }, [answer.data, answer.error, answer.loading]);
  if (!answer.data || !spec) {
    return answer.error ? (
      <ChartPlaceholder name={name} title={title} message={`Not available: ${answer.error.message}`} />
    ) : (
      <ChartPlaceholder name={name} title={title} message="Loading…" busy />
    );
  }
  if (spec.points === 0) return <ChartPlaceholder name={name} title={title} message="No data yet." />;
  return <Chart name={name} title={title} description={description} spec={spec} note={note?.(answer.data)} height={height} />;
}

function shown(n: number, total: number, what: string): string | undefined {
  return n < total ? `Showing ${formatCount(n)} of ${formatCount(total)} ${what}.` : undefined;
}

function Summary({ study, connection }: { study: StudyDetail; connection: string }) {
  const { progress } = study;
  return (
    <div class="summary">
      <div class="summary-main">
        <Progress study={study} />
        <StateCounts counts={progress.counts} />
      </div>
      <dl class="facts">
        <div>
          <dt>Best {study.objective}</dt>
          <dd>
            {progress.best ? (
              <a href={href.trial(progress.best.trialId)}>
                {formatNumber(progress.best.value)} <span class="sub">trial #{progress.best.number}</span>
              </a>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd>{formatDuration(progress.elapsedMs)}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd>{formatDuration(progress.etaMs)}</dd>
        </div>
        <div>
          <dt>Mean trial</dt>
          <dd>{formatDuration(progress.meanTrialDurationMs)}</dd>
        </div>
        <div>
          <dt>Updates</dt>
          <dd>
            <span class={`live live-${connection}`}>{connection}</span>
          </dd>
        </div>
      </dl>
      {progress.best ? <p class="best-params">Best hyperparameters: {formatParams(progress.best.params)}</p> : null}
    </div>
  );
}

/**
 * The version at which the importance plot may read: fANOVA is computed on the api's event loop
 * (seconds for thousands of trials, cached until trials change), and every request that arrives
 * meanwhile waits behind it. So importance is read only once the other plots of the same version
 * have their answers; until the first time, `null`.
 */
function useImportanceVersion(version: number, others: readonly string[]) {
  const [settled, setSettled] = useState<Readonly<Record<string, number>>>({});
  const onSettled = useCallback((name: string, v: number) => setSettled((s) => (s[name] === v ? s : { ...s, [name]: v })), []);
  const ready = useRef<number | null>(null);
  if (others.every((n) => (settled[n] ?? -1) >= version)) ready.current = version;
  return { importanceVersion: ready.current, onSettled };
}

const OTHER_PLOTS = { cnn: ['history', 'curves', 'parallel', 'pareto'], function: ['history', 'curves', 'parallel'] } as const;

export function StudyPage({ id }: { id: string }) {
  const { study, error, version, connection } = useLiveStudy(id);
  const { importanceVersion, onSettled } = useImportanceVersion(version, OTHER_PLOTS[study?.kind ?? 'function']);
  if (!study) {
    return error ? <Notice kind="error">Could not read study {id}: {error.message}</Notice> : <Loading what="the study" />;
  }
  const base = `/studies/${study.id}`;
  const cnn = study.kind === 'cnn';
  return (
    <section aria-labelledby="study-title" class="study-page" data-study-id={study.id}>
      <nav class="crumbs" aria-label="breadcrumb">
        <a href={href.studies()}>Studies</a> / <span aria-current="page">{study.name}</span>
      </nav>
      <div class="page-head">
        <h1 id="study-title">{study.name}</h1>
        <StatusBadge status={study.status} />
        <p class="sub">
          {cnn ? 'CNN' : 'function'} study · objective {study.objective} ({study.direction}) · seed {study.seed} · parallelism {study.parallelism}
        </p>
      </div>
      <Summary study={study} connection={connection} />
      <LeaderboardTable study={study} version={version} />
      <div class="charts">
        <Plot<History>
          name="history"
          onSettled={onSettled}
          title="Optimization history"
          description={`${study.objective} of every trial by trial number, with the best value so far`}
          path={`${base}/history`}
          version={version}
          build={historyChart}
        />
        <Plot<Curves>
          name="curves"
          onSettled={onSettled}
          title="Learning curves"
          description="validation loss per epoch of every trial; pruned trials marked at the rung that stopped them"
          path={`${base}/curves`}
          version={version}
          build={curvesChart}
          note={(c) => shown(c.trials.length, c.total, 'trials')}
        />
        <Plot<ParamRows>
          name="parallel"
          onSettled={onSettled}
          title="Hyperparameters (parallel coordinates)"
          description={`each trial's hyperparameters and ${study.objective}, coloured by ${study.objective}`}
          path={`${base}/params`}
          version={version}
          build={parallelChart}
          note={(p) => shown(p.rows.length, p.total, 'trials')}
          height={360}
        />
        <Plot<Importance>
          name="importance"
          title="Hyperparameter importance"
          description={`how much of the variance of ${study.objective} each hyperparameter explains`}
          path={importanceVersion === null ? null : `${base}/importance`}
          version={importanceVersion ?? 0}
          build={importanceChart}
          note={(i) => `fANOVA over ${formatCount(i.trials)} trials.`}
        />
        {cnn ? (
          <Plot<Pareto>
            name="pareto"
          onSettled={onSettled}
            title="Validation loss against parameters"
            description="validation loss against parameter count of completed trials, the Pareto front highlighted"
            path={`${base}/pareto`}
            version={version}
            build={paretoChart}
            note={(p) => `${formatCount(p.frontSize)} trials on the Pareto front.`}
          />
        ) : null}
      </div>
    </section>
  );
}
