/**
 * Fans committed batches out to live subscribers as columnar series, one message per
 * batch (at most every 50 ms), never one message per reading.
 */
import type { LiveBatch, SeriesData } from '../../common/contract';
import { qualityCode } from '../../common/reading';
import type { BatchResult } from './store/reading-store';

export function toLiveBatch(result: BatchResult, deviceIds?: ReadonlySet<string>): LiveBatch | null {
  const bySeries = new Map<string, SeriesData>();
  for (const r of result.accepted) {
    if (deviceIds && !deviceIds.has(r.deviceId)) continue;
    const key = `${r.deviceId}\u0000${r.metric}`;
    let series = bySeries.get(key);
    if (!series) {
      series = { deviceId: r.deviceId, metric: r.metric, ts: [], values: [], quality: [] };
      bySeries.set(key, series);
    }
    series.ts.push(r.ts);
    series.values.push(r.value);
    series.quality.push(qualityCode(r.quality));
  }
  return bySeries.size === 0 ? null : { series: [...bySeries.values()] };
}
