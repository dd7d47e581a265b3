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
import { useMemo } from 'preact/hooks';

interface PlotProps<T> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly path: string;
  readonly version: number;
  readonly build: (data: T) => ChartSpec;
  readonly note?: (data: T) => string | undefined;
  readonly height?: number;
}

/** A plot of one analysis route: loads, draws, and says why when it cannot. */
function Plot<T>({ name, title, description, path, version, build, note, height }: PlotProps<T>) {
  const answer = useApi<T>(path, version);
  const spec = useMemo(() => (answer.data ? build(answer.data) : null), [answer.data]);
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

export function StudyPage({ id }: { id: string }) {
  const { study, error, version, connection } = useLiveStudy(id);
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
          title="Optimization history"
          description={`${study.objective} of every trial by trial number, with the best value so far`}
          path={`${base}/history`}
          version={version}
          build={historyChart}
        />
        <Plot<Curves>
          name="curves"
          title="Learning curves"
          description="validation loss per epoch of every trial; pruned trials marked at the rung that stopped them"
          path={`${base}/curves`}
          version={version}
          build={curvesChart}
          note={(c) => shown(c.trials.length, c.total, 'trials')}
        />
        <Plot<ParamRows>
          name="parallel"
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
          path={`${base}/importance`}
          version={version}
          build={importanceChart}
          note={(i) => `fANOVA over ${formatCount(i.trials)} trials.`}
        />
        {cnn ? (
          <Plot<Pareto>
            name="pareto"
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
