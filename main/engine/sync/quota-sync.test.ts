/**
 * The outbox quota end to end, over the real reference receiver on 127.0.0.1 and real
 * SQLite files at both ends: with the receiver down, ingest runs far past the quota; the
 * outbox stays under it (plus the batch on the wire), the sink's status names the folded
 * range, and once the receiver is back it holds every raw reading that was not folded
 * exactly once, 1-minute rollups whose counts and sums are exactly those of the folded
 * readings, and every event.
 *
 * The quota is set through the handler (below the 16 MiB the RPC schema allows) so the
 * test moves megabytes, not hundreds of them; the engine treats any quota the same way.
 */
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Reading } from '../../../common/reading';
import { createReceiver } from '../../cloud-receiver/receiver';
import { tempDataDir } from '../store/test-fixtures';
import { ROLLUPS_EVENT_TYPE } from './cloudevents';
import { openSync, readingsBatch, waitUntil } from './test-fixtures';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const QUOTA = 1024 * 1024;
const BATCHES = 400;
/** 100 devices x 10 metrics: 5 readings a series per batch, about 10 bytes a reading in the outbox */
const batchOf = (b: number) => readingsBatch(b, 5000, 100, 10);
const EVENT_EVERY = 25;
const tick = () => new Promise((r) => setImmediate(r));

/** The receiver comes back: sync now, and wait until nothing of any kind is left waiting. */
async function drainAfter(
  e: { sync: ReturnType<typeof openSync>['sync'] },
  down: Promise<void>,
): Promise<void> {
  await down;
  e.sync.handlers['sync.now']({});
  await waitUntil(() => {
    const s = e.sync.status()[0]!;
    return s.backlog.readings + s.backlog.events + s.backlog.rollups === 0;
  }, 'the backlog to drain');
}

interface RollupData {
  deviceId: string;
  metric: string;
  folded?: boolean;
  start: number[];
  count: number[];
  nulls: number[];
  sum: number[];
}

describe('outbox quota → reference receiver (real SQLite both ends, 127.0.0.1)', () => {
  test('receiver down, ingest far past the quota: raw readings folded, never lost, nothing twice', async () => {
    const receiver = await createReceiver({ dbFile: path.join(tempDataDir('receiver'), 'r.sqlite') });
    const e = openSync({ maxBatchReadings: 5000 });
    cleanups.push(
      () => receiver.close(),
      () => e.sync.close(),
    );
    e.sync.handlers['sync.configure']({ outboxQuotaBytes: QUOTA });
    // down until the assertions below are done, however slowly a loaded machine ingests
    let release = (): void => {};
    const down = receiver.down(new Promise<void>((r) => (release = r)));
    await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'cloud',
      enabled: true,
      config: { url: `${receiver.url}/v1/batches` },
    });

    const ingested: Reading[] = [];
    let events = 0;
    let peak = 0;
    let batchBytes = 0;
    for (let b = 0; b < BATCHES; b++) {
      const batch = batchOf(b);
      const before = e.sync.outbox.storedBytes();
      e.sync.onIngest(batch);
      batchBytes = Math.max(batchBytes, e.sync.outbox.storedBytes() - before);
      ingested.push(...batch);
      if (b % EVENT_EVERY === 0) {
        e.sync.enqueueEvent('io.fieldline.audit.v1', `entry-${events}`, { n: events });
        events++;
      }
      // the engine's loop turns between ingest batches, as it does in the pipeline
      await tick();
      peak = Math.max(peak, e.sync.outbox.storedBytes());
    }
    await waitUntil(() => e.sync.outbox.storedBytes() <= QUOTA, 'the outbox to fold under its quota');
    // the raw bytes ingested were many times the quota
    expect(batchBytes * BATCHES).toBeGreaterThan(8 * QUOTA);
    // at no time more than the quota plus an ingest batch and a fold group (64 KiB here)
    expect(peak).toBeLessThanOrEqual(QUOTA + batchBytes + 64 * 1024);
    expect(e.sync.outbox.recount()).toBeLessThanOrEqual(QUOTA);

    const status = e.sync.status()[0]!;
    expect(status.folded).not.toBeNull();
    expect(status.folded!.readings).toBeGreaterThan(ingested.length * 0.8);
    expect(status.backlog.rollups).toBeGreaterThan(0);
    expect(status.backlog.events).toBe(events);
    expect((await e.sync.handlers['sync.settings']({})).outboxBytes).toBe(e.sync.outbox.storedBytes());

    // all of the above happened while the receiver was down
    expect(receiver.store.counters.batches).toBe(0);
    release();
    await drainAfter(e, down);

    // a fold pass may have gone on below the quota meanwhile: the final figure
    const folded = e.sync.status()[0]!.folded!;
    // raw: exactly once, values intact; what is missing is exactly what was folded
    expect(receiver.store.counters.duplicateReadings).toBe(0);
    expect(receiver.store.counters.outOfOrder).toBe(0);
    const missing = new Map<string, Reading[]>();
    let raw = 0;
    const bySeries = new Map<string, Reading[]>();
    for (const r of ingested) {
      const k = `${r.deviceId}/${r.metric}`;
      const list = bySeries.get(k);
      if (list) list.push(r);
      else bySeries.set(k, [r]);
    }
    for (const [k, rs] of bySeries) {
      const [deviceId, metric] = k.split('/') as [string, string];
      const got = receiver.store.series(deviceId, metric);
      const at = new Map(got.ts.map((t, i) => [t, got.values[i]]));
      for (const r of rs) {
        if (at.has(r.ts)) {
          expect(at.get(r.ts)).toBe(r.value);
          raw++;
        } else {
          const list = missing.get(k);
          if (list) list.push(r);
          else missing.set(k, [r]);
        }
      }
    }
    expect(receiver.store.totalReadings()).toBe(raw);
    const lost = [...missing.values()].flat();
    expect(lost.length).toBe(folded.readings);
    expect(raw + folded.readings).toBe(ingested.length);
    expect(lost.reduce((m, r) => Math.min(m, r.ts), Infinity)).toBe(folded.fromTs);
    expect(lost.reduce((m, r) => Math.max(m, r.ts), -Infinity)).toBe(folded.toTs);

    // the batch that was on the wire when the receiver went down arrived whole, raw, under its own key
    for (const r of batchOf(0))
      expect(missing.get(`${r.deviceId}/${r.metric}`)?.includes(r) ?? false).toBe(false);

    // rollups: per series and minute, exactly the folded readings' count, nulls and sum
    const all = receiver.store.events();
    const rollups = all.filter((x) => x.type === ROLLUPS_EVENT_TYPE).map((x) => x.data as RollupData);
    expect(rollups.length).toBeGreaterThan(0);
    expect(rollups.every((d) => d.folded === true)).toBe(true);
    const got = new Map<string, { count: number; nulls: number; sum: number }>();
    for (const d of rollups) {
      let t = 0;
      d.start.forEach((delta, i) => {
        t = i === 0 ? delta : t + delta;
        const k = `${d.deviceId}/${d.metric}@${t}`;
        const g = got.get(k) ?? { count: 0, nulls: 0, sum: 0 };
        g.count += d.count[i]!;
        g.nulls += d.nulls[i]!;
        g.sum += d.sum[i]!;
        got.set(k, g);
      });
    }
    const want = new Map<string, { count: number; nulls: number; sum: number }>();
    for (const r of lost) {
      const k = `${r.deviceId}/${r.metric}@${Math.floor(r.ts / 60_000) * 60_000}`;
      const w = want.get(k) ?? { count: 0, nulls: 0, sum: 0 };
      if (r.value === null) w.nulls++;
      else {
        w.count++;
        w.sum += r.value;
      }
      want.set(k, w);
    }
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, w] of want) {
      const g = got.get(k)!;
      expect(g.count, k).toBe(w.count);
      expect(g.nulls, k).toBe(w.nulls);
      expect(g.sum, k).toBeCloseTo(w.sum, 6);
    }
    // every event once
    const audits = all.filter((x) => x.type === 'io.fieldline.audit.v1');
    expect(audits.map((x) => x.subject).sort()).toEqual(
      Array.from({ length: events }, (_, i) => `entry-${i}`).sort(),
    );
    expect(receiver.store.counters.duplicateEvents).toBe(0);
    expect(e.sync.outbox.storedBytes()).toBe(0);
  }, 120_000);

  test('metered link: the folded rows go with the rollups first, the raw channel skips them; every reading counted once', async () => {
    const receiver = await createReceiver({ dbFile: path.join(tempDataDir('receiver'), 'r.sqlite') });
    // a metered batch takes 20 times a raw batch's readings: keep it small beside the quota
    const e = openSync({ maxBatchReadings: 1000 });
    cleanups.push(
      () => receiver.close(),
      () => e.sync.close(),
    );
    e.sync.handlers['sync.configure']({ outboxQuotaBytes: QUOTA, metered: true });
    let release = (): void => {};
    const down = receiver.down(new Promise<void>((r) => (release = r)));
    await e.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'cloud',
      enabled: true,
      config: { url: `${receiver.url}/v1/batches` },
    });
    let ingested = 0;
    for (let b = 0; b < 200; b++) {
      const batch = batchOf(b);
      e.sync.onIngest(batch);
      ingested += batch.length;
      await tick();
    }
    await waitUntil(() => e.sync.outbox.storedBytes() <= QUOTA, 'the outbox to fold under its quota');
    expect(e.sync.status()[0]!.folded!.readings).toBeGreaterThan(0);
    expect(receiver.store.counters.batches).toBe(0);
    release();
    await drainAfter(e, down);
    // a fold pass may have gone on below the quota meanwhile: the final figure
    const folded = e.sync.status()[0]!.folded!;
    expect(receiver.store.totalReadings()).toBe(ingested - folded.readings);
    expect(receiver.store.counters.duplicateReadings).toBe(0);
    // each folded row went once (rollup channel), never again on the raw channel
    expect(receiver.store.counters.duplicateEvents).toBe(0);
    const rollups = receiver.store
      .events()
      .filter((x) => x.type === ROLLUPS_EVENT_TYPE)
      .map((x) => x.data as RollupData);
    const counted = (list: RollupData[]) =>
      list.reduce((n, d) => n + d.count.reduce((a, c) => a + c, 0) + d.nulls.reduce((a, c) => a + c, 0), 0);
    expect(counted(rollups.filter((d) => d.folded))).toBe(folded.readings);
    // the metered rollups of what stayed raw plus the folded ones: every reading once
    expect(counted(rollups)).toBe(ingested);
  }, 120_000);
});
