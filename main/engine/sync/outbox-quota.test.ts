/**
 * The outbox quota's accounting and folding on a real SQLite file: the running byte total
 * matches the table through appends, trims and folds; a fold keeps every reading's count
 * and sum in its rollups; it never straddles a sink's cursor, never touches a batch on the
 * wire, an event or an earlier fold; and migration 008 keeps the outbox's sequence.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { SyncSettingsSchema } from '../../../common/sync-contract';
import { openDatabase } from '../store/database';
import { MIGRATIONS } from '../store/migrations/index';
import { openTestDb, silent, tempDataDir } from '../store/test-fixtures';
import { Outbox } from './outbox';
import { foldOldest, pickGroup, type SinkMarks } from './outbox-quota';
import { decodeFolded } from './rollup-buckets';
import { readingsBatch } from './test-fixtures';

const sumInTable = (db: ReturnType<typeof openTestDb>['db']) =>
  db.prepare('SELECT coalesce(sum(length(body)), 0) FROM outbox').pluck().get() as number;

const sink = (id: string, raw: number, busy: [number, number][] = [], rollup = raw): SinkMarks => ({
  id,
  raw,
  rollup,
  busy,
});

function filled(batches: number, eventEvery = 0) {
  const { db } = openTestDb('quota');
  const outbox = new Outbox(db);
  const seqs: number[] = [];
  const events: number[] = [];
  for (let b = 0; b < batches; b++) {
    seqs.push(outbox.appendReadings(readingsBatch(b))!);
    if (eventEvery > 0 && b % eventEvery === 0) {
      events.push(outbox.appendEvent({ type: 'io.fieldline.audit.v1', subject: `s${b}`, data: { b } }));
    }
  }
  return { db, outbox, seqs, events };
}

describe('outbox quota accounting', () => {
  test('the running total equals the bytes in the table through appends, trims, folds and a reopen', () => {
    const { db, outbox, seqs } = filled(30, 4);
    expect(outbox.storedBytes()).toBe(sumInTable(db));
    expect(outbox.storedBytes()).toBeGreaterThan(30 * 500);
    outbox.trim(seqs[4]!);
    expect(outbox.storedBytes()).toBe(sumInTable(db));
    expect(outbox.trim(seqs[4]!)).toBe(0);
    const before = outbox.storedBytes();
    const folded = db.transaction(() => foldOldest(outbox, [sink('a', seqs[4]!)], 1e9))()!;
    expect(folded.freedBytes).toBeGreaterThan(0);
    expect(outbox.storedBytes()).toBe(before - folded.freedBytes);
    expect(outbox.storedBytes()).toBe(sumInTable(db));
    // a second Outbox on the same file (a restart) starts from the table
    expect(new Outbox(db).storedBytes()).toBe(outbox.storedBytes());
    // an append rolled back with its transaction leaves the total high until a recount
    try {
      db.transaction(() => {
        outbox.appendReadings(readingsBatch(99));
        throw new Error('ingest failed');
      })();
    } catch {}
    expect(outbox.storedBytes()).toBeGreaterThan(sumInTable(db));
    expect(outbox.recount()).toBe(sumInTable(db));
  });

  test('a fold keeps count, nulls, sum, min and max of every minute of every series', () => {
    const { db, outbox, seqs } = filled(12);
    const outcome = db.transaction(() => foldOldest(outbox, [sink('a', 0)], 1e9))()!;
    expect(outcome.rows).toBe(12);
    expect(outcome.seq).toBe(seqs.at(-1));
    expect(outcome.sinks).toEqual(['a']);
    const all = Array.from({ length: 12 }, (_, b) => readingsBatch(b)).flat();
    expect(outcome.readings).toBe(all.length);
    expect(outcome.fromTs).toBe(Math.min(...all.map((r) => r.ts)));
    expect(outcome.toTs).toBe(Math.max(...all.map((r) => r.ts)));
    const rows = outbox.read(0, 100);
    expect(rows.map((r) => [r.seq, r.kind])).toEqual([[seqs.at(-1), 'rollup']]);
    const f = decodeFolded(rows[0]!.body);
    expect(f.readings).toBe(all.length);
    for (const s of f.series) {
      const mine = all.filter((r) => r.deviceId === s.deviceId && r.metric === s.metric);
      for (const [start, b] of s.buckets) {
        const inMinute = mine.filter((r) => r.ts >= start && r.ts < start + 60_000);
        const numbers = inMinute.filter((r) => r.value !== null).map((r) => r.value!);
        expect(b.count).toBe(numbers.length);
        expect(b.nulls).toBe(inMinute.length - numbers.length);
        expect(b.sum).toBeCloseTo(
          numbers.reduce((x, y) => x + y, 0),
          6,
        );
        if (numbers.length > 0) {
          expect(b.min).toBe(Math.min(...numbers));
          expect(b.max).toBe(Math.max(...numbers));
        }
      }
      const counted = [...s.buckets.values()].reduce((n, b) => n + b.count + b.nulls, 0);
      expect(counted).toBe(mine.length);
    }
  });

  test('a group never straddles a cursor, never takes busy rows or events', () => {
    const { db, outbox, seqs, events } = filled(40, 5);
    // sink a sent up to batch 9; sink b is behind with batches 0..2 on the wire
    const a = sink('a', seqs[9]!);
    const b = sink('b', seqs[0]! - 1, [[seqs[0]! - 1, seqs[2]!]]);
    const group = pickGroup(outbox, [a, b], 1e9);
    expect(group.map((r) => r.seq)).toEqual(seqs.slice(3, 10));
    const first = db.transaction(() => foldOldest(outbox, [a, b], 1e9))()!;
    // only b had not sent them: only b is told they were folded
    expect(first.sinks).toEqual(['b']);
    expect(first.seq).toBe(seqs[9]);
    const second = db.transaction(() => foldOldest(outbox, [a, b], 1e9))()!;
    expect(second.sinks).toEqual(['a', 'b']);
    expect(second.seq).toBe(seqs.at(-1));
    expect(db.transaction(() => foldOldest(outbox, [a, b], 1e9))()).toBeNull();
    const kinds = new Map(outbox.read(0, 1000).map((r) => [r.seq, r.kind]));
    // the batch on the wire is untouched (same rows, so the same Idempotency-Key after a crash)
    for (const s of seqs.slice(0, 3)) expect(kinds.get(s)).toBe('readings');
    for (const e of events) expect(kinds.get(e)).toBe('event');
    expect(kinds.get(seqs[9]!)).toBe('rollup');
    expect([...kinds.values()].filter((k) => k === 'rollup')).toHaveLength(2);
    expect(outbox.storedBytes()).toBe(sumInTable(db));
  });

  test('a small group limit folds in several steps, oldest first', () => {
    const { db, outbox, seqs } = filled(20);
    const rowBytes = outbox.meta(0, 1)[0]!.bytes;
    const first = db.transaction(() => foldOldest(outbox, [sink('a', 0)], rowBytes * 3))()!;
    expect(first.rows).toBe(3);
    expect(first.seq).toBe(seqs[2]);
  });

  test('small folds merge: one folded row with one bucket per series-minute, every reading counted once', () => {
    const { db, outbox } = filled(20);
    const rowBytes = outbox.meta(0, 1)[0]!.bytes;
    let folded = 0;
    for (;;) {
      const o = db.transaction(() => foldOldest(outbox, [sink('a', 0)], rowBytes * 2))();
      if (!o) break;
      folded += o.readings;
    }
    expect(folded).toBe(20 * 500);
    const rows = outbox.read(0, 100);
    expect(rows.map((r) => r.kind)).toEqual(['rollup']);
    const f = decodeFolded(rows[0]!.body);
    expect(f.readings).toBe(20 * 500);
    const all = Array.from({ length: 20 }, (_, b) => readingsBatch(b)).flat();
    const minutes = new Set(all.map((r) => `${r.deviceId}/${r.metric}@${Math.floor(r.ts / 60_000)}`));
    expect(f.series.reduce((n, s) => n + s.buckets.size, 0)).toBe(minutes.size);
    expect(
      f.series.reduce((n, s) => n + [...s.buckets.values()].reduce((m, b) => m + b.count + b.nulls, 0), 0),
    ).toBe(all.length);
  });

  test('the quota setting is 16 MiB at least', () => {
    const base = { bandwidthBytesPerS: null, metered: false };
    expect(SyncSettingsSchema.safeParse({ ...base, outboxQuotaBytes: 16 * 1024 ** 2 }).success).toBe(true);
    expect(SyncSettingsSchema.safeParse({ ...base, outboxQuotaBytes: 16 * 1024 ** 2 - 1 }).success).toBe(
      false,
    );
  });

  test('migration 008 keeps the outbox rows and its sequence high-water mark', () => {
    const dataDir = tempDataDir('migrate');
    const file = path.join(dataDir, 'm.sqlite');
    const v7 = openDatabase({ dataDir, file, log: silent, migrations: MIGRATIONS.slice(0, 7) }).db;
    const old = new Outbox(v7);
    for (let b = 0; b < 5; b++) old.appendReadings(readingsBatch(b));
    old.trim(3);
    v7.close();
    const { db } = openDatabase({ dataDir, file, log: silent });
    const outbox = new Outbox(db);
    expect(outbox.read(0, 10).map((r) => r.seq)).toEqual([4, 5]);
    expect(outbox.head()).toBe(5);
    outbox.trim(5);
    // the next seq continues after 5 even with the table empty
    expect(outbox.appendEvent({ type: 't', subject: 's', data: null })).toBe(6);
    expect(db.prepare('SELECT outbox_quota_bytes FROM sync_settings').pluck().get()).toBe(1024 ** 3);
  });
});
