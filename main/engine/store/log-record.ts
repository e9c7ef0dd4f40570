/**
 * One ingest-log row: the accepted readings of one committed batch, as raw columns.
 * Written at ~30 bytes a reading and deleted at the next compaction, so it is built for
 * write speed, not size. Float columns first, so they stay 8-byte aligned.
 */
import type { ColumnBatch } from './column-batch';

const HEADER = 8;
const BYTES_PER_READING = 8 + 8 + 8 + 4 + 1;

export class LogRecordError extends Error {}

export function encodeLogRecord(batch: ColumnBatch, accepted: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(HEADER + count * BYTES_PER_READING);
  const view = new DataView(out.buffer);
  view.setUint32(0, count, true);
  const ts = new Float64Array(out.buffer, HEADER, count);
  const values = new Float64Array(out.buffer, HEADER + 8 * count, count);
  const seq = new Float64Array(out.buffer, HEADER + 16 * count, count);
  const series = new Int32Array(out.buffer, HEADER + 24 * count, count);
  const quality = new Uint8Array(out.buffer, HEADER + 28 * count, count);
  let j = 0;
  for (let i = 0; i < batch.length; i++) {
    if (accepted[i] === 0) continue;
    ts[j] = batch.ts[i]!;
    values[j] = batch.values[i]!;
    seq[j] = batch.seq[i]!;
    series[j] = batch.series[i]!;
    quality[j] = batch.quality[i]!;
    j++;
  }
  return out;
}

export function decodeLogRecord(blob: Uint8Array): Omit<ColumnBatch, 'arrived'> {
  if (blob.byteLength < HEADER) throw new LogRecordError('ingest log record shorter than its header');
  // copy into a fresh, aligned buffer: SQLite hands back a Buffer at any offset
  const bytes = new Uint8Array(blob.byteLength);
  bytes.set(blob);
  const count = new DataView(bytes.buffer).getUint32(0, true);
  if (bytes.byteLength !== HEADER + count * BYTES_PER_READING) {
    throw new LogRecordError(`ingest log record of ${bytes.byteLength} bytes cannot hold ${count} readings`);
  }
  return {
    length: count,
    ts: new Float64Array(bytes.buffer, HEADER, count),
    values: new Float64Array(bytes.buffer, HEADER + 8 * count, count),
    seq: new Float64Array(bytes.buffer, HEADER + 16 * count, count),
    series: new Int32Array(bytes.buffer, HEADER + 24 * count, count),
    quality: new Uint8Array(bytes.buffer, HEADER + 28 * count, count),
  };
}
