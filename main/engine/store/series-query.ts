/**
 * Answers a chart's question "this series, this window, this many pixels" at the
 * coarsest resolution that still gives at least two buckets per pixel column, then
 * reduces it to first/min/max/last per column (M4). Rollup columns are whole numbers of
 * buckets, so the result is exactly what M4 over the raw readings would give.
 */
import type { Columns } from '../../../common/downsample';
import type { BlockColumns } from './codec/block-codec';
import type { Db } from './database';
import { M4Columns } from './m4-columns';
import {
  type Aggregate,
  aggregate,
  aggregateFromRow,
  mergeAggregate,
  RESOLUTIONS,
  ROLLUP_COLUMNS,
} from './rollups';
import { lowerBound } from './sorted-search';
import type { TimeSeriesStore } from './time-series-store';

/**
 * Reading 10,000 rollup rows is dominated by building JS values, not by SQLite, so the
 * four times (as offsets in the bucket) and two quality codes travel packed in two
 * integers: offsets in a 1 h bucket fit 22 bits, two of them plus 4 bits of quality fit
 * the 53 bits a JS number holds exactly. 1 d buckets need 27 bits and are read unpacked.
 */
const OFFSET_BITS = 22;
const PACK = 2 ** OFFSET_BITS;
const PACKED_ROLLUP_SQL = `SELECT bucket, min, max, first, last,
    ((min_ts - bucket) * ${PACK} + (max_ts - bucket)) * 16 + min_q * 4 + max_q,
    (first_ts - bucket) * ${PACK} + (last_ts - bucket)
  FROM rollups WHERE series_id = ? AND res = ? AND bucket >= ? AND bucket <= ? AND count > 0 ORDER BY bucket`;
type PackedRow = [number, number, number, number, number, number, number];

export type Resolution = 'raw' | (typeof RESOLUTIONS)[number]['name'];

export interface SeriesWindow extends Columns {
  resolution: Resolution;
  /** width of one M4 column in ms (each column gives up to 4 points) */
  columnMs: number;
}

export function pickResolution(
  from: number,
  to: number,
  pixels: number,
): (typeof RESOLUTIONS)[number] | null {
  const perPixel = (to - from + 1) / pixels;
  for (let i = RESOLUTIONS.length - 1; i >= 0; i--) {
    const r = RESOLUTIONS[i]!;
    if (r.ms * 2 <= perPixel) return r;
  }
  return null;
}

export class SeriesQuery {
  private readonly rollupRows;
  private readonly packedRows;

  constructor(
    db: Db,
    private readonly store: TimeSeriesStore,
  ) {
    this.packedRows = db.prepare(PACKED_ROLLUP_SQL).raw();
    this.rollupRows = db
      .prepare(
        `SELECT ${ROLLUP_COLUMNS} FROM rollups WHERE series_id = ? AND res = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket`,
      )
      .raw();
  }

  window(series: number, from: number, to: number, pixels: number): SeriesWindow {
    const res = pickResolution(from, to, pixels);
    if (!res) {
      const columnMs = (to - from + 1) / pixels;
      const m4 = new M4Columns(from, columnMs, pixels);
      this.forEachRaw(series, from, to, (t, v, q) => m4.addPoint(t, v, q));
      return { ...m4.result(), resolution: 'raw', columnMs };
    }
    // whole buckets per column: then min/max/first/last per column are exact
    const columnMs = Math.floor((to - from + 1) / pixels / res.ms) * res.ms;
    const origin = Math.floor(from / columnMs) * columnMs;
    const m4 = new M4Columns(origin, columnMs, Math.floor((to - origin) / columnMs) + 1);
    const firstBucket = Math.floor(from / res.ms) * res.ms;
    if (res.ms <= PACK) {
      for (const r of this.packedRows.all(series, res.ms, firstBucket, to) as PackedRow[]) {
        const bucket = r[0];
        const q = r[5] % 16;
        const extremes = (r[5] - q) / 16;
        const maxOffset = extremes % PACK;
        const lastOffset = r[6] % PACK;
        m4.addAggregate(
          m4.columnOf(bucket),
          bucket + (r[6] - lastOffset) / PACK,
          r[3],
          0,
          bucket + (extremes - maxOffset) / PACK,
          r[1],
          q >> 2,
          bucket + maxOffset,
          r[2],
          q & 3,
          bucket + lastOffset,
          r[4],
          0,
        );
      }
    } else {
      for (const row of this.rollupRows.all(series, res.ms, firstBucket, to) as unknown[][]) {
        addAggregate(m4, aggregateFromRow(row));
      }
    }
    const head = this.store.head(series);
    if (head && head.length > 0) {
      const c = head.columns();
      for (const a of aggregate(c, res.ms, head.lowerBound(firstBucket), head.lowerBound(to + 1)))
        addAggregate(m4, a);
    }
    return { ...m4.result(), resolution: res.name, columnMs };
  }

  /** Calls back with every raw reading in [from, to] (NaN for null), blocks then head. */
  forEachRaw(
    series: number,
    from: number,
    to: number,
    visit: (t: number, v: number, q: number) => void,
  ): void {
    const parts: BlockColumns[] = this.store.blocksIn(series, from, to);
    const head = this.store.head(series);
    if (head && head.length > 0) parts.push(head.columns(head.lowerBound(from), head.lowerBound(to + 1)));
    for (const p of parts) {
      const end = lowerBound(p.ts, to + 1);
      for (let i = lowerBound(p.ts, from); i < end; i++) visit(p.ts[i]!, p.values[i]!, p.quality[i]!);
    }
  }

  /** Raw readings in [from, to], sorted, from blocks and the head. */
  raw(series: number, from: number, to: number): Columns {
    const out: Columns = { ts: [], values: [], quality: [] };
    let sorted = true;
    let last = Number.NEGATIVE_INFINITY;
    this.forEachRaw(series, from, to, (t, v, q) => {
      if (t <= last) sorted = false;
      last = t;
      out.ts.push(t);
      out.values.push(Number.isNaN(v) ? null : v);
      out.quality.push(q);
    });
    return sorted ? out : sortColumns(out);
  }

  /** Stored rollups merged with the head's own aggregates, in bucket order. */
  aggregates(series: number, resMs: number, from: number, to: number): Aggregate[] {
    const byBucket = new Map<number, Aggregate>();
    const first = Math.floor(from / resMs) * resMs;
    for (const row of this.rollupRows.all(series, resMs, first, to) as unknown[][]) {
      const a = aggregateFromRow(row);
      byBucket.set(a.bucket, a);
    }
    const head = this.store.head(series);
    if (head && head.length > 0) {
      const c = head.columns();
      for (const a of aggregate(c, resMs, head.lowerBound(first), head.lowerBound(to + 1))) {
        const existing = byBucket.get(a.bucket);
        if (existing) mergeAggregate(existing, a);
        else byBucket.set(a.bucket, a);
      }
    }
    return [...byBucket.values()].sort((a, b) => a.bucket - b.bucket);
  }
}

function sortColumns(c: Columns): Columns {
  const order = c.ts.map((_, i) => i).sort((a, b) => c.ts[a]! - c.ts[b]!);
  return {
    ts: order.map((i) => c.ts[i]!),
    values: order.map((i) => c.values[i]!),
    quality: order.map((i) => c.quality[i]!),
  };
}

function addAggregate(m4: M4Columns, a: Aggregate): void {
  if (a.count === 0) return;
  const c = m4.columnOf(a.bucket);
  m4.addAggregate(
    c,
    a.firstTs,
    a.first,
    0,
    a.minTs,
    a.min,
    a.minQ,
    a.maxTs,
    a.max,
    a.maxQ,
    a.lastTs,
    a.last,
    0,
  );
}
