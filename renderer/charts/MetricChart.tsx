/** One metric of one device on a device page, with its "add to comparison" box and its alarm marks. */
import { memo, useMemo } from 'react';
import { useChartAlarms } from '../alarms/ChartAlarms';
import { isCompared, MAX_COMPARED, toggleCompared, useComparison } from '../state/comparison';
import type { LiveFeed } from './live-feed';
import { TimeChart } from './TimeChart';

interface Props {
  deviceId: string;
  metric: string;
  unit: string;
  feed: LiveFeed;
}

function CompareBox({ deviceId, metric }: { deviceId: string; metric: string }) {
  const selected = useComparison((s) => s.selected);
  const checked = isCompared(selected, { deviceId, metric });
  const full = !checked && selected.length >= MAX_COMPARED;
  return (
    <label
      className="compare-box"
      title={full ? `At most ${MAX_COMPARED} series can be compared` : undefined}
    >
      <input
        type="checkbox"
        checked={checked}
        disabled={full}
        data-testid="compare-checkbox"
        onChange={() => toggleCompared({ deviceId, metric })}
      />{' '}
      add to comparison
    </label>
  );
}

export const MetricChart = memo(function MetricChart({ deviceId, metric, unit, feed }: Props) {
  const series = useMemo(() => [{ deviceId, metric, unit, label: metric }], [deviceId, metric, unit]);
  const alarms = useChartAlarms(deviceId, metric, unit);
  return (
    <TimeChart
      series={series}
      feed={feed}
      syncKey={`device:${deviceId}`}
      testId="metric-chart"
      dataset={{ 'data-metric': metric }}
      toolbar={<CompareBox deviceId={deviceId} metric={metric} />}
      plugins={alarms.plugins}
      caption={alarms.caption}
    />
  );
});
