/**
 * A titled ECharts canvas. The figure carries the visible title, the container an aria-label and
 * `data-points` (how many data items the plot draws) and, once ECharts has finished drawing
 * (progressive series included), `data-rendered="true"`, which the browser tests wait for.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChartSpec } from './options.js';

type EChartsInstance = ReturnType<(typeof import('./echarts.js'))['echarts']['init']>;

// ECharts is most of the bundle: loaded on first use, so tables and text show before it parses.
let echartsModule: Promise<typeof import('./echarts.js')> | undefined;
const loadECharts = () => (echartsModule ??= import('./echarts.js'));

export interface ChartProps {
  readonly name: string;
  readonly title: string;
  /** What the plot shows, for screen readers; the data count is appended. */
  readonly description: string;
  readonly spec: ChartSpec;
  readonly height?: number;
  readonly note?: string;
}

export function Chart({ name, title, description, spec, height = 320, note }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const [chart, setChart] = useState<EChartsInstance | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let instance: EChartsInstance | undefined;
    let resize: ResizeObserver | undefined;
    let disposed = false;
    void loadECharts().then(({ echarts }) => {
      if (disposed) return;
      const created = echarts.init(el, undefined, { renderer: 'canvas' });
      instance = created;
      resize = new ResizeObserver(() => created.resize());
      resize.observe(el);
      setChart(created);
    });
    return () => {
      disposed = true;
      resize?.disconnect();
      instance?.dispose();
    };
  }, []);

  useEffect(() => {
    const el = host.current;
    if (!chart || !el) return;
    el.dataset.rendered = 'false';
    const finished = () => {
      el.dataset.rendered = 'true';
    };
    chart.on('finished', finished);
    try {
      chart.setOption(spec.option, { notMerge: true, lazyUpdate: false });
      setFailure(null);
    } catch (err) {
      // One plot that cannot draw its data says so; the rest of the page stays.
      el.dataset.rendered = 'error';
      setFailure(err instanceof Error ? err.message : String(err));
    }
    return () => {
      if (!chart.isDisposed()) chart.off('finished', finished);
    };
  }, [chart, spec]);

  return (
    <figure class="chart" data-chart={name}>
      <figcaption>
        <h3>{title}</h3>
        {note ? <p class="chart-note">{note}</p> : null}
        {failure ? (
          <p class="chart-note notice-error" role="alert">
            This plot could not be drawn: {failure}
          </p>
        ) : null}
      </figcaption>
      <div
        ref={host}
        class="chart-canvas"
        role="img"
        aria-label={`${title}: ${description} (${spec.points.toLocaleString('en-US')} data points)`}
        data-points={spec.points}
        style={{ height: `${height}px` }}
      />
    </figure>
  );
}

/** The place of a chart whose data is loading or could not be read. */
export function ChartPlaceholder({ name, title, message, busy }: { name: string; title: string; message: string; busy?: boolean }) {
  return (
    <figure class="chart" data-chart={name}>
      <figcaption>
        <h3>{title}</h3>
      </figcaption>
      <div class="chart-canvas chart-empty" aria-busy={busy ? 'true' : 'false'} data-points="0">
        <p>{message}</p>
      </div>
    </figure>
  );
}
