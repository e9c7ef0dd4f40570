/**
 * npm run bench:ingest [seconds=60] [devices=1000] [metrics=10]
 *
 * End to end through the store: decoded readings (columns) in → deduplicated, durable in
 * the WAL, compacted into blocks and rollups. 1 Hz device time per series, sensor-like
 * values at 0.01 resolution, 2% of readings sent twice and 1% delivered out of order.
 * Prints sustained readings/s and bytes on disk per stored reading.
 */
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../main/engine/log';
import { allocateBatch, type ColumnBatch } from '../main/engine/store/column-batch';
import { openDatabase } from '../main/engine/store/database';
import { ReadingStore } from '../main/engine/store/reading-store';

const seconds = Number(process.argv[2] ?? 60);
const deviceCount = Number(process.argv[3] ?? 1000);
const metricCount = Number(process.argv[4] ?? 10);
const BATCH = 5000;
const seriesCount = deviceCount * metricCount;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-ingest-'));
const log = createLogger({ level: 'warn' });
const { db, file } = openDatabase({ dataDir, log });
const store = new ReadingStore(db, file, log);
const seriesIds = new Int32Array(seriesCount);
for (let d = 0; d < deviceCount; d++) {
  const id = `dev-${d}`;
  store.upsertDevice({
    id,
    name: id,
    kind: 'bench',
    profile: 'bench',
    transport: 'mqtt',
    connectorId: 'bench',
  });
  for (let m = 0; m < metricCount; m++) seriesIds[d * metricCount + m] = store.seriesId(id, `m${m}`);
}

let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const start = Date.UTC(2026, 0, 1);
const nextIndex = new Float64Array(seriesCount);
const base = Float64Array.from({ length: seriesCount }, () => 10 + random() * 50);
let cursor = 0;
/** readings held back to be delivered late */
const held: { s: number; t: number; v: number; q: number }[] = [];
/** recent readings, to be delivered again */
const recent: { s: number; t: number; v: number; q: number }[] = [];

function value(s: number, i: number): number {
  const v = base[s]! + 2 * Math.sin(i / 600 + s) + (random() - 0.5) * 0.2;
  return Math.round(v * 100) / 100;
}

function fill(batch: ColumnBatch, arrived: number): void {
  let n = 0;
  const put = (s: number, t: number, v: number, q: number) => {
    batch.series[n] = seriesIds[s]!;
    batch.ts[n] = t;
    batch.values[n] = v;
    batch.quality[n] = q;
    batch.seq[n] = -1;
    batch.arrived[n] = arrived;
    n++;
  };
  while (n < BATCH) {
    const r = random();
    if (r < 0.02 && recent.length > 0) {
      const d = recent[Math.floor(random() * recent.length)]!;
      put(d.s, d.t, d.v, d.q);
      continue;
    }
    if (r < 0.03 && held.length > 0) {
      const h = held.shift()!;
      put(h.s, h.t, h.v, h.q);
      continue;
    }
    const s = cursor;
    cursor = (cursor + 1) % seriesCount;
    const i = nextIndex[s]!++;
    // device time: 1 Hz with a few ms of jitter
    const t = start + i * 1000 + Math.floor(random() * 7) - 3;
    const v = value(s, i);
    const reading = { s, t, v, q: 0 };
    if (r < 0.04 && held.length < 1000) {
      held.push(reading);
      continue;
    }
    if (recent.length < 512) recent.push(reading);
    else recent[Math.floor(random() * 512)] = reading;
    put(s, t, v, 0);
  }
  batch.length = n;
}

const batch = allocateBatch(BATCH);
let received = 0;
let stored = 0;
let duplicates = 0;
const commitMs: number[] = [];
const began = performance.now();
let lastReport = began;
let lastReceived = 0;
console.log(
  `ingesting for ${seconds} s: ${deviceCount} devices x ${metricCount} metrics, batches of ${BATCH}`,
);
while (performance.now() - began < seconds * 1000) {
  fill(batch, Date.now());
  const t0 = performance.now();
  const outcome = store.ingestColumns(batch);
  commitMs.push(performance.now() - t0);
  received += batch.length;
  stored += outcome.stored;
  duplicates += outcome.duplicates;
  const now = performance.now();
  if (now - lastReport >= 10_000) {
    const rate = ((received - lastReceived) * 1000) / (now - lastReport);
    console.log(
      `  ${((now - began) / 1000).toFixed(0).padStart(3)} s  ${Math.round(rate).toLocaleString('en-US')} readings/s  ` +
        `(RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`,
    );
    lastReport = now;
    lastReceived = received;
  }
}
const elapsed = (performance.now() - began) / 1000;
const t0 = performance.now();
store.flush();
const flushMs = performance.now() - t0;
db.pragma('wal_checkpoint(TRUNCATE)');
const pageSize = db.pragma('page_size', { simple: true }) as number;
const used =
  ((db.pragma('page_count', { simple: true }) as number) -
    (db.pragma('freelist_count', { simple: true }) as number)) *
  pageSize;
const fileBytes = statSync(file).size;
const blocks = db.prepare('SELECT count(*) AS n, sum(length(data)) AS bytes FROM blocks').get() as {
  n: number;
  bytes: number;
};
const rollups = db.prepare('SELECT count(*) FROM rollups').pluck().get() as number;
commitMs.sort((a, b) => a - b);
const pct = (p: number) =>
  commitMs[Math.min(commitMs.length - 1, Math.floor(commitMs.length * p))]!.toFixed(2);

console.log(`
cores: ${os.cpus().length}   node ${process.version}
readings in:        ${received.toLocaleString('en-US')} in ${elapsed.toFixed(1)} s = ${Math.round(received / elapsed).toLocaleString('en-US')} readings/s sustained
stored:             ${stored.toLocaleString('en-US')}  (duplicates dropped: ${duplicates.toLocaleString('en-US')}, ${((duplicates / received) * 100).toFixed(2)}%)
batch commit (ms):  p50 ${pct(0.5)}  p99 ${pct(0.99)}  max ${pct(1)}   (compactions: ${store.series.counters.compactions}; final flush ${flushMs.toFixed(0)} ms)
on disk:            ${(used / stored).toFixed(2)} bytes/reading in use (${(fileBytes / stored).toFixed(2)} by file size; ${(fileBytes / 2 ** 20).toFixed(1)} MiB)
  blocks:           ${blocks.n.toLocaleString('en-US')} holding ${(blocks.bytes / stored).toFixed(2)} bytes/reading of compressed data
  rollup rows:      ${rollups.toLocaleString('en-US')} (1 min, 1 h, 1 day)
data folder:        ${dataDir}`);
db.close();
