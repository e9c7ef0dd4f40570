/**
 * Alarm limits and episodes on a device's metric chart: the overlay plugin for the canvas
 * and, for screen readers and anyone who prefers words, the same marks as text in the
 * chart's caption.
 */
import { type ReactNode, useEffect, useMemo } from 'react';
import type uPlot from 'uplot';
import { rangeOf } from '../charts/time-window';
import { useChartWindow } from '../state/chart-window';
import { useNow } from '../state/clock';
import { episodesIn, episodesOf, limitLines, marksText } from './alarm-marks';
import { createAlarmOverlay } from './alarm-overlay';
import { useDeviceAlarmData } from './chart-alarm-marks';

function MarksText({ text, error }: { text: string; error: string | null }) {
  return (
    <span className="chart-alarms" data-testid="chart-alarm-text">
      {' · '}
      {error ? `Alarm marks unavailable: ${error}` : text}
    </span>
  );
}

export function useChartAlarms(
  deviceId: string,
  metric: string,
  unit: string,
): { plugins: uPlot.Plugin[]; caption: ReactNode } {
  const overlay = useMemo(() => createAlarmOverlay(), []);
  const plugins = useMemo(() => [overlay.plugin], [overlay]);
  const data = useDeviceAlarmData(deviceId);
  const lines = useMemo(() => limitLines(data.rules, metric), [data.rules, metric]);
  const episodes = useMemo(() => episodesOf(data.transitions, metric), [data.transitions, metric]);
  useEffect(() => overlay.set({ lines, episodes }), [overlay, lines, episodes]);

  const window = useChartWindow((s) => s.window);
  const now = useNow();
  const { from, to } = rangeOf(window, now);
  const inView = episodesIn(episodes, from, to);
  const hasMarks = lines.length > 0 || episodes.length > 0;
  const caption =
    hasMarks || data.error ? <MarksText text={marksText(lines, inView, unit)} error={data.error} /> : null;
  return { plugins, caption };
}
