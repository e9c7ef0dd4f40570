/**
 * The rule being edited, drawn on its series' chart: the draft's limits and clear points
 * as they are typed (the value axis takes them all in) over live and stored readings,
 * with the saved rule's past episodes shaded, and a backtest's would-have-fired episodes
 * when one ran. Shown when the rule names one device and its metric.
 */
import { useEffect, useLayoutEffect, useMemo } from 'react';
import type { BacktestResult, Rule } from '../../common/alarm-contract';
import { ChartArea } from '../charts/ChartArea';
import { createLiveFeed } from '../charts/live-feed';
import { TimeChart } from '../charts/TimeChart';
import { engine } from '../rpc/engine';
import { useDevices } from '../state/devices';
import { episodesOf, limitLines, marksText } from './alarm-marks';
import { createAlarmOverlay } from './alarm-overlay';
import { backtestMarks } from './analysis-words';
import { useDeviceAlarmData } from './chart-alarm-marks';

function PreviewChart({
  deviceId,
  metric,
  unit,
  rule,
  backtest,
}: {
  deviceId: string;
  metric: string;
  unit: string;
  rule: Rule | null;
  backtest: BacktestResult | null;
}) {
  const feed = useMemo(() => createLiveFeed([deviceId]), [deviceId]);
  useLayoutEffect(
    () => engine().subscribe('readings.live', { deviceIds: [deviceId] }, (batch) => feed.dispatch(batch)),
    [deviceId, feed],
  );
  const overlay = useMemo(() => createAlarmOverlay('all'), []);
  const plugins = useMemo(() => [overlay.plugin], [overlay]);
  const series = useMemo(() => [{ deviceId, metric, unit, label: metric }], [deviceId, metric, unit]);
  const data = useDeviceAlarmData(deviceId);
  // the draft is drawn even while disabled: the point is to see where it would fire
  const lines = useMemo(() => (rule ? limitLines([{ ...rule, enabled: true }], metric) : []), [rule, metric]);
  // a backtest's episodes take the place of the journal's: they are what this draft would do
  const episodes = useMemo(() => {
    if (!rule) return [];
    if (backtest) return backtestMarks(backtest, rule.id, deviceId, metric);
    return episodesOf(data.transitions, metric).filter((e) => e.ruleId === rule.id);
  }, [data.transitions, metric, rule, backtest, deviceId]);
  useEffect(() => overlay.set({ lines, episodes }), [overlay, lines, episodes]);
  return (
    <ChartArea>
      <TimeChart
        series={series}
        feed={feed}
        syncKey={`rule-preview:${deviceId}`}
        testId="rule-preview-chart"
        dataset={{ 'data-metric': metric, 'data-backtest': backtest ? 'shown' : 'none' }}
        plugins={plugins}
        caption={
          <span className="chart-alarms" data-testid="chart-alarm-text">
            {' · '}
            {marksText(lines, episodes, unit)}
          </span>
        }
      />
    </ChartArea>
  );
}

export function RulePreviewChart({
  deviceIds,
  metric,
  rule,
  backtest = null,
}: {
  deviceIds: string;
  metric: string;
  rule: Rule | null;
  backtest?: BacktestResult | null;
}) {
  const ids = deviceIds.split(/[\s,]+/).filter((d) => d !== '');
  const deviceId = ids.length === 1 ? ids[0]! : null;
  const device = useDevices((s) =>
    deviceId === null ? undefined : s.devices.find((d) => d.id === deviceId),
  );
  const info = device?.metrics.find((m) => m.name === metric.trim());
  if (!device || !info) {
    return (
      <p className="muted small" data-testid="rule-preview-chart-hint">
        Name one device id and one of its metrics to see the rule on that series' chart.
      </p>
    );
  }
  return (
    <PreviewChart
      key={`${device.id}\n${info.name}`}
      deviceId={device.id}
      metric={info.name}
      unit={info.unit}
      rule={rule}
      backtest={backtest}
    />
  );
}
