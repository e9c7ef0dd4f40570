/**
 * npm run bench:alerts [seconds=10] [instances=10000] [restore=100000]
 *
 * Alarm evaluation cost, all on real SQLite files:
 * - ingest readings/s through ReadingStore.insertBatch with alarm evaluation inside the
 *   commit (as the engine runs it) for `instances` threshold instances, against the same
 *   ingest with no rules, alternating in the same run;
 * - reading → journaled transition latency p50/p99: inside the commit, and end to end
 *   through the ingest pipeline (which batches for up to 50 ms);
 * - heap per simple threshold instance;
 * - time to restore `restore` instances after a restart.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RuleSchema } from '../common/alarm-contract';
import type { Reading } from '../common/reading';
import { AlarmService } from '../main/engine/alarms/alarm-service';
import { IngestPipeline } from '../main/engine/ingest/pipeline';
import { ReadingValidator } from '../main/engine/ingest/validate';
import { createLogger } from '../main/engine/log';
import { openDatabase } from '../main/engine/store/database';
import { ReadingStore } from '../main/engine/store/reading-store';

const seconds = Number(process.argv[2] ?? 10);
const instanceCount = Number(process.argv[3] ?? 10_000);
const restoreCount = Number(process.argv[4] ?? 100_000);
const BATCH = 5000;
const log = createLogger({ level: 'warn' });
const gc = (globalThis as { gc?: () => void }).gc;

const rule = RuleSchema.parse({
  id: 'bench-hot',
  name: 'Bench too hot',
  target: { profile: 'bench', metric: 'temperature' },
  condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 85, deadband: 5 } }] },
});

function open(label: string, devices: number) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `fieldline-bench-alerts-${label}-`));
  const { db, file } = openDatabase({ dataDir, log });
  const store = new ReadingStore(db, file, log);
  const ids = Array.from({ length: devices }, (_, i) => `dev-${i}`);
  db.transaction(() => {
    for (const id of ids)
      store.upsertDevice({
        id,
        name: id,
        kind: 'bench',
        profile: 'bench',
        transport: 'mqtt',
        connectorId: 'b',
      });
  })();
  const service = (now: () => number = Date.now) =>
    new AlarmService({
      db,
      devices: {
        facts: (id) => ({ id, profile: 'bench', site: '', tags: [] }),
        ids: () => ids,
        offline: () => false,
        name: (id) => id,
      },
      audit: () => {},
      siteId: 'bench',
      log,
      now,
      tickMs: 1000,
    });
  return { dataDir, db, store, ids, service };
}

let seed = 7;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

// ---- 1. ingest with and without 10,000 instances, alternating in one run ----
/**
 * `quiet`: the same 10,000 instances with a limit the walk never reaches, so the figure is
 * the cost of judging alone; the default rule's walk crosses 85 often enough that about 1.4 %
 * of readings journal a transition (an alarm flood), which adds the journal's writes.
 */
const quietRule = RuleSchema.parse({
  ...rule,
  condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 1000, deadband: 5 } }] },
});

function ingestSection(judged = rule, label = 'instances'): void {
  const withRules = open('with', instanceCount);
  const without = open('without', instanceCount);
  const alarms = withRules.service();
  alarms.start();
  alarms.saveRule(judged, 'bench');
  const level = new Float64Array(instanceCount).map(() => 60 + random() * 20);
  let t = Date.UTC(2026, 0, 1);
  const batchOf = (): Reading[] => {
    const out: Reading[] = [];
    for (let i = 0; i < BATCH; i++) {
      const s = Math.floor(random() * instanceCount);
      // a walk that now and then crosses 85 and comes back below 80
      level[s] = Math.min(95, Math.max(55, level[s]! + (random() - 0.5) * 4));
      out.push({
        deviceId: `dev-${s}`,
        metric: 'temperature',
        ts: t + i,
        value: level[s]!,
        quality: 'good',
        source: 'b',
      });
    }
    t += BATCH;
    return out;
  };
  // create every instance and warm both paths up
  const warm = Array.from(
    { length: instanceCount },
    (_, s): Reading => ({
      deviceId: `dev-${s}`,
      metric: 'temperature',
      ts: t,
      value: level[s]!,
      quality: 'good',
      source: 'b',
    }),
  );
  t += 1;
  withRules.store.insertBatch(warm, Date.now(), (a) => alarms.evaluate(a));
  alarms.afterCommit();
  without.store.insertBatch(warm, Date.now());
  const totals = { with: { n: 0, ms: 0 }, without: { n: 0, ms: 0 } };
  // the time inside the alarms' part of each commit: the same batches, so block compaction
  // (seconds, landing in whichever side triggers it) does not decide the figure
  let judgingMs = 0;
  const sliceMs = 500;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (const side of ['without', 'with'] as const) {
      const sliceEnd = performance.now() + sliceMs;
      while (performance.now() < sliceEnd) {
        const batch = batchOf();
        const began = performance.now();
        if (side === 'with') {
          withRules.store.insertBatch(batch, Date.now(), (a) => {
            const j = performance.now();
            alarms.evaluate(a);
            judgingMs += performance.now() - j;
          });
          const j = performance.now();
          alarms.afterCommit();
          judgingMs += performance.now() - j;
        } else without.store.insertBatch(batch, Date.now());
        totals[side].ms += performance.now() - began;
        totals[side].n += batch.length;
      }
    }
  }
  const rate = (s: { n: number; ms: number }) => (s.n / s.ms) * 1000;
  const slower = (1 - rate(totals.with) / rate(totals.without)) * 100;
  const transitions = alarms.after(0, 1e9).length;
  console.log(
    `ingest without rules:            ${Math.round(rate(totals.without)).toLocaleString('en')} readings/s`,
  );
  console.log(
    `ingest with ${instanceCount.toLocaleString('en')} ${label}:      ${Math.round(rate(totals.with)).toLocaleString('en')} readings/s (${slower.toFixed(1)} % slower; goal ≤ 15 %; ${transitions.toLocaleString('en')} transitions journaled)`,
  );
  console.log(
    `  alarm judging: ${((1000 * judgingMs) / totals.with.n).toFixed(2)} µs per reading, ${((100 * judgingMs) / totals.with.ms).toFixed(1)} % of the with-rules ingest time`,
  );
  alarms.close();
  withRules.db.close();
  without.db.close();
}

// ---- 2. reading → transition latency ----
async function latencySection(): Promise<void> {
  const { db, store, service } = open('latency', 100);
  const alarms = service();
  alarms.start();
  alarms.saveRule(rule, 'bench');
  let t = Date.UTC(2026, 0, 1);
  const inside: number[] = [];
  const endToEnd: number[] = [];
  // inside the commit: one reading that crosses, amid 99 that do not
  for (let i = 0; i < 2000; i++) {
    const value = i % 2 === 0 ? 90 : 70;
    const batch: Reading[] = Array.from({ length: 100 }, (_, d) => ({
      deviceId: `dev-${d}`,
      metric: 'temperature',
      ts: t,
      value: d === 0 ? value : 60,
      quality: 'good',
      source: 'b',
    }));
    t += 1000;
    const began = performance.now();
    store.insertBatch(batch, Date.now(), (a) => alarms.evaluate(a));
    alarms.afterCommit();
    inside.push(performance.now() - began);
  }
  // end to end: pushed into the pipeline → notice committed (the pipeline batches up to 50 ms)
  const pipeline = new IngestPipeline({
    store,
    validator: new ReadingValidator(() => undefined),
    log,
    withinCommit: (a) => alarms.evaluate(a),
  });
  pipeline.onBatch(() => alarms.afterCommit());
  let pushedAt = 0;
  let resolve: () => void = () => {};
  alarms.onNotices(() => {
    endToEnd.push(performance.now() - pushedAt);
    resolve();
  });
  for (let i = 0; i < 200; i++) {
    const told = new Promise<void>((r) => {
      resolve = r;
    });
    pushedAt = performance.now();
    pipeline.push([
      {
        deviceId: 'dev-1',
        metric: 'temperature',
        ts: Date.now(),
        value: i % 2 === 0 ? 90 : 70,
        quality: 'good',
        source: 'b',
      },
    ]);
    await told;
    await new Promise((r) => setTimeout(r, 2));
  }
  pipeline.close();
  inside.sort((a, b) => a - b);
  endToEnd.sort((a, b) => a - b);
  console.log(
    `reading → transition, inside the commit (100-reading batch): p50 ${pct(inside, 50).toFixed(2)} ms, p99 ${pct(inside, 99).toFixed(2)} ms (goal ≤ 20 ms)`,
  );
  console.log(
    `reading → transition, end to end through the 50 ms ingest batching: p50 ${pct(endToEnd, 50).toFixed(1)} ms, p99 ${pct(endToEnd, 99).toFixed(1)} ms`,
  );
  alarms.close();
  db.close();
}

// ---- 3. memory per instance and 4. restore time ----
function restoreSection(): void {
  const { db, service } = open('restore', restoreCount);
  const alarms = service();
  alarms.start();
  alarms.saveRule(rule, 'bench');
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const t = Date.UTC(2026, 0, 1);
  for (let from = 0; from < restoreCount; from += BATCH) {
    const batch: Reading[] = [];
    for (let s = from; s < Math.min(restoreCount, from + BATCH); s++)
      batch.push({
        deviceId: `dev-${s}`,
        metric: 'temperature',
        ts: t,
        value: s % 10 === 0 ? 90 : 70,
        quality: 'good',
        source: 'b',
      });
    // alarms alone (no reading store in the heap figure), in a transaction as in the ingest commit
    db.transaction(() => alarms.evaluate(batch))();
    alarms.afterCommit();
  }
  gc?.();
  const perInstance = (process.memoryUsage().heapUsed - before) / restoreCount;
  console.log(
    `heap per threshold instance: ${Math.round(perInstance)} bytes (goal ≤ 1 KB)${gc ? '' : ' (run with --expose-gc for a steady figure)'}`,
  );
  alarms.close();
  const began = performance.now();
  const restored = service();
  restored.start();
  const ms = performance.now() - began;
  const count = restored.list({ includeNormal: true }).length;
  console.log(
    `restore ${count.toLocaleString('en')} instances after a restart: ${Math.round(ms)} ms (goal ≤ 5,000 ms)`,
  );
  restored.close();
  db.close();
}

void (async () => {
  ingestSection(quietRule, 'instances, none firing');
  ingestSection();
  await latencySection();
  restoreSection();
})();
