/** One trial: params, architecture, per-epoch metrics, per-class accuracy, confusion matrix, checkpoints. */
import { useMemo } from 'preact/hooks';
import { download, storedApiKey } from '../api-client.js';
import type { TrialDetail } from '../api-types.js';
import { Chart } from '../charts/chart.js';
import { confusionChart, epochChart } from '../charts/options.js';
import { Loading, Notice, StatusBadge } from '../components/status.js';
import { formatCount, formatDuration, formatNumber, formatParamValue, formatPercent, shortId } from '../format.js';
import { href } from '../router.js';
import { useApi } from '../use-api.js';

/** CIFAR-10's labels in index order (the only dataset CNN studies train on). */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

function classNames(n: number): string[] {
  return n === CIFAR10_CLASSES.length ? [...CIFAR10_CLASSES] : Array.from({ length: n }, (_, i) => `class ${i}`);
}

function Metrics({ trial }: { trial: TrialDetail }) {
  return (
    <dl class="facts">
      <div>
        <dt>Objective value</dt>
        <dd>{formatNumber(trial.objectiveValue)}</dd>
      </div>
      <div>
        <dt>Validation loss</dt>
        <dd>{formatNumber(trial.vloss)}</dd>
      </div>
      <div>
        <dt>Accuracy</dt>
        <dd>{formatPercent(trial.accuracy)}</dd>
      </div>
      <div>
        <dt>Macro-F1</dt>
        <dd data-metric="macro-f1">{formatNumber(trial.f1, 3)}</dd>
      </div>
      <div>
        <dt>Parameters</dt>
        <dd>{formatCount(trial.parameterCount)}</dd>
      </div>
      <div>
        <dt>Worker · attempts</dt>
        <dd>
          {trial.workerId ?? '—'} · {trial.attempts}
        </dd>
      </div>
    </dl>
  );
}

function ParamsTable({ trial }: { trial: TrialDetail }) {
  return (
    <table class="data params-table">
      <caption>Hyperparameters sampled for this trial</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(trial.params).map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{formatParamValue(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Architecture({ architecture }: { architecture: NonNullable<TrialDetail['architecture']> }) {
  return (
    <section class="panel" aria-labelledby="architecture-title">
      <h2 id="architecture-title">Architecture</h2>
      <dl class="facts arch-facts">
        <div>
          <dt>Channels</dt>
          <dd data-arch="channels">{architecture.channels.join(' → ')}</dd>
        </div>
        <div>
          <dt>Feature-map sizes</dt>
          <dd data-arch="sizes">{architecture.sizes.join(' → ')}</dd>
        </div>
        <div>
          <dt>FCN widths</dt>
          <dd data-arch="fcn">{architecture.fcnWidths.join(' → ') || 'none'}</dd>
        </div>
        <div>
          <dt>Total parameters</dt>
          <dd data-arch="total">{formatCount(architecture.totalParams)}</dd>
        </div>
        <div>
          <dt>Forward FLOPs</dt>
          <dd>{formatNumber(architecture.forwardFlops, 3)}</dd>
        </div>
      </dl>
      <div class="table-wrap">
        <table class="data layers-table">
          <caption>Layers with their output shape and parameter count</caption>
          <thead>
            <tr>
              <th scope="col">Layer</th>
              <th scope="col">Kind</th>
              <th scope="col">Output shape</th>
              <th scope="col" class="num">
                Parameters
              </th>
              <th scope="col" class="num">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {architecture.layers.map((layer) => (
              <tr key={layer.name}>
                <th scope="row">{layer.name}</th>
                <td>{layer.kind}</td>
                <td>{layer.outputShape.join(' × ')}</td>
                <td class="num">{formatCount(layer.params)}</td>
                <td class="num">{architecture.totalParams > 0 ? formatPercent(layer.params / architecture.totalParams) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Epochs({ trial }: { trial: TrialDetail }) {
  const spec = useMemo(() => epochChart(trial.epochs), [trial.epochs]);
  return (
    <section class="panel" aria-labelledby="epochs-title">
      <h2 id="epochs-title">Per-epoch metrics</h2>
      {trial.epochs.length === 0 ? (
        <Notice>No epoch reported yet.</Notice>
      ) : (
        <div class="two-col">
          <Chart name="epochs" title="Losses, accuracy and macro-F1 by epoch" description="per-epoch validation and training loss, accuracy and macro-F1" spec={spec} height={280} />
          <div class="table-wrap">
            <table class="data epochs-table">
              <caption>Metrics reported at the end of each epoch</caption>
              <thead>
                <tr>
                  <th scope="col" class="num">
                    Epoch
                  </th>
                  <th scope="col" class="num">
                    Value
                  </th>
                  <th scope="col" class="num">
                    vloss
                  </th>
                  <th scope="col" class="num">
                    Accuracy
                  </th>
                  <th scope="col" class="num">
                    Macro-F1
                  </th>
                  <th scope="col" class="num">
                    Train loss
                  </th>
                  <th scope="col" class="num">
                    Images/s
                  </th>
                  <th scope="col" class="num">
                    Time
                  </th>
                </tr>
              </thead>
              <tbody>
                {trial.epochs.map((e) => (
                  <tr key={e.epoch}>
                    <th scope="row" class="num">
                      {e.epoch}
                    </th>
                    <td class="num">{formatNumber(e.value)}</td>
                    <td class="num">{formatNumber(e.vloss)}</td>
                    <td class="num">{formatPercent(e.accuracy)}</td>
                    <td class="num">{formatNumber(e.f1, 3)}</td>
                    <td class="num">{formatNumber(e.trainLoss)}</td>
                    <td class="num">{formatCount(e.imagesPerSec === null ? null : Math.round(e.imagesPerSec))}</td>
                    <td class="num">{formatDuration(e.elapsedMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

function Classes({ perClass, matrix }: { perClass: readonly number[] | null; matrix: readonly (readonly number[])[] | null }) {
  const names = classNames(matrix?.length ?? perClass?.length ?? 0);
  const spec = useMemo(() => (matrix ? confusionChart(matrix, names) : null), [matrix]);
  if (!perClass && !matrix) return null;
  return (
    <section class="panel" aria-labelledby="classes-title">
      <h2 id="classes-title">Per-class results</h2>
      <div class="two-col">
        {perClass ? (
          <div class="table-wrap">
            <table class="data per-class-table">
              <caption>Validation accuracy per class</caption>
              <thead>
                <tr>
                  <th scope="col">Class</th>
                  <th scope="col" class="num">
                    Accuracy
                  </th>
                  <th scope="col">
                    <span class="visually-hidden">Bar</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {perClass.map((acc, i) => (
                  <tr key={i}>
                    <th scope="row">{names[i] ?? `class ${i}`}</th>
                    <td class="num">{formatPercent(acc)}</td>
                    <td class="bar-cell" aria-hidden="true">
                      <span class="bar" style={{ width: `${Math.max(0, Math.min(1, acc)) * 100}%` }} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {spec ? (
          <Chart
            name="confusion"
            title="Confusion matrix"
            description="validation predictions per true class (rows) and predicted class (columns)"
            spec={spec}
            height={380}
          />
        ) : null}
      </div>
    </section>
  );
}

function Checkpoints({ trial }: { trial: TrialDetail }) {
  if (trial.checkpoints.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="checkpoints-title">
      <h2 id="checkpoints-title">Checkpoints</h2>
      <ul class="checkpoints">
        {trial.checkpoints.map((c) => (
          <li key={c.epoch}>
            <a
              href={c.url}
              download={`trial-${trial.number}-epoch-${c.epoch}.tar`}
              onClick={(e) => {
                // With an API key the download goes through fetch, so the key travels in a header.
                if (storedApiKey() === null) return;
                e.preventDefault();
                void download(c.url, `trial-${trial.number}-epoch-${c.epoch}.tar`);
              }}
            >
              Epoch {c.epoch}
            </a>{' '}
            <span class="sub">
              {formatCount(c.sizeBytes)} bytes · sha256 {c.sha256.slice(0, 12)}…
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function TrialPage({ id }: { id: string }) {
  const answer = useApi<TrialDetail>(`/trials/${encodeURIComponent(id)}`);
  const trial = answer.data;
  if (!trial) return answer.error ? <Notice kind="error">Could not read trial {id}: {answer.error.message}</Notice> : <Loading what="the trial" />;
  return (
    <section aria-labelledby="trial-title" class="trial-page" data-trial-id={trial.id}>
      <nav class="crumbs" aria-label="breadcrumb">
        <a href={href.studies()}>Studies</a> / <a href={href.study(trial.studyId)}>Study {shortId(trial.studyId)}</a> /{' '}
        <span aria-current="page">Trial #{trial.number}</span>
      </nav>
      <div class="page-head">
        <h1 id="trial-title">Trial #{trial.number}</h1>
        <StatusBadge status={trial.state} />
        {trial.failureMessage ? <p class="sub">{trial.failureType}: {trial.failureMessage}</p> : null}
      </div>
      <Metrics trial={trial} />
      <div class="two-col">
        <section class="panel" aria-labelledby="params-title">
          <h2 id="params-title">Parameters</h2>
          <ParamsTable trial={trial} />
        </section>
        <Checkpoints trial={trial} />
      </div>
      {trial.architecture ? <Architecture architecture={trial.architecture} /> : null}
      <Epochs trial={trial} />
      <Classes perClass={trial.perClassAccuracy} matrix={trial.confusionMatrix} />
    </section>
  );
}
