/**
 * Turns a chart's series into uPlot's one shared x column. Each series becomes two plot
 * series: its line (good values) and its flagged markers (any other quality), so a bad
 * reading is seen where it was without a spike through the trace.
 *
 * uPlot reads `null` as a gap and `undefined` as "no point here, draw across": a reading
 * that arrived as null leaves a gap; a flagged reading, or a time at which only another
 * series has a point, is bridged.
 *
 * A reading the device sent as a value its specification prohibits or reserves ('invalid',
 * stored as null) leaves the gap and gets a flagged marker at the last value drawn, so the
 * fault is seen on the chart and the legend names it.
 *
 * A flagged reading far outside the good ones (a -999 glitch) is drawn pinned just past
 * the edge of their range: the marker still shows where it happened, the legend still
 * gives the real value, and the y axis stays scaled to the trace.
 */
import type uPlot from 'uplot';
import { qualityCode } from '../../common/reading';
import type { SeriesWindow } from './series-window';

export interface PlotFrame {
  /** [x in seconds, line 0, flagged 0, line 1, flagged 1, ...] */
  data: uPlot.AlignedData;
  /** per source series, aligned to x: its quality code, undefined where it has no point */
  quality: (number | undefined)[][];
  /** per source series, aligned to x: the real value (the plot may show it normalized) */
  values: (number | null | undefined)[][];
  /** readings held across all series */
  points: number;
}

/** Every distinct timestamp of every series, ascending, in ms. */
export function unionTimes(series: readonly SeriesWindow[]): Float64Array {
  if (series.length === 1) return Float64Array.from(series[0]?.ts ?? []);
  let total = 0;
  for (const s of series) total += s.ts.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const s of series) {
    all.set(s.ts, k);
    k += s.ts.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) {
    if (n === 0 || all[i] !== all[n - 1]) all[n++] = all[i] as number;
  }
  return all.subarray(0, n);
}

/** How far past the good values' range a flagged marker may be drawn, as a share of it. */
const PIN_MARGIN = 0.2;

interface ValueRange {
  min: number;
  max: number;
}

/** The range of a series' good values; of its flagged ones when it has no good value. */
function valueRange(s: SeriesWindow, goodOnly: boolean): ValueRange | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    if (v == null || (goodOnly && s.quality[i] !== 0)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : null;
}

/** Maps a series onto 0..1 of its own good range (flagged ones may fall outside). */
function normalizer(s: SeriesWindow): { offset: number; span: number } {
  const range = valueRange(s, true) ?? valueRange(s, false);
  if (!range) return { offset: 0, span: 1 };
  if (range.max === range.min) return { offset: range.min - 0.5, span: 1 };
  return { offset: range.min, span: range.max - range.min };
}

/** Where flagged markers are pinned, in plotted units; null: no good values to keep in view. */
function pinBounds(s: SeriesWindow, scale: { offset: number; span: number }): ValueRange | null {
  const good = valueRange(s, true);
  if (!good) return null;
  const min = (good.min - scale.offset) / scale.span;
  const max = (good.max - scale.offset) / scale.span;
  const margin = max > min ? PIN_MARGIN * (max - min) : Math.max(Math.abs(min) * 0.05, 1);
  return { min: min - margin, max: max + margin };
}

const INVALID = qualityCode('invalid');

export function buildPlotFrame(series: readonly SeriesWindow[], normalize = false): PlotFrame {
  const times = unionTimes(series);
  const n = times.length;
  const xs = new Array<number>(n);
  for (let i = 0; i < n; i++) xs[i] = (times[i] as number) / 1000;
  const data: (number | null | undefined)[][] = [];
  const quality: (number | undefined)[][] = [];
  const values: (number | null | undefined)[][] = [];
  let points = 0;
  for (const s of series) {
    points += s.ts.length;
    const line = new Array<number | null | undefined>(n).fill(undefined);
    const flagged = new Array<number | null | undefined>(n).fill(undefined);
    const q = new Array<number | undefined>(n).fill(undefined);
    const v = new Array<number | null | undefined>(n).fill(undefined);
    const scale = normalize ? normalizer(s) : { offset: 0, span: 1 };
    const pin = pinBounds(s, scale);
    // both sorted: one pass with a cursor into the union
    let j = 0;
    let lastShown: number | null = null;
    for (let i = 0; i < s.ts.length; i++) {
      const t = s.ts[i] as number;
      while ((times[j] as number) < t) j++;
      const value = s.values[i] as number | null;
      const code = s.quality[i] as number;
      const shown = value === null ? null : (value - scale.offset) / scale.span;
      q[j] = code;
      v[j] = value;
      if (shown === null) {
        line[j] = null;
        if (code === INVALID && lastShown !== null) flagged[j] = lastShown;
      } else if (code === 0) line[j] = lastShown = shown;
      else flagged[j] = lastShown = pin ? Math.min(pin.max, Math.max(pin.min, shown)) : shown;
    }
    data.push(line, flagged);
    quality.push(q);
    values.push(v);
  }
  return { data: [xs, ...data], quality, values, points };
}
