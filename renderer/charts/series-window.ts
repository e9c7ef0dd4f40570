/**
 * One metric's points for a live chart, columnar like the wire format and kept sorted by
 * device time. Readings can arrive out of order (a device replays its buffer after a
 * reconnect, two connectors race), so points are inserted in place rather than appended;
 * a chart that simply appended would draw lines that double back on themselves.
 */

export interface SeriesWindow {
  /** device time, ms, strictly increasing */
  ts: number[];
  values: (number | null)[];
  /** index into QUALITIES; 0 is good */
  quality: number[];
}

export interface PointBatch {
  ts: readonly number[];
  values: readonly (number | null)[];
  quality: readonly number[];
}

/** Above this many points, one merge pass beats inserting them one by one. */
const MERGE_THRESHOLD = 16;

export function createSeriesWindow(): SeriesWindow {
  return { ts: [], values: [], quality: [] };
}

export function clearSeries(series: SeriesWindow): void {
  series.ts.length = 0;
  series.values.length = 0;
  series.quality.length = 0;
}

/** First index whose ts is >= t. */
export function lowerBound(ts: readonly number[], t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Adds points, keeping ts sorted. A point at a ts already present replaces it: the store
 * keys readings by (metric, ts), so the same ts twice is the same reading seen twice (a
 * history query overlapping the live tail), and the later copy is the one to keep.
 */
export function insertPoints(series: SeriesWindow, batch: PointBatch): void {
  // a malformed batch with ragged columns contributes only its complete points
  const n = Math.min(batch.ts.length, batch.values.length, batch.quality.length);
  if (n === 0) return;
  if (appendsInOrder(series, batch, n)) {
    for (let i = 0; i < n; i++) {
      series.ts.push(batch.ts[i] as number);
      series.values.push(batch.values[i] as number | null);
      series.quality.push(batch.quality[i] as number);
    }
    return;
  }
  if (n <= MERGE_THRESHOLD) {
    for (let i = 0; i < n; i++) {
      insertOne(series, batch.ts[i] as number, batch.values[i] as number | null, batch.quality[i] as number);
    }
    return;
  }
  mergeAll(series, batch, n);
}

/** The common case at 10 Hz: every new point is newer than everything held. */
function appendsInOrder(series: SeriesWindow, batch: PointBatch, n: number): boolean {
  let previous = series.ts.length > 0 ? (series.ts[series.ts.length - 1] as number) : -Infinity;
  for (let i = 0; i < n; i++) {
    const t = batch.ts[i] as number;
    if (!(t > previous)) return false;
    previous = t;
  }
  return true;
}

function insertOne(series: SeriesWindow, t: number, value: number | null, quality: number): void {
  const i = lowerBound(series.ts, t);
  if (series.ts[i] === t) {
    series.values[i] = value;
    series.quality[i] = quality;
    return;
  }
  series.ts.splice(i, 0, t);
  series.values.splice(i, 0, value);
  series.quality.splice(i, 0, quality);
}

function mergeAll(series: SeriesWindow, batch: PointBatch, n: number): void {
  // stable sort of the batch by ts; among equal ts the later one wins, as in insertOne
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (batch.ts[a] as number) - (batch.ts[b] as number) || a - b,
  );
  const ts: number[] = [];
  const values: (number | null)[] = [];
  const quality: number[] = [];
  const push = (t: number, v: number | null, q: number) => {
    if (ts.length > 0 && ts[ts.length - 1] === t) {
      values[values.length - 1] = v;
      quality[quality.length - 1] = q;
      return;
    }
    ts.push(t);
    values.push(v);
    quality.push(q);
  };
  let i = 0;
  let j = 0;
  while (i < series.ts.length || j < n) {
    const held = i < series.ts.length ? (series.ts[i] as number) : Infinity;
    const k = j < n ? (order[j] as number) : -1;
    const incoming = k >= 0 ? (batch.ts[k] as number) : Infinity;
    if (held < incoming) {
      push(held, series.values[i] as number | null, series.quality[i] as number);
      i++;
    } else if (held === incoming) {
      // same reading held and incoming: keep the incoming copy
      i++;
    } else {
      push(incoming, batch.values[k] as number | null, batch.quality[k] as number);
      j++;
    }
  }
  series.ts = ts;
  series.values = values;
  series.quality = quality;
}

/** Drops points older than cutoff (ms); returns how many went. */
export function trimBefore(series: SeriesWindow, cutoff: number): number {
  const i = lowerBound(series.ts, cutoff);
  if (i === 0) return 0;
  series.ts.splice(0, i);
  series.values.splice(0, i);
  series.quality.splice(0, i);
  return i;
}

/** Copies of the points strictly newer than t (the live tail a fresh query answer lacks). */
export function pointsAfter(series: SeriesWindow, t: number): PointBatch {
  const i = lowerBound(series.ts, t + 1e-9);
  return { ts: series.ts.slice(i), values: series.values.slice(i), quality: series.quality.slice(i) };
}

/** Drops points newer than cutoff (ms); returns how many went. */
export function trimAfter(series: SeriesWindow, cutoff: number): number {
  const i = lowerBound(series.ts, cutoff + 1e-9);
  const n = series.ts.length - i;
  if (n <= 0) return 0;
  series.ts.length = i;
  series.values.length = i;
  series.quality.length = i;
  return n;
}
