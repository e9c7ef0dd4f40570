/**
 * Readings in columns: the form the store ingests. At hundreds of thousands of readings
 * a second, one object per reading costs more than storing it; typed arrays do not.
 */
import type { Reading } from '../../../common/reading';
import { qualityCode } from '../../../common/reading';

export interface ColumnBatch {
  length: number;
  series: Int32Array;
  ts: Float64Array;
  /** NaN for null */
  values: Float64Array;
  quality: Uint8Array;
  /** -1 when the device does not number its messages */
  seq: Float64Array;
  /** host arrival time per reading, ms */
  arrived: Float64Array;
}

export function allocateBatch(capacity: number): ColumnBatch {
  return {
    length: 0,
    series: new Int32Array(capacity),
    ts: new Float64Array(capacity),
    values: new Float64Array(capacity),
    quality: new Uint8Array(capacity),
    seq: new Float64Array(capacity),
    arrived: new Float64Array(capacity),
  };
}

export function batchFromReadings(
  readings: readonly Reading[],
  seriesId: (deviceId: string, metric: string) => number,
  now: number,
): ColumnBatch {
  const batch = allocateBatch(readings.length);
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    batch.series[i] = seriesId(r.deviceId, r.metric);
    batch.ts[i] = r.ts;
    batch.values[i] = r.value ?? Number.NaN;
    batch.quality[i] = qualityCode(r.quality);
    batch.seq[i] = r.seq ?? -1;
    batch.arrived[i] = r.arrivedAt ?? now;
  }
  batch.length = readings.length;
  return batch;
}
