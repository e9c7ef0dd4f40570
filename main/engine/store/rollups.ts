/**
 * Rollup aggregates per time bucket: count, sum, min, max, first, last, each extreme
 * with its device time. Aggregates merge exactly (a late reading, a second block for the
 * same minute), and with the times of first/min/max/last kept, a chart drawn from
 * rollups whose buckets nest in its pixel columns is the same as one drawn from raw (M4).
 */
import type { BlockColumns } from './codec/block-codec';

export const RESOLUTIONS = [
  { name: '1m', ms: 60_000 },
  { name: '1h', ms: 3_600_000 },
  { name: '1d', ms: 86_400_000 },
] as const;
export type ResolutionName = (typeof RESOLUTIONS)[number]['name'];

export interface Aggregate {
  bucket: number;
  /** readings with a value (nulls are not counted here) */
  count: number;
  sum: number;
  min: number;
  minTs: number;
  minQ: number;
  max: number;
  maxTs: number;
  maxQ: number;
  first: number;
  firstTs: number;
  last: number;
  lastTs: number;
  /** readings with a quality other than good, nulls included */
  flagged: number;
}

export function bucketOf(ts: number, resMs: number): number {
  return Math.floor(ts / resMs) * resMs;
}

function emptyAggregate(bucket: number): Aggregate {
  return {
    bucket,
    count: 0,
    sum: 0,
    min: Number.NaN,
    minTs: 0,
    minQ: 0,
    max: Number.NaN,
    maxTs: 0,
    maxQ: 0,
    first: Number.NaN,
    firstTs: 0,
    last: Number.NaN,
    lastTs: 0,
    flagged: 0,
  };
}

/** Aggregates of points sorted by ts, one per non-empty bucket, in bucket order. */
export function aggregate(c: BlockColumns, resMs: number, from = 0, to = c.ts.length): Aggregate[] {
  const out: Aggregate[] = [];
  let current: Aggregate | undefined;
  for (let i = from; i < to; i++) {
    const t = c.ts[i]!;
    const bucket = bucketOf(t, resMs);
    if (!current || current.bucket !== bucket) {
      current = emptyAggregate(bucket);
      out.push(current);
    }
    const q = c.quality[i]!;
    if (q !== 0) current.flagged++;
    const v = c.values[i]!;
    if (Number.isNaN(v)) continue;
    if (current.count === 0) {
      current.first = v;
      current.firstTs = t;
      current.min = v;
      current.minTs = t;
      current.minQ = q;
      current.max = v;
      current.maxTs = t;
      current.maxQ = q;
    } else {
      if (v < current.min) {
        current.min = v;
        current.minTs = t;
        current.minQ = q;
      }
      if (v > current.max) {
        current.max = v;
        current.maxTs = t;
        current.maxQ = q;
      }
    }
    current.last = v;
    current.lastTs = t;
    current.count++;
    current.sum += v;
  }
  return out;
}

/** Merges b into a (same bucket), exactly as if their readings had been aggregated together. */
export function mergeAggregate(a: Aggregate, b: Aggregate): void {
  a.flagged += b.flagged;
  if (b.count === 0) return;
  if (a.count === 0) {
    Object.assign(a, { ...b, flagged: a.flagged });
    return;
  }
  a.count += b.count;
  a.sum += b.sum;
  if (b.min < a.min || (b.min === a.min && b.minTs < a.minTs)) {
    a.min = b.min;
    a.minTs = b.minTs;
    a.minQ = b.minQ;
  }
  if (b.max > a.max || (b.max === a.max && b.maxTs < a.maxTs)) {
    a.max = b.max;
    a.maxTs = b.maxTs;
    a.maxQ = b.maxQ;
  }
  if (b.firstTs < a.firstTs) {
    a.first = b.first;
    a.firstTs = b.firstTs;
  }
  if (b.lastTs > a.lastTs) {
    a.last = b.last;
    a.lastTs = b.lastTs;
  }
}

/**
 * The upsert that merges an aggregate into the stored one. In SQLite every expression in
 * an UPDATE's SET sees the row as it was, so the CASEs compare against the old values.
 */
export const UPSERT_ROLLUP_SQL = `
  INSERT INTO rollups (series_id, res, bucket, count, sum, min, min_ts, min_q, max, max_ts, max_q,
                       first, first_ts, last, last_ts, flagged)
  VALUES (@series, @res, @bucket, @count, @sum, @min, @minTs, @minQ, @max, @maxTs, @maxQ,
          @first, @firstTs, @last, @lastTs, @flagged)
  ON CONFLICT (series_id, res, bucket) DO UPDATE SET
    count = count + excluded.count,
    sum = sum + excluded.sum,
    min_ts = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.min < min OR (excluded.min = min AND excluded.min_ts < min_ts)) THEN excluded.min_ts ELSE min_ts END,
    min_q  = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.min < min OR (excluded.min = min AND excluded.min_ts < min_ts)) THEN excluded.min_q ELSE min_q END,
    min    = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.min < min OR (excluded.min = min AND excluded.min_ts < min_ts)) THEN excluded.min ELSE min END,
    max_ts = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.max > max OR (excluded.max = max AND excluded.max_ts < max_ts)) THEN excluded.max_ts ELSE max_ts END,
    max_q  = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.max > max OR (excluded.max = max AND excluded.max_ts < max_ts)) THEN excluded.max_q ELSE max_q END,
    max    = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.max > max OR (excluded.max = max AND excluded.max_ts < max_ts)) THEN excluded.max ELSE max END,
    first_ts = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.first_ts < first_ts) THEN excluded.first_ts ELSE first_ts END,
    first    = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.first_ts < first_ts) THEN excluded.first ELSE first END,
    last_ts  = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.last_ts > last_ts) THEN excluded.last_ts ELSE last_ts END,
    last     = CASE WHEN excluded.count > 0 AND (count = 0 OR excluded.last_ts > last_ts) THEN excluded.last ELSE last END,
    flagged = flagged + excluded.flagged`;

/** Parameters for UPSERT_ROLLUP_SQL; NaN extremes (a bucket of nulls only) are stored as NULL. */
export function rollupParams(series: number, resMs: number, a: Aggregate) {
  const n = (v: number) => (Number.isNaN(v) ? null : v);
  return {
    series,
    res: resMs,
    bucket: a.bucket,
    count: a.count,
    sum: a.sum,
    min: n(a.min),
    minTs: a.minTs,
    minQ: a.minQ,
    max: n(a.max),
    maxTs: a.maxTs,
    maxQ: a.maxQ,
    first: n(a.first),
    firstTs: a.firstTs,
    last: n(a.last),
    lastTs: a.lastTs,
    flagged: a.flagged,
  };
}

export const ROLLUP_COLUMNS =
  'bucket, count, sum, min, min_ts, min_q, max, max_ts, max_q, first, first_ts, last, last_ts, flagged';

/** Row (raw array, ROLLUP_COLUMNS order) back to an aggregate. */
export function aggregateFromRow(row: unknown[]): Aggregate {
  const v = (x: unknown) => (x === null ? Number.NaN : (x as number));
  return {
    bucket: row[0] as number,
    count: row[1] as number,
    sum: row[2] as number,
    min: v(row[3]),
    minTs: row[4] as number,
    minQ: row[5] as number,
    max: v(row[6]),
    maxTs: row[7] as number,
    maxQ: row[8] as number,
    first: v(row[9]),
    firstTs: row[10] as number,
    last: v(row[11]),
    lastTs: row[12] as number,
    flagged: row[13] as number,
  };
}
