/**
 * Property tests over a real SQLite file: whatever the interleaving, duplication,
 * reordering and batching of a stream of readings, and wherever compaction falls in it,
 * the stored raw data and every rollup are the same as for the stream delivered once,
 * in order.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { RETRY_WINDOW_MS } from './message-numbers';
import { aggregate, RESOLUTIONS } from './rollups';
import { SeriesQuery } from './series-query';
import { batchOf, openStore, type Row, tempDataDir } from './test-fixtures';

const T0 = Date.UTC(2026, 2, 1, 23, 0, 0);

/** unique readings for two series: ts spread over ~3 hours so several 1 h and 1 d buckets appear */
const readingsArb = fc
  .array(
    fc.record({
      series: fc.integer({ min: 0, max: 1 }),
      offset: fc.integer({ min: 0, max: 3 * 3_600_000 }),
      value: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: -100_000, max: 100_000 }).map((v) => v / 100) },
        { weight: 1, arbitrary: fc.constant(Number.NaN) },
      ),
      quality: fc.constantFrom(0, 0, 0, 1, 2, 3),
    }),
    { minLength: 1, maxLength: 300 },
  )
  .map((rows) => {
    const seen = new Set<string>();
    return rows.filter((r) => {
      const key = `${r.series}/${r.offset}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

function snapshot(
  store: ReturnType<typeof openStore>['store'],
  db: ReturnType<typeof openStore>['db'],
  ids: number[],
) {
  const q = new SeriesQuery(db, store.series);
  return ids.map((id) => {
    const raw = q.raw(id, 0, 8.64e15);
    const rollups = RESOLUTIONS.map((r) =>
      q.aggregates(id, r.ms, 0, 8.64e15).map((a) => ({ ...a, sum: Math.round(a.sum * 1000) / 1000 })),
    );
    return { raw, rollups };
  });
}

describe('store properties (real SQLite, compaction at random points)', () => {
  test('any interleaving, duplication, reordering and batching stores the same data and rollups', () => {
    fc.assert(
      fc.property(
        readingsArb,
        fc.array(fc.nat(), { maxLength: 100 }),
        fc.integer({ min: 3, max: 60 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        (base, dupPicks, compactAt, batchSize, seed) => {
          const reference = openStore(undefined, { compactAtPoints: 1e9 });
          const tested = openStore(undefined, { compactAtPoints: compactAt });
          const ids = [0, 1].map((i) => reference.store.seriesId('d1', `m${i}`));
          expect([0, 1].map((i) => tested.store.seriesId('d1', `m${i}`))).toEqual(ids);
          // some streams number their messages (dedup by seq), most do not (dedup by time)
          const numbered = seed % 3 === 0;
          const rows: Row[] = base.map((r, i) => [
            ids[r.series]!,
            T0 + r.offset,
            r.value,
            r.quality,
            numbered ? i : -1,
          ]);
          const inOrder = [...rows].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          reference.store.ingestColumns(batchOf(inOrder));
          reference.store.flush();

          // deliver: shuffled (seeded), with duplicates of random earlier readings mixed in
          let state = seed >>> 0;
          const rand = () => {
            state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
            return state / 2 ** 32;
          };
          const stream = [...rows, ...dupPicks.map((p) => rows[p % rows.length]!)];
          for (let i = stream.length - 1; i > 0; i--) {
            const j = Math.floor(rand() * (i + 1));
            [stream[i], stream[j]] = [stream[j]!, stream[i]!];
          }
          let duplicates = 0;
          for (let at = 0; at < stream.length; at += batchSize) {
            duplicates += tested.store.ingestColumns(batchOf(stream.slice(at, at + batchSize))).duplicates;
          }
          expect(duplicates).toBe(stream.length - rows.length);
          // half the time compare with data still in the heads, half after a final compaction
          if (seed % 2 === 0) tested.store.flush();
          expect(snapshot(tested.store, tested.db, ids)).toEqual(
            snapshot(reference.store, reference.db, ids),
          );
          expect(tested.store.totalStored()).toBe(rows.length);
          reference.db.close();
          tested.db.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  test('rollups always equal a recomputation from the raw data', () => {
    fc.assert(
      fc.property(readingsArb, fc.integer({ min: 3, max: 40 }), (base, compactAt) => {
        const { store, db } = openStore(undefined, { compactAtPoints: compactAt });
        const id = store.seriesId('d1', 'm');
        // reversed: every reading arrives late relative to the one before
        const rows: Row[] = base.map((r) => [id, T0 + r.offset, r.value, r.quality, -1]);
        rows.sort((a, b) => b[1] - a[1]);
        for (const row of rows) store.ingestColumns(batchOf([row]));
        store.flush();
        const q = new SeriesQuery(db, store.series);
        const raw = q.raw(id, 0, 8.64e15);
        const columns = {
          ts: Float64Array.from(raw.ts),
          values: Float64Array.from(raw.values, (v) => v ?? Number.NaN),
          quality: Uint8Array.from(raw.quality),
          seq: new Float64Array(raw.ts.length).fill(-1),
        };
        for (const r of RESOLUTIONS) {
          const stored = q.aggregates(id, r.ms, 0, 8.64e15);
          const recomputed = aggregate(columns, r.ms);
          expect(stored.map((a) => ({ ...a, sum: 0 }))).toEqual(recomputed.map((a) => ({ ...a, sum: 0 })));
          for (const [i, a] of stored.entries()) expect(a.sum).toBeCloseTo(recomputed[i]!.sum, 6);
        }
        db.close();
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * Issue 16: devices restart their message counters when they reboot (and, simulated or
 * behind a gateway, when the engine restarts). Whatever the reboots, retries (the same
 * message again, or re-stamped before the device sent anything else), bounded reordering,
 * compactions and engine kills (the real file closed without a flush and opened again, the
 * ingest log replayed), every distinct reading is stored once and no retry is.
 */
describe('numbered devices: reboots, retries, reordering and engine kills (real SQLite file)', () => {
  const REORDER = 4;
  const messagesArb = fc.array(
    fc.record({
      gap: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: 5_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 900_000 }) },
      ),
      reboot: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      retry: fc.constantFrom('none', 'none', 'none', 'same', 'restamped'),
      restampAt: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      delay: fc.integer({ min: 0, max: REORDER }),
    }),
    { minLength: 1, maxLength: 120 },
  );

  test('no distinct reading lost, no retry stored twice', () => {
    fc.assert(
      fc.property(
        fc.array(messagesArb, { minLength: 1, maxLength: 2 }),
        fc.integer({ min: 3, max: 80 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (devices, compactAt, batchSize, killPicks) => {
          const dataDir = tempDataDir('numbered');
          let opened = openStore(dataDir, { compactAtPoints: compactAt });
          const ids = devices.map((_, d) => opened.store.seriesId('d1', `m${d}`));
          const expected: Set<number>[] = [];
          const deliveries: { key: number; row: Row }[] = [];
          devices.forEach((messages, d) => {
            const id = ids[d]!;
            const times: number[] = [];
            let t = T0;
            for (const m of messages) {
              t += m.gap;
              times.push(t);
            }
            expected.push(new Set(times));
            let seq = 0;
            messages.forEach((m, i) => {
              if (m.reboot && i > 0) seq = 0;
              const row: Row = [id, times[i]!, i * 1.5 + d * 10_000, 0, seq++];
              const key = i + m.delay + d / 10;
              deliveries.push({ key, row });
              const room = (times[i + 1] ?? times[i]! + 5_000) - times[i]!;
              if (m.retry === 'same' || (m.retry === 'restamped' && room < 2)) {
                deliveries.push({ key: key + 0.5 + m.delay, row: [...row] });
              } else if (m.retry === 'restamped') {
                // resent before the device's next message and within the retry window
                const by = Math.max(1, Math.floor(Math.min(room, RETRY_WINDOW_MS) * m.restampAt));
                const restamped: Row = [id, row[1] + by, row[2], 0, row[4]];
                deliveries.push({ key: key + 0.5 + m.delay, row: restamped });
              }
            });
          });
          deliveries.sort((a, b) => a.key - b.key);
          const rows = deliveries.map((x) => x.row);
          const batches = Math.ceil(rows.length / batchSize);
          const kills = new Set(killPicks.map((k) => k % batches));
          for (let b = 0; b < batches; b++) {
            opened.store.ingestColumns(batchOf(rows.slice(b * batchSize, (b + 1) * batchSize)));
            if (kills.has(b)) {
              opened.db.close();
              opened = openStore(dataDir, { compactAtPoints: compactAt });
            }
          }
          const q = new SeriesQuery(opened.db, opened.store.series);
          ids.forEach((id, d) => {
            const stored = q.raw(id, 0, 8.64e15).ts;
            expect(stored.length).toBe(expected[d]!.size);
            expect(new Set(stored)).toEqual(expected[d]);
          });
          opened.db.close();
        },
      ),
      { numRuns: 80 },
    );
  });
});
