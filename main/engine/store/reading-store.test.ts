import { describe, expect, test } from 'vitest';
import type { Reading } from '../../../common/reading';
import { createLogger } from '../log';
import { openDatabase, schemaVersion } from './database';
import { MIGRATIONS } from './migrations/index';
import { openStore } from './test-fixtures';

const log = createLogger({ level: 'silent' });

const freshStore = (dataDir?: string) => openStore(dataDir);

const r = (
  ts: number,
  value: number | null,
  quality: Reading['quality'] = 'good',
  seq?: number,
): Reading => ({
  deviceId: 'd1',
  metric: 'm',
  ts,
  value,
  quality,
  source: 'c',
  ...(seq === undefined ? {} : { seq }),
});

describe('reading store (real SQLite file)', () => {
  test('WAL mode and migrations recorded', () => {
    const { db } = freshStore();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = MIGRATIONS.map((m) => m.version);
    expect(schemaVersion(db)).toBe(Math.max(...versions));
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual(versions);
    // one file per version, in order, none skipped
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  test('a reading delivered twice is stored once and counted as a duplicate, before and after compaction', () => {
    const { store } = freshStore();
    const first = store.insertBatch([r(1000, 1), r(2000, 2), r(1000, 1)]);
    expect(first.accepted.map((x) => x.ts)).toEqual([1000, 2000]);
    expect(first.duplicates).toBe(1);
    store.flush();
    const replay = store.insertBatch([r(2000, 2), r(3000, 3), r(1000, 1)]);
    expect(replay.duplicates).toBe(2);
    expect(store.totalStored()).toBe(3);
    store.flush();
    expect(store.devices()[0]).toMatchObject({ readings: 3, duplicates: 3 });
  });

  test('a retried message with the same number but a new timestamp is a duplicate', () => {
    const { store } = freshStore();
    store.insertBatch([r(1000, 1, 'good', 7)]);
    expect(store.insertBatch([r(1005, 1, 'good', 7)]).duplicates).toBe(1);
    // a device that restarted and counts from 0 again much later is not a duplicate
    expect(store.insertBatch([r(1000 + 3_600_000, 1, 'good', 7)]).duplicates).toBe(0);
  });

  test('a device that reboots and counts from 0 again within minutes loses none of its new readings (issue 16)', () => {
    const { store } = freshStore();
    const t0 = 1_000_000;
    store.insertBatch(Array.from({ length: 300 }, (_, i) => r(t0 + i * 1000, 20 + i / 100, 'good', i)));
    const after = Array.from({ length: 100 }, (_, i) => r(t0 + 305_000 + i * 500, 30 + i / 100, 'good', i));
    let stored = 0;
    for (const reading of after) stored += store.insertBatch([reading]).accepted.length;
    expect(stored).toBe(100);
  });

  test('after a restart, a reboot is still a reboot and a re-stamped resend of a compacted reading still a retry', () => {
    const { store, db, dataDir } = freshStore();
    store.insertBatch(Array.from({ length: 50 }, (_, i) => r(10_000 + i * 1000, i, 'good', i)));
    store.flush();
    store.insertBatch(Array.from({ length: 10 }, (_, i) => r(60_000 + i * 1000, 50 + i, 'good', 50 + i)));
    db.close(); // as a SIGKILL leaves it: the last ten only in the ingest log
    const again = freshStore(dataDir);
    // the device restarted with the engine: 0..59 again, a few seconds on
    const fresh = Array.from({ length: 60 }, (_, i) => r(75_000 + i * 1000, 100 + i, 'good', i));
    expect(again.store.insertBatch(fresh).duplicates).toBe(0);
    // its last message sent again, re-stamped 300 ms later: one retry
    expect(again.store.insertBatch([r(134_300, 159, 'good', 59)]).duplicates).toBe(1);
    again.store.flush();
    again.db.close();
    const third = freshStore(dataDir);
    expect(third.store.insertBatch([r(134_500, 159, 'good', 59)]).duplicates).toBe(1);
    expect(third.store.totalStored()).toBe(120);
  });

  test('out-of-order readings are accepted and queried back in device-time order, flags kept', () => {
    const { store } = freshStore();
    store.insertBatch([r(3000, 3), r(1000, 1), r(2000, 999, 'out-of-range')]);
    const q = store.query('d1', 'm', 0, 10_000, 100);
    expect(q.ts).toEqual([1000, 2000, 3000]);
    expect(q.values).toEqual([1, 999, 3]);
    expect(q.quality).toEqual([0, 2, 0]);
    store.flush();
    store.insertBatch([r(1500, 1.5)]);
    const after = store.query('d1', 'm', 0, 10_000, 100);
    expect(after.ts).toEqual([1000, 1500, 2000, 3000]);
    expect(store.devices()[0]?.flagged).toBe(1);
  });

  test('queries never return more than 4 points per pixel', () => {
    const { store } = freshStore();
    store.insertBatch(Array.from({ length: 10_000 }, (_, i) => r(i * 100, Math.sin(i / 10))));
    const q = store.query('d1', 'm', 0, 1_000_000, 100);
    expect(q.resolution).toBe('raw');
    expect(q.ts.length).toBeLessThanOrEqual(400);
    expect(q.ts.length).toBeGreaterThan(200);
    expect(store.query('d1', 'nope', 0, 10, 10).ts).toEqual([]);
  });

  test('uncompacted readings survive a reopen (replayed from the ingest log)', () => {
    const { store, db, dataDir } = freshStore();
    store.insertBatch([r(1000, 1), r(2000, 2, 'suspect')]);
    db.close();
    const again = freshStore(dataDir);
    expect(again.store.totalStored()).toBe(2);
    expect(again.store.query('d1', 'm', 0, 10_000, 100).ts).toEqual([1000, 2000]);
    expect(again.store.devices()[0]).toMatchObject({ readings: 2, flagged: 1 });
    expect(again.store.insertBatch([r(1000, 1)]).duplicates).toBe(1);
  });

  test('a database written by a newer version is refused with a clear error', () => {
    const { db, dataDir } = freshStore();
    db.pragma('user_version = 99');
    db.close();
    expect(() => openDatabase({ dataDir, log })).toThrow(/schema version 99, newer than this build knows/);
  });
});
