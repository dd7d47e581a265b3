/**
 * A titled ECharts canvas. The figure carries the visible title, the container an aria-label and
 * `data-points` (how many data items the plot draws) and, once ECharts has finished drawing
 * (progressive series included), `data-rendered="true"`, which the browser tests wait for.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChartSpec } from './options.js';
import { echarts } from './echarts.js';

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
  const chart = useRef<ReturnType<typeof echarts.init> | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const instance = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(el);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const instance = chart.current;
    const el = host.current;
    if (!instance || !el) return;
    el.dataset.rendered = 'false';
    const finished = () => {
      el.dataset.rendered = 'true';
    };
    instance.on('finished', finished);
    try {
      instance.setOption(spec.option, { notMerge: true, lazyUpdate: false });
      setFailure(null);
    } catch (err) {
      // One plot that cannot draw its data says so; the rest of the page stays.
      el.dataset.rendered = 'error';
      setFailure(err instanceof Error ? err.message : String(err));
    }
    return () => instance.off('finished', finished);
  }, [spec]);

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
