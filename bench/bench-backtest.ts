/**
 * npm run bench:backtest [readings=10000000] [series=100] [runs=3]
 *
 * Backtest speed in raw readings/s (issue 12 goal: at least 5 M/s): `readings` stored raw in
 * compacted blocks on a real SQLite file, spread over `series` boiler temperatures that
 * cross the rule's limit now and then, then one threshold rule with a deadband and an
 * on-delay backtested over all of them through the real state machine, `runs` times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RuleSchema } from '../common/alarm-contract';
import { Backtester } from '../main/engine/alarms/backtest';
import { createLogger } from '../main/engine/log';
import { allocateBatch } from '../main/engine/store/column-batch';
import { openDatabase } from '../main/engine/store/database';
import { ReadingStore } from '../main/engine/store/reading-store';

const total = Number(process.argv[2] ?? 10_000_000);
const seriesCount = Number(process.argv[3] ?? 100);
const runs = Number(process.argv[4] ?? 3);
const log = createLogger({ level: 'warn' });
const STEP_MS = 1000;
const T0 = Date.UTC(2026, 0, 1);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-backtest-'));
const { db, file } = openDatabase({ dataDir, log });
const store = new ReadingStore(db, file, log, { compactAtPoints: 2_000_000 });
const ids = Array.from({ length: seriesCount }, (_, i) => `boiler-${i}`);
db.transaction(() => {
  for (const id of ids)
    store.upsertDevice({
      id,
      name: id,
      kind: 'bench',
      profile: 'boiler',
      transport: 'mqtt',
      connectorId: 'b',
    });
})();
const series = ids.map((id) => store.seriesId(id, 'temperature'));

const perSeries = Math.ceil(total / seriesCount);
const loadStarted = performance.now();
const BATCH = 100_000;
const batch = allocateBatch(BATCH);
let seed = 7;
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
// time-major, as devices report: every series gets its reading for each second in turn
for (let k = 0; k < perSeries; k++) {
  for (let s = 0; s < seriesCount; s++) {
    const i = batch.length++;
    batch.series[i] = series[s]!;
    batch.ts[i] = T0 + k * STEP_MS;
    // a slow swing between 60 and 90 with noise: crosses 85 a few times an hour
    batch.values[i] = 75 + 15 * Math.sin((k + s * 977) / 600) + (random() - 0.5) * 4;
    batch.quality[i] = 0;
    batch.seq[i] = -1;
    batch.arrived[i] = T0 + k * STEP_MS;
    if (batch.length === BATCH) {
      store.ingestColumns(batch);
      batch.length = 0;
    }
  }
}
if (batch.length > 0) store.ingestColumns(batch);
store.flush();
const stored = store.totalStored();
console.log(
  `stored ${stored.toLocaleString('en')} raw readings in ${seriesCount} series in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
);

const rule = RuleSchema.parse({
  id: 'bench-hot',
  name: 'Boiler too hot',
  target: { profile: 'boiler', metric: 'temperature' },
  condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 85, deadband: 5 } }] },
  onDelayMs: 10_000,
});
const backtester = new Backtester({
  db,
  series: store.series,
  devices: { facts: (id) => ({ id, profile: 'boiler', site: '', tags: [] }) },
});
const rates: number[] = [];
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  const result = backtester.run(rule, T0, T0 + perSeries * STEP_MS);
  const ms = performance.now() - started;
  const rate = result.readings / (ms / 1000);
  rates.push(rate);
  console.log(
    `run ${r + 1}: ${result.readings.toLocaleString('en')} readings, ${result.episodes.length} episodes, ${result.notifications} notifications, ${result.chattering} chattering in ${ms.toFixed(0)} ms = ${(rate / 1e6).toFixed(2)} M readings/s`,
  );
}
rates.sort((a, b) => a - b);
console.log(
  `backtest speed: median ${(rates[Math.floor(rates.length / 2)]! / 1e6).toFixed(2)} M raw readings/s (goal >= 5 M/s)`,
);
db.close();
rmSync(dataDir, { recursive: true, force: true });
