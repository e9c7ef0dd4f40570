/**
 * npm run bench:query
 *
 * One 1 Hz series with a week of history (604,800 readings, compacted into blocks and
 * rollups, plus a live head of recent readings), then chart queries as the UI makes them:
 * a week, a day and an hour into 1,000 pixels. Prints p50/p95/max per window.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../main/engine/log';
import { allocateBatch } from '../main/engine/store/column-batch';
import { openDatabase } from '../main/engine/store/database';
import { ReadingStore } from '../main/engine/store/reading-store';

const WEEK = 7 * 86_400_000;
const PIXELS = 1000;
const RUNS = 300;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-query-'));
const log = createLogger({ level: 'warn' });
const { db, file } = openDatabase({ dataDir, log });
const store = new ReadingStore(db, file, log);
store.upsertDevice({
  id: 'pump',
  name: 'pump',
  kind: 'bench',
  profile: 'bench',
  transport: 'mqtt',
  connectorId: 'b',
});
const series = store.seriesId('pump', 'vibration');

const end = Date.UTC(2026, 0, 8);
const start = end - WEEK;
const batch = allocateBatch(5000);
const began = performance.now();
let i = 0;
let t = start;
// everything but the last 10 minutes is compacted; those stay in the head, as live data does
const compactedUntil = end - 600_000;
function load(until: number) {
  while (t < until) {
    let n = 0;
    for (; n < 5000 && t < until; n++, t += 1000, i++) {
      batch.series[n] = series;
      batch.ts[n] = t;
      batch.values[n] =
        Math.round((3 + Math.sin(i / 900) + Math.sin(i / 37) * 0.2 + ((i * 7919) % 101) / 500) * 1000) / 1000;
      batch.quality[n] = 0;
      batch.seq[n] = -1;
      batch.arrived[n] = t;
    }
    batch.length = n;
    store.ingestColumns(batch);
  }
}
load(compactedUntil);
store.flush();
load(end);
console.log(
  `loaded ${i.toLocaleString('en-US')} readings in ${((performance.now() - began) / 1000).toFixed(1)} s`,
);

function measure(label: string, from: number, to: number) {
  const times: number[] = [];
  let points = 0;
  let resolution = '';
  for (let run = 0; run < RUNS; run++) {
    // shift the window a little each run so no answer is served from a cache of the last
    const shift = (run % 7) * 1000;
    const t0 = performance.now();
    const w = store.query('pump', 'vibration', from - shift, to - shift, PIXELS);
    times.push(performance.now() - t0);
    points = w.ts.length;
    resolution = w.resolution;
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))]!.toFixed(2);
  console.log(
    `${label.padEnd(8)} → ${String(points).padStart(5)} points from ${resolution.padEnd(3)}   p50 ${p(0.5)} ms   p95 ${p(0.95)} ms   max ${p(1)} ms`,
  );
}

console.log(`cores: ${os.cpus().length}; ${PIXELS} pixels; ${RUNS} runs each`);
measure('1 week', start, end);
measure('1 day', end - 86_400_000, end);
measure('1 hour', end - 3_600_000, end);
measure('1 minute', end - 60_000, end);
db.close();
