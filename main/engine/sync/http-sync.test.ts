/**
 * The HTTP sink against the real reference receiver over 127.0.0.1, both on real SQLite
 * files: whatever faults the receiver injects, it ends up holding every reading exactly
 * once and the outbox ends up empty.
 */
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createReceiver, type Receiver } from '../../cloud-receiver/receiver';
import { tempDataDir } from '../store/test-fixtures';
import { openSync, readingsBatch, waitUntil } from './test-fixtures';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { maxBatchReadings?: number } = {}) {
  const receiver = await createReceiver({ dbFile: path.join(tempDataDir('receiver'), 'r.sqlite') });
  const engine = openSync({ maxBatchReadings: options.maxBatchReadings ?? 1000 });
  cleanups.push(
    () => receiver.close(),
    () => engine.sync.close(),
  );
  await engine.sync.handlers['sync.addSink']({
    kind: 'http',
    name: 'cloud',
    enabled: true,
    config: { url: `${receiver.url}/v1/batches` },
  });
  return { receiver, ...engine };
}

function ingest(sync: ReturnType<typeof openSync>['sync'], batches: number, from = 0): number {
  let n = 0;
  for (let b = from; b < from + batches; b++) {
    const r = readingsBatch(b);
    sync.onIngest(r);
    n += r.length;
  }
  return n;
}

/** Every reading once: the receiver's distinct readings equal what was ingested, series by series. */
function expectExactlyOnce(receiver: Receiver, batches: number, ordered = true): void {
  const expected = new Map<string, number[]>();
  for (let b = 0; b < batches; b++) {
    for (const r of readingsBatch(b)) {
      const k = `${r.deviceId}/${r.metric}`;
      expected.set(k, [...(expected.get(k) ?? []), r.ts]);
    }
  }
  let total = 0;
  for (const [k, ts] of expected) {
    const [deviceId, metric] = k.split('/') as [string, string];
    const got = receiver.store.series(deviceId, metric);
    expect(got.ts).toEqual([...ts].sort((a, b) => a - b));
    total += ts.length;
  }
  expect(receiver.store.totalReadings()).toBe(total);
  // and per device in the order Fieldline ingested them, whatever was retried (a parked
  // batch is the one exception: it is delivered when someone retries it, after later ones)
  if (ordered) expect(receiver.store.counters.outOfOrder).toBe(0);
}

const drained = (e: { sync: ReturnType<typeof openSync>['sync'] }, receiver: Receiver, total: number) =>
  waitUntil(
    () => receiver.store.totalReadings() >= total && e.sync.status()[0]!.backlog.readings === 0,
    'the backlog to drain',
  );

describe('HTTP sink → reference receiver (real SQLite both ends, 127.0.0.1)', () => {
  test('a clean run: every reading once, values and nulls intact, outbox empty', async () => {
    const e = await setup();
    const total = ingest(e.sync, 40);
    await drained(e, e.receiver, total);
    expectExactlyOnce(e.receiver, 40);
    const one = e.receiver.store.series('dev-0', 'm0');
    const sent = readingsBatch(0).filter((r) => r.deviceId === 'dev-0' && r.metric === 'm0');
    expect(one.values.slice(0, sent.length)).toEqual(sent.map((r) => r.value));
    expect(e.receiver.store.counters.duplicateReadings).toBe(0);
    expect(e.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
    expect(e.sync.status()[0]!.connected).toBe(true);
  });

  test('receiver down for 2 s while data keeps coming: all delivered once after it is back', async () => {
    const e = await setup();
    ingest(e.sync, 5);
    await waitUntil(() => e.receiver.store.totalReadings() > 0, 'first delivery');
    const down = e.receiver.down(2000);
    await new Promise((r) => setTimeout(r, 100));
    const total = 2500 + ingest(e.sync, 20, 5);
    await waitUntil(() => e.sync.status()[0]!.lastError !== null, 'a failed attempt');
    expect(e.sync.status()[0]!.backlog.readings).toBeGreaterThan(0);
    await down;
    await drained(e, e.receiver, total);
    expectExactlyOnce(e.receiver, 25);
    expect(e.sync.status()[0]!.retries).toBeGreaterThan(0);
  });

  test('while the receiver is down, data arriving every 20 ms does not cut the backoff short; sync now does', async () => {
    const e = await setup();
    ingest(e.sync, 1);
    await waitUntil(() => e.receiver.store.totalReadings() > 0, 'first delivery');
    const down = e.receiver.down(1500);
    const before = e.sync.status()[0]!.retries;
    let b = 1;
    const feeding = setInterval(() => ingest(e.sync, 1, b++), 20);
    await new Promise((r) => setTimeout(r, 1200));
    const retries = e.sync.status()[0]!.retries - before;
    // backoff 20 ms doubling to 200 ms with full jitter: a handful in 1.2 s, not one per ingest (60)
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThan(25);
    clearInterval(feeding);
    await down;
    e.sync.handlers['sync.now']({});
    await drained(e, e.receiver, 500 * b);
    expectExactlyOnce(e.receiver, b);
  });

  test('receiver down for a whole minute while data keeps coming: afterwards every reading once, outbox empty', async () => {
    const e = await setup();
    ingest(e.sync, 1);
    await waitUntil(() => e.receiver.store.totalReadings() > 0, 'first delivery');
    const down = e.receiver.down(60_000);
    let b = 1;
    const feeding = setInterval(() => ingest(e.sync, 1, b++), 500);
    await down;
    clearInterval(feeding);
    expect(b).toBeGreaterThan(100);
    expect(e.sync.status()[0]!.retries).toBeGreaterThan(10);
    await drained(e, e.receiver, 500 * b);
    expectExactlyOnce(e.receiver, b);
    expect(e.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
  }, 120_000);

  test('500s, 429 with Retry-After, cuts mid-request and after commit, partial acceptance', async () => {
    const e = await setup();
    e.receiver.setFaults({
      fail500: 2,
      throttle: { count: 1, retryAfterS: 1 },
      dropMidRequest: 2,
      dropAfterCommit: 2,
      partial: { count: 2, accept: 3 },
    });
    const started = Date.now();
    const total = ingest(e.sync, 30);
    await drained(e, e.receiver, total);
    expectExactlyOnce(e.receiver, 30);
    const c = e.receiver.store.counters;
    expect(c.faults).toBe(9);
    // a batch stored but never answered comes back with the same key and is dropped whole
    expect(c.duplicateBatches).toBeGreaterThanOrEqual(1);
    // a partly stored batch is sent again whole: what it already had counts as duplicates
    expect(c.duplicateReadings).toBeGreaterThan(0);
    // Retry-After: 1 is honoured, not cut short by the backoff
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(e.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
  });

  test('a batch refused with 422 is parked, shown, and delivered by a retry', async () => {
    const e = await setup();
    e.receiver.setFaults({ reject: 1 });
    const total = ingest(e.sync, 6);
    await waitUntil(() => e.sync.status()[0]!.backlog.readings === 0, 'the backlog to drain');
    const parked = await e.sync.handlers['sync.parked']({});
    expect(parked).toHaveLength(1);
    expect(parked[0]!.status).toBe(422);
    expect(e.sync.status()[0]!.parked).toBe(1);
    expect(e.receiver.store.totalReadings()).toBe(total - parked[0]!.readings);
    expect(await e.sync.handlers['sync.retryParked']({ id: parked[0]!.id })).toEqual({
      ok: true,
      error: null,
    });
    expect(await e.sync.handlers['sync.parked']({})).toHaveLength(0);
    expectExactlyOnce(e.receiver, 6, false);
    expect(e.receiver.store.counters.outOfOrder).toBeGreaterThan(0);
  });
});
