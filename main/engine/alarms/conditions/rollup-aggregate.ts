/**
 * Serves EvaluationContext.aggregate from the store: a window is tiled with the coarsest
 * whole rollup buckets that fit (1 d, then 1 h, then 1 m) and only the ragged edges are
 * read raw, so a 30-day average reads about 30 day rows, 48 hour rows, 120 minute rows and
 * two minutes of raw readings instead of millions of readings. The result is exact: rollups
 * keep count, sum, min and max per bucket, and the head (not yet compacted) is merged in.
 * Raw readings already dropped by retention are missing from the edges only.
 */

import type { Db } from '../../store/database';
import type { ReadingStore } from '../../store/reading-store';
import { RESOLUTIONS } from '../../store/rollups';
import { SeriesQuery } from '../../store/series-query';
import type { EvaluationContext } from '../condition-evaluator';

type Aggregate = EvaluationContext['aggregate'];

interface Totals {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function rollupAggregate(db: Db, store: ReadingStore): Aggregate {
  const query = new SeriesQuery(db, store.series);
  // looked up, not created: asking about a series nobody has written must not add one
  const seriesOf = db.prepare('SELECT id FROM series WHERE device_id = ? AND metric = ?').pluck();

  const cover = (series: number, from: number, to: number, level: number, t: Totals): void => {
    if (from > to) return;
    if (level < 0) {
      query.forEachRaw(series, from, to, (_ts, v) => {
        if (Number.isNaN(v)) return;
        t.count++;
        t.sum += v;
        if (v < t.min) t.min = v;
        if (v > t.max) t.max = v;
      });
      return;
    }
    const ms = RESOLUTIONS[level]!.ms;
    const start = Math.ceil(from / ms) * ms;
    const end = Math.floor((to + 1) / ms) * ms; // whole buckets: [start, end)
    if (start >= end) {
      cover(series, from, to, level - 1, t);
      return;
    }
    cover(series, from, start - 1, level - 1, t);
    for (const a of query.aggregates(series, ms, start, end - 1)) {
      if (a.count === 0 || a.bucket < start || a.bucket >= end) continue;
      t.count += a.count;
      t.sum += a.sum;
      if (a.min < t.min) t.min = a.min;
      if (a.max > t.max) t.max = a.max;
    }
    cover(series, end, to, level - 1, t);
  };

  return (deviceId, metric, fn, from, to) => {
    const series = seriesOf.get(deviceId, metric) as number | undefined;
    const t: Totals = { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
    if (series !== undefined && Number.isFinite(from) && Number.isFinite(to))
      cover(series, Math.ceil(from), Math.floor(to), RESOLUTIONS.length - 1, t);
    switch (fn) {
      case 'count':
        return t.count;
      case 'sum':
        return t.sum;
      case 'avg':
        return t.count ? t.sum / t.count : null;
      case 'min':
        return t.count ? t.min : null;
      case 'max':
        return t.count ? t.max : null;
    }
  };
}
