/**
 * uPlot options for one metric's live chart. Flagged readings are a second series with
 * no line, drawn as red markers, so a technician sees where the data was bad without it
 * distorting the trace.
 */
import type uPlot from 'uplot';
import { formatValue } from '../format';

export const CHART_HEIGHT = 160;

const LINE = '#1d5fbf';
const FLAGGED = '#d62828';
const AXIS = '#5b6470';
const GRID = 'rgba(0, 0, 0, 0.07)';

const legendValue = (_u: uPlot, value: number | null) => (value == null ? '—' : formatValue(value));

export function chartOptions(metric: string, unit: string, width: number): uPlot.Options {
  const axisFont = '11px system-ui, sans-serif';
  return {
    width,
    height: CHART_HEIGHT,
    // the view follows "now"; drag-to-zoom would be undone by the next frame
    cursor: { drag: { x: false, y: false, setScale: false } },
    scales: { x: { time: true } },
    legend: { live: true },
    axes: [
      { stroke: AXIS, font: axisFont, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 } },
      {
        stroke: AXIS,
        font: axisFont,
        size: 60,
        label: unit || undefined,
        labelFont: axisFont,
        labelSize: 16,
        grid: { stroke: GRID, width: 1 },
        ticks: { stroke: GRID, width: 1 },
        // uPlot's own tick labels: their precision follows the tick step (98000.1, 98000.2)
      },
    ],
    series: [
      {},
      {
        label: unit ? `${metric} (${unit})` : metric,
        stroke: LINE,
        width: 1.5,
        spanGaps: false,
        value: legendValue,
      },
      {
        label: 'flagged',
        stroke: FLAGGED,
        width: 0,
        paths: () => null,
        points: { show: true, size: 7, width: 1, stroke: FLAGGED, fill: FLAGGED },
        value: legendValue,
      },
    ],
  };
}
