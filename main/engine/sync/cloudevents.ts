/**
 * Turns outbox rows into one CloudEvents 1.0 structured batch
 * (application/cloudevents-batch+json), gzipped. Readings go out as one event per series
 * per batch with columnar data, which is what makes a reading cost a few bytes on the wire:
 *
 *   data: { deviceId, metric, ts: [first, delta, delta, ...], values: [...], quality: [...] }
 *
 * `ts[0]` is absolute device time in ms and every later entry the difference from the one
 * before; `values` holds null where the device gave no number; `quality` holds the codes of
 * common/reading.ts QUALITIES (0 good, 1 null, 2 out-of-range, 3 suspect,
 * 4 invalid: a value the protocol reserves or prohibits). Within an event,
 * readings keep outbox order, so a device's readings arrive in the order they were stored.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { OutboxEventBody, OutboxRow } from './outbox';
import { decodeFolded, RollupAccumulator, rollupDataJson } from './rollup-buckets';
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

/**
 * Who sends a batch: the CloudEvents `source` of its events and the installation whose
 * outbox numbered them, which scopes the Idempotency-Key (outbox sequence numbers and sink
 * ids repeat from one installation to the next). `installationId` is null only for a batch
 * that was on the wire before the installation had an identity: rebuilt after the upgrade,
 * it must carry the key and source it went out with.
 */
export interface Origin {
  source: string;
  installationId: string | null;
}

export function idempotencyKey(
  installationId: string | null,
  sinkId: string,
  channel: SyncChannel,
  firstSeq: number,
  lastSeq: number,
): string {
  const scope = installationId === null ? '' : `${installationId}\n`;
  return createHash('sha256').update(`${scope}${sinkId}\n${channel}\n${firstSeq}\n${lastSeq}`).digest('hex');
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
  foldedSentUpTo = 0,
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
    if (row.kind === 'rollup') {
      // a metered sink already has a folded row's buckets from its rollup channel
      if (row.seq > foldedSentUpTo) events.push(...foldedEvents(row, src));
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

/** `foldedSentUpTo`: the sink's rollup cursor; folded rows up to it went out on the rollup channel. */
export async function buildBatch(
  sinkId: string,
  origin: Origin,
  rows: readonly OutboxRow[],
  foldedSentUpTo = 0,
): Promise<OutgoingBatch> {
  const { json, events, readings } = batchJson(rows, origin.source, foldedSentUpTo);
  const firstSeq = rows[0]!.seq;
  const lastSeq = rows.at(-1)!.seq;
  return {
    sinkId,
    channel: 'raw',
    firstSeq,
    lastSeq,
    events,
    readings,
    key: idempotencyKey(origin.installationId, sinkId, 'raw', firstSeq, lastSeq),
    payload: await gzipAsync(json, { level: 6 }),
    oldestAt: rows[0]!.createdAt,
  };
}

export const ROLLUPS_EVENT_TYPE = 'io.fieldline.rollups.1m.v1';

/**
 * The rollup events of one folded outbox row: one per series, ids `f<seq>-<n>`, the same
 * text whichever channel carries them, so a receiver that gets them twice (metered rollups
 * and later the raw channel) stores them once.
 */
function foldedEvents(row: OutboxRow, src: string): string[] {
  const folded = decodeFolded(row.body);
  return folded.series.map((s, i) => {
    const { json, firstStart } = rollupDataJson(s, true);
    return (
      `{"specversion":"1.0","id":"f${row.seq}-${i}","source":${src},"type":"${ROLLUPS_EVENT_TYPE}",` +
      `"subject":${JSON.stringify(`${s.deviceId}/${s.metric}`)},"time":"${new Date(firstStart).toISOString()}",` +
      `"datacontenttype":"application/json","data":${json}}`
    );
  });
}

/**
 * Metered links: 1-minute rollups of the given rows, one event per series (see
 * rollup-buckets.ts for the data). A minute split across two batches arrives as two partial
 * buckets; the receiver merges them (counts and sums add, min/max combine). Folded rows go
 * as their own events (see foldedEvents).
 */
export async function buildRollupBatch(
  sinkId: string,
  origin: Origin,
  rows: readonly OutboxRow[],
): Promise<OutgoingBatch> {
  const firstSeq = rows[0]!.seq;
  const lastSeq = rows.at(-1)!.seq;
  const acc = new RollupAccumulator();
  const src = JSON.stringify(origin.source);
  const events: string[] = [];
  for (const row of rows) {
    if (row.kind === 'readings') for (const c of decodeChunks(row.body)) acc.addChunk(c);
    else if (row.kind === 'rollup') events.push(...foldedEvents(row, src));
  }
  let i = 0;
  for (const s of acc.series()) {
    const { json, firstStart } = rollupDataJson(s, false);
    events.push(
      `{"specversion":"1.0","id":"u${firstSeq}-${lastSeq}-${i++}","source":${src},"type":"${ROLLUPS_EVENT_TYPE}",` +
        `"subject":${JSON.stringify(`${s.deviceId}/${s.metric}`)},"time":"${new Date(firstStart).toISOString()}",` +
        `"datacontenttype":"application/json","data":${json}}`,
    );
  }
  return {
    sinkId,
    channel: 'rollup',
    firstSeq,
    lastSeq,
    events: events.length,
    readings: acc.numeric,
    key: idempotencyKey(origin.installationId, sinkId, 'rollup', firstSeq, lastSeq),
    payload: await gzipAsync(`[${events.join(',')}]`, { level: 6 }),
    oldestAt: rows[0]!.createdAt,
  };
}
