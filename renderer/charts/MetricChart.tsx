/**
 * One metric of one device as a live uPlot chart: history from readings.query, then the
 * live stream appended. Data goes straight into a mutable window and the canvas is
 * redrawn at most once per animation frame; React renders the frame around it once and
 * stays out of the 10 Hz path (data-points is set on the element directly).
 */
import { memo, useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import { engine } from '../rpc/engine';
import { useConnection } from '../state/connection';
import { CHART_HEIGHT, chartOptions } from './chart-options';
import { createFrameScheduler, type FrameScheduler } from './frame-scheduler';
import type { LiveFeed } from './live-feed';
import { clearSeries, createSeriesWindow, insertPoints, toPlotData, trimBefore } from './series-window';

interface Props {
  deviceId: string;
  metric: string;
  unit: string;
  windowMs: number;
  feed: LiveFeed;
}

/** How many points to ask the engine for: about one per CSS pixel of plot width. */
function pointsFor(element: HTMLElement | null): number {
  const width = element?.clientWidth ?? 0;
  return Math.min(20_000, Math.max(100, Math.round(width > 0 ? width : 1000)));
}

export const MetricChart = memo(function MetricChart({ deviceId, metric, unit, windowMs, feed }: Props) {
  const epoch = useConnection((s) => s.epoch);
  const figureRef = useRef<HTMLElement>(null);
  const plotHostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const seriesRef = useRef(createSeriesWindow());
  const windowRef = useRef(windowMs);
  const queriedWindowRef = useRef(windowMs);
  const schedulerRef = useRef<FrameScheduler | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    windowRef.current = windowMs;
    schedulerRef.current?.request();
  }, [windowMs]);

  // the chart itself: created once per metric, fed by the live stream, resized with its box
  useEffect(() => {
    const figure = figureRef.current;
    const host = plotHostRef.current;
    if (!figure || !host) return;
    const series = seriesRef.current;
    const plot = new uPlot(
      chartOptions(metric, unit, Math.max(200, host.clientWidth)),
      toPlotData(series),
      host,
    );
    plotRef.current = plot;
    figure.dataset.points = '0';

    const draw = () => {
      const now = Date.now();
      const span = windowRef.current;
      trimBefore(series, now - span);
      plot.setData(toPlotData(series), false);
      // setting x also re-ranges y to what is visible, and commits one redraw
      plot.setScale('x', { min: (now - span) / 1000, max: now / 1000 });
      figure.dataset.points = String(series.ts.length);
    };
    const scheduler = createFrameScheduler(draw);
    schedulerRef.current = scheduler;
    scheduler.request();

    const stopLive = feed.on(metric, (data) => {
      insertPoints(series, data);
      // trimmed here too, so a hidden window (no animation frames) does not grow forever
      trimBefore(series, Date.now() - windowRef.current);
      scheduler.request();
    });
    // keeps the window sliding for a device that has gone quiet
    const tick = setInterval(() => scheduler.request(), 1000);

    let width = host.clientWidth;
    const resize = new ResizeObserver(() => {
      const next = host.clientWidth;
      if (next === width || next <= 0) return;
      width = next;
      plot.setSize({ width: Math.max(200, next), height: CHART_HEIGHT });
    });
    resize.observe(host);

    return () => {
      resize.disconnect();
      clearInterval(tick);
      stopLive();
      scheduler.cancel();
      schedulerRef.current = null;
      plotRef.current = null;
      plot.destroy();
    };
  }, [feed, metric, unit]);

  // history for the window: on open, when the window changes, and after every reconnect
  // (readings that arrived while the link was down never reached the live stream)
  useEffect(() => {
    if (epoch === 0) return; // not connected yet; the first connection bumps the epoch
    const series = seriesRef.current;
    if (queriedWindowRef.current !== windowMs) {
      // a different window wants a different resolution: start over rather than mix them
      clearSeries(series);
      queriedWindowRef.current = windowMs;
      schedulerRef.current?.request();
    }
    let cancelled = false;
    const to = Date.now();
    engine()
      .request('readings.query', {
        deviceId,
        metric,
        from: Math.max(0, to - windowMs),
        to,
        pixelWidth: pointsFor(plotHostRef.current),
      })
      .then(
        (data) => {
          if (cancelled) return;
          insertPoints(series, data);
          setError(null);
          schedulerRef.current?.request();
        },
        (failure: Error & { code?: string }) => {
          // CLOSED: the reconnect bumps the epoch and this runs again
          if (!cancelled && failure.code !== 'CLOSED') setError(failure.message);
        },
      );
    return () => {
      cancelled = true;
    };
  }, [deviceId, metric, windowMs, epoch]);

  return (
    <figure ref={figureRef} className="chart" data-testid="metric-chart" data-metric={metric}>
      <div ref={plotHostRef} className="chart-plot" />
      {error && <figcaption className="chart-error">History unavailable: {error}</figcaption>}
    </figure>
  );
});
