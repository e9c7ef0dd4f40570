/**
 * A uPlot chart of one or more series over the shared time window. History comes from
 * readings.query (re-asked whenever the window or the plot width changes), the live
 * stream tops it up, and the canvas is redrawn at most once per animation frame. React
 * renders the frame around it and stays out of the 10 Hz path: data-points and the point
 * count are written to the DOM directly.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import { formatCount, formatResolution } from '../format';
import { engine } from '../rpc/engine';
import { chartWindow, useChartWindow } from '../state/chart-window';
import { useConnection } from '../state/connection';
import { useChartColors } from '../theme/theme-colors';
import { planAxes } from './chart-axes';
import { ChartData, type ChartLoad, type ChartSeriesRef, type QueryWindow } from './chart-data';
import { CHART_HEIGHT, chartOptions } from './chart-options';
import { ExportButton } from './ExportButton';
import { createFrameScheduler } from './frame-scheduler';
import type { LiveFeed } from './live-feed';
import { buildPlotFrame, type PlotFrame } from './plot-data';
import { bindPlotGestures } from './plot-gestures';
import { freezeWindow, panWindow, rangeOf, type TimeWindow } from './time-window';

export interface TimeChartSeries extends ChartSeriesRef {
  label: string;
  unit: string;
}

/** Where a chart's time window lives; the shared one unless a page keeps its own (the serial plotter). */
export interface ChartWindowSource {
  getState(): { window: TimeWindow };
  subscribe(listener: (next: { window: TimeWindow }, previous: { window: TimeWindow }) => void): () => void;
  select(from: number, to: number): void;
  zoomAt(factor: number, anchor?: number): void;
  set(window: TimeWindow): void;
}

const SHARED_WINDOW: ChartWindowSource = {
  getState: useChartWindow.getState,
  subscribe: useChartWindow.subscribe,
  select: chartWindow.select,
  zoomAt: chartWindow.zoomAt,
  set: chartWindow.set,
};

interface Props {
  series: readonly TimeChartSeries[];
  feed: LiveFeed;
  /** charts sharing this key share the cursor */
  syncKey: string;
  testId: string;
  /** extra data-* attributes for the figure (tests find charts by them) */
  dataset?: Record<`data-${string}`, string>;
  /** controls shown beside the export button */
  toolbar?: ReactNode;
  windowSource?: ChartWindowSource;
  /** uPlot plugins (alarm overlays); a new array rebuilds the chart, so keep it stable */
  plugins?: uPlot.Plugin[];
  /** shown in the caption: the text alternative of what the plugins draw */
  caption?: ReactNode;
}

/** The width the engine reduces to: the plot area in CSS pixels, within the contract's bounds. */
function plotWidth(plot: uPlot): number {
  const width = Math.round(plot.over.clientWidth || plot.bbox.width / devicePixelRatio);
  return Math.min(20_000, Math.max(1, width > 0 ? width : 1000));
}

function resolutionOf(load: ChartLoad | null): string {
  const known = [...new Set(load?.resolutions.filter((r) => r !== null))];
  return known.join(',');
}

export function TimeChart({
  series,
  feed,
  syncKey,
  testId,
  dataset,
  toolbar,
  windowSource = SHARED_WINDOW,
  plugins,
  caption,
}: Props) {
  const epoch = useConnection((s) => s.epoch);
  const colors = useChartColors();
  const figureRef = useRef<HTMLElement>(null);
  const plotHostRef = useRef<HTMLDivElement>(null);
  const pointsRef = useRef<HTMLSpanElement>(null);
  const dataRef = useRef<ChartData | null>(null);
  const [load, setLoad] = useState<ChartLoad | null>(null);
  // one string that changes exactly when the chart must be rebuilt
  const specKey = JSON.stringify(series.map((s) => [s.deviceId, s.metric, s.label, s.unit]));

  // biome-ignore lint/correctness/useExhaustiveDependencies: specKey stands for `series`; a theme change rebuilds with its colours
  useEffect(() => {
    const figure = figureRef.current;
    const host = plotHostRef.current;
    if (!figure || !host) return;
    const plan = planAxes(series.map((s) => s.unit));
    let frame: PlotFrame = buildPlotFrame(series.map(() => ({ ts: [], values: [], quality: [] })));
    let plot: uPlot | null = null;

    const currentWindow = (): QueryWindow => {
      const window = windowSource.getState().window;
      const range = rangeOf(window, Date.now());
      return { ...range, live: window.live, pixelWidth: plot ? plotWidth(plot) : 1000 };
    };

    const draw = () => {
      if (!plot) return;
      const window = currentWindow();
      if (window.live) data.trimBefore(window.from);
      frame = buildPlotFrame(data.series, plan.normalized);
      plot.setData(frame.data, false);
      // setting x also re-ranges y to what is visible, and commits one redraw
      plot.setScale('x', { min: window.from / 1000, max: window.to / 1000 });
      figure.dataset.points = String(data.points);
      if (pointsRef.current) pointsRef.current.textContent = `${formatCount(data.points)} points`;
    };
    const scheduler = createFrameScheduler(draw);

    const data = new ChartData(series, {
      query: (ref, w) =>
        engine().request('readings.query', {
          deviceId: ref.deviceId,
          metric: ref.metric,
          from: Math.max(0, Math.floor(w.from)),
          to: Math.ceil(w.to),
          pixelWidth: w.pixelWidth,
        }),
      window: currentWindow,
      onData: () => scheduler.request(),
      onLoad: setLoad,
    });
    dataRef.current = data;

    plot = new uPlot(
      chartOptions({
        series,
        plan,
        width: Math.max(200, host.clientWidth),
        colors,
        syncKey,
        frame: () => frame,
        onSelect: windowSource.select,
        plugins,
      }),
      frame.data,
      host,
    );
    figure.dataset.points = '0';
    scheduler.request();
    if (useConnection.getState().epoch > 0) data.invalidate(0);

    // every chart follows the shared window: redraw now, query once the changes settle
    const stopWindow = windowSource.subscribe((next, previous) => {
      if (next.window === previous.window) return;
      scheduler.request();
      data.invalidate();
    });

    const stopLive = series.map((ref, i) =>
      feed.on(ref.deviceId, ref.metric, (batch) => data.addLive(i, batch)),
    );

    // slides a live window for devices gone quiet; trims here too, because a hidden tab
    // draws no frames and would otherwise hold every reading it was sent
    const tick = setInterval(() => {
      const window = currentWindow();
      if (!window.live) return;
      data.trimBefore(window.from);
      scheduler.request();
    }, 1000);

    const stopGestures = bindPlotGestures(plot, host, {
      zoomAt: windowSource.zoomAt,
      panStart: () => {
        const now = Date.now();
        const start = freezeWindow(windowSource.getState().window, now);
        return (widths) => windowSource.set(panWindow(start, now, -widths * start.spanMs));
      },
      focus: () => figure.closest<HTMLElement>('[tabindex]')?.focus({ preventScroll: true }),
    });

    let width = host.clientWidth;
    const resize = new ResizeObserver(() => {
      const next = host.clientWidth;
      if (next === width || next <= 0 || !plot) return;
      width = next;
      plot.setSize({ width: Math.max(200, next), height: CHART_HEIGHT });
      data.invalidate(); // a wider plot has room for more columns
    });
    resize.observe(host);

    return () => {
      resize.disconnect();
      stopGestures();
      clearInterval(tick);
      for (const stop of stopLive) stop();
      stopWindow();
      scheduler.cancel();
      data.dispose();
      dataRef.current = null;
      plot?.destroy();
      plot = null;
    };
  }, [specKey, feed, syncKey, windowSource, colors, plugins]);

  // readings that arrived while the link was down never reached the live stream
  useEffect(() => {
    if (epoch > 0) dataRef.current?.invalidate(0);
  }, [epoch]);

  const resolution = resolutionOf(load);
  return (
    <figure
      ref={figureRef}
      className="chart"
      data-testid={testId}
      data-resolution={resolution || undefined}
      {...dataset}
    >
      <div className="chart-toolbar">
        {toolbar}
        <ExportButton series={series} timeWindow={() => windowSource.getState().window} />
      </div>
      <div ref={plotHostRef} className="chart-plot" />
      <figcaption className="chart-caption">
        <span data-testid="chart-resolution">{resolution ? formatResolution(resolution) : 'loading…'}</span>
        {' · '}
        <span ref={pointsRef}>0 points</span>
        {load?.error && <span className="chart-error"> · History unavailable: {load.error}</span>}
        {caption}
      </figcaption>
    </figure>
  );
}
