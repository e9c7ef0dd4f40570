/**
 * 1-minute rollups of outbox readings, per series: what metered mode sends ahead of the raw
 * data, and what a folded outbox row keeps of the raw rows the quota made it drop. One
 * accumulator for both, so a bucket means the same thing whichever way it travels:
 *
 *   count, sum, min, max, first, last: over readings that carry a number
 *   nulls: readings without a number (so every reading is accounted for)
 *
 * A folded row's body is this module's encoding (gzip of compact JSON columns); it keeps
 * each bucket's first/last device time so that merging buckets keeps first and last right.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { SeriesChunk } from './series-chunks';

export const MINUTE = 60_000;

export interface Bucket {
  count: number;
  nulls: number;
  sum: number;
  min: number;
  max: number;
  first: number;
  last: number;
  /** device time of `first` / `last`; NaN while the bucket has no number */
  firstTs: number;
  lastTs: number;
}

export interface RollupSeries {
  deviceId: string;
  metric: string;
  buckets: Map<number, Bucket>;
}

/** What a folded outbox row holds. */
export interface FoldedRollups {
  /** raw readings summarised, nulls included */
  readings: number;
  /** device-time range of those readings */
  fromTs: number;
  toTs: number;
  series: RollupSeries[];
}

export class FoldedFormatError extends Error {}

const emptyBucket = (): Bucket => ({
  count: 0,
  nulls: 0,
  sum: 0,
  min: Number.POSITIVE_INFINITY,
  max: Number.NEGATIVE_INFINITY,
  first: Number.NaN,
  last: Number.NaN,
  firstTs: Number.NaN,
  lastTs: Number.NaN,
});

export class RollupAccumulator {
  private readonly bySeries = new Map<string, RollupSeries>();
  /** raw readings added, nulls included */
  readings = 0;
  /** readings that carry a number */
  numeric = 0;
  fromTs = Number.POSITIVE_INFINITY;
  toTs = Number.NEGATIVE_INFINITY;

  private seriesOf(deviceId: string, metric: string): RollupSeries {
    const k = `${deviceId}\u0000${metric}`;
    let s = this.bySeries.get(k);
    if (!s) {
      s = { deviceId, metric, buckets: new Map() };
      this.bySeries.set(k, s);
    }
    return s;
  }

  addChunk(c: SeriesChunk): void {
    const s = this.seriesOf(c.deviceId, c.metric);
    const n = c.ts.length;
    if (n === 0) return;
    this.readings += n;
    // chunks are sorted by time: the range is their ends
    if (c.ts[0]! < this.fromTs) this.fromTs = c.ts[0]!;
    if (c.ts[n - 1]! > this.toTs) this.toTs = c.ts[n - 1]!;
    let start = Number.NaN;
    let b: Bucket = emptyBucket();
    for (let i = 0; i < n; i++) {
      const t = c.ts[i]!;
      const bucketStart = Math.floor(t / MINUTE) * MINUTE;
      if (bucketStart !== start) {
        start = bucketStart;
        let found = s.buckets.get(start);
        if (!found) {
          found = emptyBucket();
          s.buckets.set(start, found);
        }
        b = found;
      }
      const v = c.values[i]!;
      if (!Number.isFinite(v)) {
        b.nulls++;
        continue;
      }
      this.numeric++;
      addValue(b, v, t);
    }
  }

  /** Merges a folded row's buckets in (metered mode sending folded rows with fresh ones). */
  addFolded(f: FoldedRollups): void {
    this.readings += f.readings;
    if (f.fromTs < this.fromTs) this.fromTs = f.fromTs;
    if (f.toTs > this.toTs) this.toTs = f.toTs;
    for (const fs of f.series) {
      const s = this.seriesOf(fs.deviceId, fs.metric);
      for (const [start, fb] of fs.buckets) {
        this.numeric += fb.count;
        const b = s.buckets.get(start);
        if (!b) s.buckets.set(start, { ...fb });
        else mergeBucket(b, fb);
      }
    }
  }

  series(): RollupSeries[] {
    return [...this.bySeries.values()].filter((s) => s.buckets.size > 0);
  }

  bucketCount(): number {
    let n = 0;
    for (const s of this.bySeries.values()) n += s.buckets.size;
    return n;
  }

  folded(): FoldedRollups {
    return { readings: this.readings, fromTs: this.fromTs, toTs: this.toTs, series: this.series() };
  }
}

function addValue(b: Bucket, v: number, t: number): void {
  if (b.count === 0) {
    b.min = v;
    b.max = v;
    b.first = v;
    b.last = v;
    b.firstTs = t;
    b.lastTs = t;
  } else {
    if (v < b.min) b.min = v;
    if (v > b.max) b.max = v;
    if (t < b.firstTs) {
      b.firstTs = t;
      b.first = v;
    }
    if (t >= b.lastTs) {
      b.lastTs = t;
      b.last = v;
    }
  }
  b.count++;
  b.sum += v;
}

function mergeBucket(b: Bucket, o: Bucket): void {
  b.nulls += o.nulls;
  if (o.count === 0) return;
  if (b.count === 0) {
    Object.assign(b, { ...o, nulls: b.nulls });
    return;
  }
  b.count += o.count;
  b.sum += o.sum;
  if (o.min < b.min) b.min = o.min;
  if (o.max > b.max) b.max = o.max;
  if (o.firstTs < b.firstTs) {
    b.firstTs = o.firstTs;
    b.first = o.first;
  }
  if (o.lastTs >= b.lastTs) {
    b.lastTs = o.lastTs;
    b.last = o.last;
  }
}

const num = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/**
 * The CloudEvent `data` of one series' buckets (ROLLUPS_EVENT_TYPE), as JSON text:
 * { deviceId, metric, bucketMs, start: [first, delta, ...], count, nulls, sum, min, max, first, last }
 * min/max/first/last are null in a bucket that holds only nulls. `folded: true` marks
 * buckets standing in for raw readings the outbox quota dropped: no raw data will follow.
 */
export function rollupDataJson(s: RollupSeries, folded: boolean): { json: string; firstStart: number } {
  const starts = [...s.buckets.keys()].sort((a, b) => a - b);
  const bs = starts.map((t) => s.buckets.get(t)!);
  const col = (f: (b: Bucket) => number) => bs.map((b) => num(f(b))).join(',');
  const deltas = starts.map((t, j) => (j === 0 ? t : t - starts[j - 1]!)).join(',');
  const json =
    `{"deviceId":${JSON.stringify(s.deviceId)},"metric":${JSON.stringify(s.metric)},"bucketMs":${MINUTE},` +
    `${folded ? '"folded":true,' : ''}"start":[${deltas}],"count":[${col((b) => b.count)}],` +
    `"nulls":[${col((b) => b.nulls)}],"sum":[${col((b) => b.sum)}],` +
    `"min":[${col((b) => (b.count > 0 ? b.min : Number.NaN))}],"max":[${col((b) => (b.count > 0 ? b.max : Number.NaN))}],` +
    `"first":[${col((b) => b.first)}],"last":[${col((b) => b.last)}]}`;
  return { json, firstStart: starts[0]! };
}

/**
 * Compact columns (starts and times as deltas) so a folded row is a small fraction of the
 * raw rows it replaces: gzip of
 * {v:1, n, from, to, s:[[deviceId, metric, start[], count[], nulls[], sum[], min[], max[], first[], last[], firstTs[], lastTs[]]]}
 * with firstTs/lastTs as offsets from the bucket start, and nulls in the value columns
 * where a bucket has no number.
 */
export function encodeFolded(f: FoldedRollups): Buffer {
  const s = f.series.map((x) => {
    const starts = [...x.buckets.keys()].sort((a, b) => a - b);
    const bs = starts.map((t) => x.buckets.get(t)!);
    const val = (g: (b: Bucket) => number) => bs.map((b) => (b.count > 0 ? g(b) : null));
    return [
      x.deviceId,
      x.metric,
      starts.map((t, j) => (j === 0 ? t : t - starts[j - 1]!)),
      bs.map((b) => b.count),
      bs.map((b) => b.nulls),
      bs.map((b) => b.sum),
      val((b) => b.min),
      val((b) => b.max),
      val((b) => b.first),
      val((b) => b.last),
      bs.map((b, j) => (b.count > 0 ? b.firstTs - starts[j]! : null)),
      bs.map((b, j) => (b.count > 0 ? b.lastTs - starts[j]! : null)),
    ];
  });
  return gzipSync(JSON.stringify({ v: 1, n: f.readings, from: f.fromTs, to: f.toTs, s }), { level: 6 });
}

export function decodeFolded(body: Uint8Array): FoldedRollups {
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(body).toString('utf8'));
  } catch (error) {
    throw new FoldedFormatError(`folded outbox row unreadable: ${(error as Error).message}`);
  }
  const p = parsed as { v?: unknown; n?: unknown; from?: unknown; to?: unknown; s?: unknown };
  if (p.v !== 1 || typeof p.n !== 'number' || typeof p.from !== 'number' || typeof p.to !== 'number') {
    throw new FoldedFormatError('folded outbox row: unknown layout');
  }
  if (!Array.isArray(p.s)) throw new FoldedFormatError('folded outbox row: no series');
  const series: RollupSeries[] = [];
  for (const entry of p.s as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 12)
      throw new FoldedFormatError('folded outbox row: bad series');
    const [deviceId, metric, ...cols] = entry as [string, string, ...(number | null)[][]];
    const [starts, count, nulls, sum, min, max, first, last, firstTs, lastTs] = cols;
    const n = starts!.length;
    if (cols.some((c) => !Array.isArray(c) || c.length !== n)) {
      throw new FoldedFormatError('folded outbox row: columns differ in length');
    }
    const buckets = new Map<number, Bucket>();
    let t = 0;
    for (let j = 0; j < n; j++) {
      t = j === 0 ? starts![0]! : t + starts![j]!;
      const has = count![j]! > 0;
      buckets.set(t, {
        count: count![j]!,
        nulls: nulls![j]!,
        sum: sum![j]!,
        min: has ? min![j]! : Number.POSITIVE_INFINITY,
        max: has ? max![j]! : Number.NEGATIVE_INFINITY,
        first: has ? first![j]! : Number.NaN,
        last: has ? last![j]! : Number.NaN,
        firstTs: has ? t + firstTs![j]! : Number.NaN,
        lastTs: has ? t + lastTs![j]! : Number.NaN,
      });
    }
    series.push({ deviceId: String(deviceId), metric: String(metric), buckets });
  }
  return { readings: p.n, fromTs: p.from, toTs: p.to, series };
}
