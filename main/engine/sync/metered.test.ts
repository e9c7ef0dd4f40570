/**
 * Metered links against the real receiver: rollups of the whole backlog go before any raw
 * reading, raw still arrives complete afterwards; and the bandwidth cap holds the average
 * rate down to what it is set to.
 */
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createReceiver } from '../../cloud-receiver/receiver';
import { tempDataDir } from '../store/test-fixtures';
import { openSync, readingsBatch, waitUntil } from './test-fixtures';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const arrivals: string[] = [];
  const receiver = await createReceiver({ dbFile: path.join(tempDataDir('receiver'), 'r.sqlite') });
  const e = openSync({ maxBatchReadings: 1000 });
  cleanups.push(
    () => receiver.close(),
    () => e.sync.close(),
  );
  const sink = await e.sync.handlers['sync.addSink']({
    kind: 'http',
    name: 'cloud',
    enabled: false,
    config: { url: `${receiver.url}/v1/batches` },
  });
  return { receiver, arrivals, sink, ...e };
}

describe('metered mode and the bandwidth cap', () => {
  test('metered: 1-minute rollups of the backlog first, then every raw reading once', async () => {
    const e = await setup();
    e.sync.handlers['sync.configure']({ metered: true });
    let nonNull = 0;
    for (let b = 0; b < 20; b++) {
      const batch = readingsBatch(b);
      nonNull += batch.filter((r) => r.value !== null).length;
      e.sync.onIngest(batch);
    }
    await e.sync.handlers['sync.updateSink']({ id: e.sink.id, enabled: true });
    await waitUntil(() => e.receiver.store.totalReadings() >= 10_000, 'raw delivery');
    await waitUntil(() => e.sync.status()[0]!.backlog.readings === 0, 'the backlog to drain');
    const rollups = e.receiver.store.events().filter((x) => x.type === 'io.fieldline.rollups.1m.v1');
    expect(rollups.length).toBeGreaterThan(0);
    // every non-null reading is counted in exactly one rollup bucket
    const counted = rollups.reduce(
      (n, x) => n + (x.data as { count: number[] }).count.reduce((a, c) => a + c, 0),
      0,
    );
    expect(counted).toBe(nonNull);
    // the rollups were all stored before the first raw batch: their batches came first
    const batches = e.receiver.store.db
      .prepare('SELECT readings FROM batches ORDER BY rowid')
      .pluck()
      .all() as number[];
    const firstRaw = batches.findIndex((n) => n > 0);
    expect(firstRaw).toBeGreaterThan(0);
    expect(batches.slice(0, firstRaw).every((n) => n === 0)).toBe(true);
    expect(e.receiver.store.totalReadings()).toBe(10_000);
    expect(e.receiver.store.counters.duplicateReadings).toBe(0);
  });

  test('a 4 KB/s cap spreads a ~20 KB backlog over seconds; removing it drains the rest at once', async () => {
    const e = await setup();
    e.sync.handlers['sync.configure']({ bandwidthBytesPerS: 4096 });
    for (let b = 0; b < 20; b++) e.sync.onIngest(readingsBatch(b));
    const started = Date.now();
    await e.sync.handlers['sync.updateSink']({ id: e.sink.id, enabled: true });
    await new Promise((r) => setTimeout(r, 2500));
    const s = e.sync.status()[0]!;
    // in 2.5 s at 4096 B/s, at most the one second of burst plus 2.5 s of budget (+ one batch) went out
    expect(s.delivered.bytes).toBeLessThanOrEqual(4096 * 3.5 + 5000);
    expect(s.backlog.readings).toBeGreaterThan(0);
    e.sync.handlers['sync.configure']({ bandwidthBytesPerS: null });
    e.sync.handlers['sync.now']({});
    await waitUntil(() => e.sync.status()[0]!.backlog.readings === 0, 'the rest');
    expect(e.receiver.store.totalReadings()).toBe(10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
  });
});
