/**
 * The outbox body of one ingest batch: every series it touched, each as a block-codec
 * column block (a few bytes per reading instead of a row per reading, which could not keep
 * up with ingest). Layout: u32 LE header length | header JSON [[deviceId, metric, count,
 * blockBytes], ...] | the blocks, concatenated in header order.
 */
import type { Reading } from '../../../common/reading';
import { qualityCode } from '../../../common/reading';
import { decodeBlock, encodeBlock } from '../store/codec/block-codec';

export interface SeriesChunk {
  deviceId: string;
  metric: string;
  /** device time ms, ascending */
  ts: Float64Array;
  /** NaN for null */
  values: Float64Array;
  quality: Uint8Array;
}

export class OutboxFormatError extends Error {}

interface Group {
  deviceId: string;
  metric: string;
  idx: number[];
}

/** Groups readings by series (first-seen order), each sorted by device time. */
export function chunksFromReadings(readings: readonly Reading[]): SeriesChunk[] {
  const byDevice = new Map<string, Map<string, Group>>();
  const groups: Group[] = [];
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    let metrics = byDevice.get(r.deviceId);
    if (!metrics) {
      metrics = new Map();
      byDevice.set(r.deviceId, metrics);
    }
    let g = metrics.get(r.metric);
    if (!g) {
      g = { deviceId: r.deviceId, metric: r.metric, idx: [] };
      metrics.set(r.metric, g);
      groups.push(g);
    }
    g.idx.push(i);
  }
  return groups.map((g) => {
    const n = g.idx.length;
    let sorted = true;
    for (let k = 1; k < n && sorted; k++) sorted = readings[g.idx[k]!]!.ts > readings[g.idx[k - 1]!]!.ts;
    if (!sorted) g.idx.sort((a, b) => readings[a]!.ts - readings[b]!.ts);
    const ts = new Float64Array(n);
    const values = new Float64Array(n);
    const quality = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const r = readings[g.idx[k]!]!;
      ts[k] = r.ts;
      values[k] = r.value ?? Number.NaN;
      quality[k] = qualityCode(r.quality);
    }
    return { deviceId: g.deviceId, metric: g.metric, ts, values, quality };
  });
}

export function encodeChunks(chunks: readonly SeriesChunk[]): Buffer {
  const header: [string, string, number, number][] = [];
  const blocks: Uint8Array[] = [];
  for (const c of chunks) {
    for (const [from, to] of ascendingRuns(c.ts)) {
      const n = to - from;
      const block = encodeBlock(
        {
          ts: c.ts.subarray(from, to),
          values: c.values.subarray(from, to),
          quality: c.quality.subarray(from, to),
          seq: new Float64Array(n).fill(-1),
        },
        n,
      );
      header.push([c.deviceId, c.metric, n, block.length]);
      blocks.push(block);
    }
  }
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const size = Buffer.alloc(4);
  size.writeUInt32LE(head.length, 0);
  return Buffer.concat([size, head, ...blocks]);
}

/**
 * The codec wants strictly ascending times; two readings of one series at the same ms (a
 * device that numbers its messages can send them) go to separate blocks rather than one lost.
 */
function ascendingRuns(ts: Float64Array): [number, number][] {
  const runs: [number, number][] = [];
  let start = 0;
  for (let k = 1; k < ts.length; k++) {
    if (!(ts[k]! > ts[k - 1]!)) {
      runs.push([start, k]);
      start = k;
    }
  }
  if (ts.length > 0) runs.push([start, ts.length]);
  return runs;
}

export function decodeChunks(body: Uint8Array): SeriesChunk[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < 4) throw new OutboxFormatError('outbox body too short');
  const headLength = buf.readUInt32LE(0);
  if (4 + headLength > buf.length) throw new OutboxFormatError('outbox header overruns the body');
  const header = JSON.parse(buf.subarray(4, 4 + headLength).toString('utf8')) as unknown;
  if (!Array.isArray(header)) throw new OutboxFormatError('outbox header is not a list');
  let pos = 4 + headLength;
  const out: SeriesChunk[] = [];
  for (const entry of header) {
    const [deviceId, metric, count, length] = entry as [string, string, number, number];
    if (pos + length > buf.length) throw new OutboxFormatError('outbox block overruns the body');
    const c = decodeBlock(buf.subarray(pos, pos + length));
    if (c.ts.length !== count) throw new OutboxFormatError('outbox block count mismatch');
    pos += length;
    out.push({ deviceId, metric, ts: c.ts, values: c.values, quality: c.quality });
  }
  return out;
}
