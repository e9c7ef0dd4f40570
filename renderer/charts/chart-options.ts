/**
 * uPlot options for a time chart of one or more series. Each series is a line plus a
 * marker-only series for its flagged readings (red, so a technician sees where the data
 * was bad without it distorting the trace); the legend names the quality at the cursor.
 *
 * Zoom and pan are the app's, not uPlot's: a drag selection is reported (onSelect) and
 * cleared, and the shared time window store then sets every chart's x scale.
 */
import type uPlot from 'uplot';
import { QUALITIES } from '../../common/reading';
import { formatDateTime, formatValue, formatWithUnit } from '../format';
import { type ChartColors, seriesColor } from '../theme/theme-colors';
import type { AxisPlan } from './chart-axes';
import type { PlotFrame } from './plot-data';

export const CHART_HEIGHT = 180;

const FONT = '11px system-ui, sans-serif';

/** A flagged marker further than this from the cursor is not "at the cursor". */
const FLAGGED_HOVER_PX = 12;
/** A shorter drag is a click, not a selection. */
const MIN_SELECT_PX = 3;

export interface PlotSeriesSpec {
  label: string;
  unit: string;
}

export interface ChartOptionsInput {
  series: readonly PlotSeriesSpec[];
  plan: AxisPlan;
  width: number;
  /** the theme's colours: the chart is rebuilt when they change */
  colors: ChartColors;
  /** charts with the same key show the cursor at the same time */
  syncKey: string;
  /** the frame on screen, read by the legend */
  frame(): PlotFrame;
  onSelect(fromMs: number, toMs: number): void;
  /** drawing on top of the series (alarm limits and episodes) */
  plugins?: uPlot.Plugin[];
}

const qualityName = (code: number | undefined) => (code === undefined ? '' : (QUALITIES[code] ?? 'suspect'));

function lineLegend(input: ChartOptionsInput, k: number) {
  const unit = input.series[k]?.unit ?? '';
  return (_u: uPlot, _shown: number | null, _s: number, idx: number | null): string => {
    if (idx == null) return '—';
    const frame = input.frame();
    const real = frame.values[k]?.[idx];
    if (real === undefined) return '—';
    if (real === null) return `no value (${qualityName(frame.quality[k]?.[idx])})`;
    return formatWithUnit(real, unit);
  };
}

function flaggedLegend(input: ChartOptionsInput, k: number) {
  return (_u: uPlot, shown: number | null, _s: number, idx: number | null): string => {
    if (idx == null || shown == null) return '—';
    const frame = input.frame();
    return `${formatValue(frame.values[k]?.[idx] ?? null)} · ${qualityName(frame.quality[k]?.[idx])}`;
  };
}

function plotSeries(input: ChartOptionsInput): uPlot.Series[] {
  const single = input.series.length === 1;
  const { colors } = input;
  return input.series.flatMap((spec, k): uPlot.Series[] => {
    const color = seriesColor(colors, k);
    const scale = input.plan.scaleOf[k] ?? 'y';
    const label = spec.unit && !input.plan.normalized ? `${spec.label} (${spec.unit})` : spec.label;
    return [
      { label, scale, stroke: color, width: 1.5, spanGaps: false, value: lineLegend(input, k) },
      {
        label: single ? 'flagged' : `${spec.label} flagged`,
        scale,
        stroke: colors.flagged,
        width: 0,
        paths: () => null,
        points: {
          show: true,
          size: 7,
          width: 1.5,
          stroke: single ? colors.flagged : color,
          fill: colors.flagged,
        },
        value: flaggedLegend(input, k),
      },
    ];
  });
}

/** Room for the widest tick label, so "98,000.4" never runs into the axis title. */
const MIN_AXIS_PX = 50;
function axisSize(u: uPlot, values: string[] | null): number {
  // measured at CSS size (FONT), which is what the axis width is given in
  const ctx = u.ctx;
  ctx.save();
  ctx.font = FONT;
  let widest = 0;
  for (const v of values ?? []) widest = Math.max(widest, ctx.measureText(v).width);
  ctx.restore();
  return Math.max(MIN_AXIS_PX, Math.ceil(widest + 14));
}

function yAxes(plan: AxisPlan, colors: ChartColors): uPlot.Axis[] {
  return plan.axes.map((axis, i) => ({
    scale: axis.scale,
    side: i === 0 ? 3 : 1,
    stroke: colors.axis,
    font: FONT,
    size: axisSize,
    label: axis.label || undefined,
    labelFont: FONT,
    labelSize: 16,
    // the right axis draws no grid of its own: two grids that disagree are noise
    grid: { show: i === 0, stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1 },
    // uPlot's own tick labels: their precision follows the tick step (98000.1, 98000.2)
  }));
}

export function chartOptions(input: ChartOptionsInput): uPlot.Options {
  const scales: uPlot.Scales = { x: { time: true } };
  for (const axis of input.plan.axes) scales[axis.scale] = { auto: true };
  return {
    width: input.width,
    height: CHART_HEIGHT,
    cursor: {
      drag: { x: true, y: false, setScale: false },
      // only the cursor position is shared: a drag on one chart must select once, not once per chart
      sync: {
        key: input.syncKey,
        scales: ['x', null],
        setSeries: false,
        filters: { pub: (type) => type === 'mousemove' || type === 'mouseleave' },
      },
      // odd plot series are lines (hover the nearest reading), even ones flagged markers
      hover: { prox: (_u, seriesIdx) => (seriesIdx > 0 && seriesIdx % 2 === 0 ? FLAGGED_HOVER_PX : null) },
      // uPlot's double-click resets the x scale to the data, behind the window store's back
      bind: { dblclick: () => null },
    },
    scales,
    plugins: input.plugins ?? [],
    legend: { live: true },
    axes: [
      {
        stroke: input.colors.axis,
        font: FONT,
        grid: { stroke: input.colors.grid, width: 1 },
        ticks: { stroke: input.colors.grid, width: 1 },
      },
      ...yAxes(input.plan, input.colors),
    ],
    // the cursor's time to the millisecond: the chart zooms down to seconds
    series: [{ value: (_u, t) => (t == null ? '—' : formatDateTime(t * 1000, true)) }, ...plotSeries(input)],
    hooks: {
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          if (width >= MIN_SELECT_PX) {
            input.onSelect(u.posToVal(left, 'x') * 1000, u.posToVal(left + width, 'x') * 1000);
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        },
      ],
    },
  };
}
