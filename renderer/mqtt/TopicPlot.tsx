/**
 * Plots one numeric field of a topic's messages (a JSON path, or the bare number) over
 * arrival time: the messages already in the history, then every new one while the plot is
 * open, keeping the last 5,000 points.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { BrowsedMessage } from '../../common/mqtt-browse-contract';
import { CHART_HEIGHT } from '../charts/chart-options';
import { formatDateTime, formatValue } from '../format';
import { type ChartColors, seriesColor, useChartColors } from '../theme/theme-colors';
import { type JsonPath, numberAt, parseJson, pathLabel } from '../tools/json-fields';
import { payloadText } from './message-text';

export const MAX_PLOT_POINTS = 5000;

interface Points {
  /** the field these points are of */
  label: string;
  ts: number[];
  values: (number | null)[];
  last: BrowsedMessage | null;
}

/** the messages after `last` (all of them when it was trimmed away or never set) */
function newer(messages: readonly BrowsedMessage[], last: BrowsedMessage | null): BrowsedMessage[] {
  if (!last) return [...messages];
  const at = messages.lastIndexOf(last);
  return at >= 0 ? messages.slice(at + 1) : messages.filter((m) => m.ts > last.ts);
}

function axisColors(colors: ChartColors): uPlot.Axis {
  return { stroke: colors.axis, grid: { stroke: colors.grid }, ticks: { stroke: colors.grid } };
}

export function TopicPlot({
  messages,
  version,
  path,
}: {
  messages: readonly BrowsedMessage[];
  version: number;
  path: JsonPath;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const points = useRef<Points>({ label: '', ts: [], values: [], last: null });
  const label = pathLabel(path);
  const colors = useChartColors();

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    // a theme change rebuilds the plot: it keeps the points; another field starts afresh
    if (points.current.label !== label) points.current = { label, ts: [], values: [], last: null };
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: CHART_HEIGHT,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        series: [
          { value: (_u, v) => (v == null ? '—' : formatDateTime(v * 1000, true)) },
          {
            label,
            stroke: seriesColor(colors, 0),
            width: 1.5,
            points: { show: true, size: 4 },
            value: (_u, v) => formatValue(v ?? null),
          },
        ],
        axes: [axisColors(colors), { ...axisColors(colors), size: 60 }],
      },
      [points.current.ts, points.current.values],
      el,
    );
    plot.current = u;
    const resize = () => u.setSize({ width: Math.max(200, el.clientWidth), height: CHART_HEIGHT });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      u.destroy();
      plot.current = null;
    };
  }, [label, colors]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` says the messages grew
  useEffect(() => {
    const p = points.current;
    const fresh = newer(messages, p.last);
    if (fresh.length === 0) return;
    for (const m of fresh) {
      p.ts.push(m.ts / 1000);
      p.values.push(numberAt(parseJson(payloadText(m).text), path));
    }
    p.last = fresh.at(-1) ?? p.last;
    if (p.ts.length > MAX_PLOT_POINTS) {
      p.ts.splice(0, p.ts.length - MAX_PLOT_POINTS);
      p.values.splice(0, p.values.length - MAX_PLOT_POINTS);
    }
    plot.current?.setData([p.ts, p.values]);
    host.current?.setAttribute('data-points', String(p.values.filter((v) => v !== null).length));
  }, [messages, version, path]);

  return (
    <div className="topic-plot" ref={host} data-testid="topic-plot" data-field={label} data-points="0" />
  );
}
