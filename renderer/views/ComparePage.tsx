/**
 * Several series, from any devices, on one chart over the shared window. What is shown
 * is the URL's list; the checkboxes on device pages build that list.
 */
import { useEffect, useLayoutEffect, useMemo } from 'react';
import { ChartArea } from '../charts/ChartArea';
import { createLiveFeed } from '../charts/live-feed';
import { TimeChart, type TimeChartSeries } from '../charts/TimeChart';
import { hrefFor, navigate, type SeriesRef } from '../router';
import { engine } from '../rpc/engine';
import { sameSeries, setCompared } from '../state/comparison';
import { useDevices } from '../state/devices';

function useChartSeries(refs: readonly SeriesRef[]): TimeChartSeries[] {
  const devices = useDevices((s) => s.devices);
  return useMemo(() => {
    const names = new Map(devices.map((d) => [d.id, d]));
    return refs.map((ref) => {
      const device = names.get(ref.deviceId);
      const unit = device?.metrics.find((m) => m.name === ref.metric)?.unit ?? '';
      return { ...ref, unit, label: `${device?.name ?? ref.deviceId} ${ref.metric}` };
    });
  }, [devices, refs]);
}

function SeriesList({ refs, series }: { refs: readonly SeriesRef[]; series: readonly TimeChartSeries[] }) {
  const remove = (ref: SeriesRef) =>
    navigate({ name: 'compare', series: refs.filter((r) => !sameSeries(r, ref)) });
  return (
    <ul className="compare-list">
      {series.map((s) => (
        <li key={`${s.deviceId}\u0000${s.metric}`}>
          <a href={hrefFor({ name: 'device', deviceId: s.deviceId })}>{s.label}</a>
          {s.unit && <span className="muted"> ({s.unit})</span>}{' '}
          <button
            type="button"
            className="small-button"
            onClick={() => remove(s)}
            aria-label={`Remove ${s.label}`}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

export function ComparePage({ series: routeRefs }: { series: SeriesRef[] }) {
  // the route is parsed afresh on every render; the list only changes with the URL
  const refsKey = JSON.stringify(routeRefs);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refsKey stands for routeRefs
  const refs = useMemo(() => routeRefs, [refsKey]);
  const series = useChartSeries(refs);
  const deviceIds = useMemo(() => [...new Set(refs.map((r) => r.deviceId))], [refs]);
  const feed = useMemo(() => createLiveFeed(deviceIds), [deviceIds]);

  // the device pages' checkboxes show what this page compares
  useEffect(() => setCompared(refs), [refs]);

  // before the chart's own effects, so no reading falls between history and stream
  useLayoutEffect(() => {
    if (deviceIds.length === 0) return;
    return engine().subscribe('readings.live', { deviceIds }, (batch) => feed.dispatch(batch));
  }, [deviceIds, feed]);

  return (
    <section className="page">
      <div className="page-head">
        <h1>Compare</h1>
        <span className="muted">{refs.length} series</span>
      </div>
      {refs.length === 0 ? (
        <p className="empty">
          Nothing to compare yet: tick “add to comparison” under charts on device pages, then follow the
          Compare link.
        </p>
      ) : (
        <>
          <SeriesList refs={refs} series={series} />
          <ChartArea>
            <TimeChart
              series={series}
              feed={feed}
              syncKey="compare"
              testId="compare-chart"
              dataset={{ 'data-series': String(series.length) }}
            />
          </ChartArea>
        </>
      )}
    </section>
  );
}
