/**
 * Turns outbox rows into one CloudEvents 1.0 structured batch
 * (application/cloudevents-batch+json), gzipped. Readings go out as one event per series
 * per batch with columnar data, which is what makes a reading cost a few bytes on the wire:
 *
 *   data: { deviceId, metric, ts: [first, delta, delta, ...], values: [...], quality: [...] }
 *
 * `ts[0]` is absolute device time in ms and every later entry the difference from the one
 * before; `values` holds null where the device gave no number; `quality` holds the codes of
 * common/reading.ts QUALITIES (0 good, 1 null, 2 out-of-range, 3 suspect). Within an event,
 * readings keep outbox order, so a device's readings arrive in the order they were stored.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { OutboxEventBody, OutboxRow } from './outbox';
import { decodeChunks, type SeriesChunk } from './series-chunks';

const gzipAsync = promisify(gzip);

export const CLOUDEVENTS_BATCH = 'application/cloudevents-batch+json';
export const READINGS_EVENT_TYPE = 'io.fieldline.readings.v1';

export type SyncChannel = 'raw' | 'rollup';

export interface OutgoingBatch {
  sinkId: string;
  channel: SyncChannel;
  firstSeq: number;
  lastSeq: number;
  events: number;
  readings: number;
  /** stable for (sink, channel, first seq, last seq): a retried batch carries the same key */
  key: string;
  /** gzip of the CloudEvents batch JSON */
  payload: Buffer;
  /** the oldest row's created_at, for backlog age */
  oldestAt: number;
}

export function idempotencyKey(
  sinkId: string,
  channel: SyncChannel,
  firstSeq: number,
  lastSeq: number,
): string {
  return createHash('sha256').update(`${sinkId}\n${channel}\n${firstSeq}\n${lastSeq}`).digest('hex');
}

interface SeriesParts {
  deviceId: string;
  metric: string;
  parts: SeriesChunk[];
}

/** The JSON text of a batch; exported for tests and the bench. */
export function batchJson(
  rows: readonly OutboxRow[],
  source: string,
): { json: string; events: number; readings: number } {
  const first = rows[0]!.seq;
  const last = rows.at(-1)!.seq;
  const series = new Map<string, SeriesParts>();
  const events: string[] = [];
  let readings = 0;
  const src = JSON.stringify(source);
  for (const row of rows) {
    if (row.kind === 'event') {
      const e = JSON.parse(row.body.toString('utf8')) as OutboxEventBody;
      events.push(
        `{"specversion":"1.0","id":"e${row.seq}","source":${src},"type":${JSON.stringify(e.type)},` +
          `"subject":${JSON.stringify(e.subject)},"time":"${new Date(row.createdAt).toISOString()}",` +
          `"datacontenttype":"application/json","data":${JSON.stringify(e.data ?? null)}}`,
      );
      continue;
    }
    for (const chunk of decodeChunks(row.body)) {
      const k = `${chunk.deviceId}\u0000${chunk.metric}`;
      let s = series.get(k);
      if (!s) {
        s = { deviceId: chunk.deviceId, metric: chunk.metric, parts: [] };
        series.set(k, s);
      }
      s.parts.push(chunk);
      readings += chunk.ts.length;
    }
  }
  let i = 0;
  for (const s of series.values()) {
    events.push(seriesEvent(`r${first}-${last}-${i++}`, src, s));
  }
  return { json: `[${events.join(',')}]`, events: events.length, readings };
}

function seriesEvent(id: string, src: string, s: SeriesParts): string {
  const ts: string[] = [];
  const values: string[] = [];
  const quality: string[] = [];
  let prev = Number.NaN;
  for (const p of s.parts) {
    for (let k = 0; k < p.ts.length; k++) {
      const t = p.ts[k]!;
      ts.push(Number.isNaN(prev) ? String(t) : String(t - prev));
      prev = t;
      const v = p.values[k]!;
      values.push(Number.isFinite(v) ? String(v) : 'null');
      quality.push(String(p.quality[k]));
    }
  }
  const subject = JSON.stringify(`${s.deviceId}/${s.metric}`);
  const time = new Date(s.parts[0]!.ts[0]!).toISOString();
  return (
    `{"specversion":"1.0","id":"${id}","source":${src},"type":"${READINGS_EVENT_TYPE}","subject":${subject},` +
    `"time":"${time}","datacontenttype":"application/json","data":{"deviceId":${JSON.stringify(s.deviceId)},` +
    `"metric":${JSON.stringify(s.metric)},"ts":[${ts.join(',')}],"values":[${values.join(',')}],` +
    `"quality":[${quality.join(',')}]}}`
  );
}

export async function buildBatch(
  sinkId: string,
  source: string,
  rows: readonly OutboxRow[],
): Promise<OutgoingBatch> {
  const { json, events, readings } = batchJson(rows, source);
  const firstSeq = rows[0]!.seq;
  const lastSeq = rows.at(-1)!.seq;
  return {
    sinkId,
    channel: 'raw',
    firstSeq,
    lastSeq,
    events,
    readings,
    key: idempotencyKey(sinkId, 'raw', firstSeq, lastSeq),
    payload: await gzipAsync(json, { level: 6 }),
    oldestAt: rows[0]!.createdAt,
  };
}

export const ROLLUPS_EVENT_TYPE = 'io.fieldline.rollups.1m.v1';
const MINUTE = 60_000;

/**
 * Metered links: 1-minute rollups of the given rows, one event per series:
 *   data: { deviceId, metric, bucketMs: 60000, start: [first, delta, ...], count, sum, min, max, first, last }
 * A minute split across two batches arrives as two partial buckets; the receiver merges them
 * (counts and sums add, min/max combine). Null values count in neither sum, min nor max.
 */
export async function buildRollupBatch(
  sinkId: string,
  source: string,
  rows: readonly OutboxRow[],
): Promise<OutgoingBatch> {
  const firstSeq = rows[0]!.seq;
  const lastSeq = rows.at(-1)!.seq;
  type Bucket = {
    count: number;
    sum: number;
    min: number;
    max: number;
    first: number;
    last: number;
    firstTs: number;
    lastTs: number;
  };
  const series = new Map<string, { deviceId: string; metric: string; buckets: Map<number, Bucket> }>();
  let readings = 0;
  for (const row of rows) {
    if (row.kind !== 'readings') continue;
    for (const c of decodeChunks(row.body)) {
      const k = `${c.deviceId}\u0000${c.metric}`;
      let s = series.get(k);
      if (!s) {
        s = { deviceId: c.deviceId, metric: c.metric, buckets: new Map() };
        series.set(k, s);
      }
      for (let i = 0; i < c.ts.length; i++) {
        const v = c.values[i]!;
        if (!Number.isFinite(v)) continue;
        readings++;
        const t = c.ts[i]!;
        const start = Math.floor(t / MINUTE) * MINUTE;
        const b = s.buckets.get(start);
        if (!b) {
          s.buckets.set(start, {
            count: 1,
            sum: v,
            min: v,
            max: v,
            first: v,
            last: v,
            firstTs: t,
            lastTs: t,
          });
          continue;
        }
        b.count++;
        b.sum += v;
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
    }
  }
  const src = JSON.stringify(source);
  const events: string[] = [];
  let i = 0;
  for (const s of series.values()) {
    const starts = [...s.buckets.keys()].sort((a, b) => a - b);
    if (starts.length === 0) continue;
    const col = (f: (b: Bucket) => number) => starts.map((t) => String(f(s.buckets.get(t)!))).join(',');
    const deltas = starts.map((t, j) => (j === 0 ? t : t - starts[j - 1]!)).join(',');
    events.push(
      `{"specversion":"1.0","id":"u${firstSeq}-${lastSeq}-${i++}","source":${src},"type":"${ROLLUPS_EVENT_TYPE}",` +
        `"subject":${JSON.stringify(`${s.deviceId}/${s.metric}`)},"time":"${new Date(starts[0]!).toISOString()}",` +
        `"datacontenttype":"application/json","data":{"deviceId":${JSON.stringify(s.deviceId)},` +
        `"metric":${JSON.stringify(s.metric)},"bucketMs":${MINUTE},"start":[${deltas}],"count":[${col((b) => b.count)}],` +
        `"sum":[${col((b) => b.sum)}],"min":[${col((b) => b.min)}],"max":[${col((b) => b.max)}],` +
        `"first":[${col((b) => b.first)}],"last":[${col((b) => b.last)}]}}`,
    );
  }
  return {
    sinkId,
    channel: 'rollup',
    firstSeq,
    lastSeq,
    events: events.length,
    readings,
    key: idempotencyKey(sinkId, 'rollup', firstSeq, lastSeq),
    payload: await gzipAsync(`[${events.join(',')}]`, { level: 6 }),
    oldestAt: rows[0]!.createdAt,
  };
}
