import { afterEach, describe, expect, test } from 'vitest';
import type { Db } from '../../store/database';
import { batchOf, openStore, type Row } from '../../store/test-fixtures';
import { aggregateEvaluator } from './aggregate';
import { rollupAggregate } from './rollup-aggregate';
import { sample, testContext } from './test-context';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let open: Db | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});

/** three days every 30 s, a few nulls; the first two days compacted to blocks and rollups, the rest in the head */
function threeDays() {
  const { db, store } = openStore();
  open = db;
  const id = store.seriesId('d1', 'temp');
  const rows: Row[] = [];
  for (let i = 0, t = T0; t < T0 + 3 * DAY; i++, t += 30_000) {
    const v =
      i % 997 === 0
        ? Number.NaN
        : Math.round((20 + 10 * Math.sin(i / 500) + ((i * 7919) % 13) / 10) * 100) / 100;
    rows.push([id, t, v, Number.isNaN(v) ? 1 : 0, -1]);
  }
  const cut = rows.findIndex((r) => r[1] >= T0 + 2 * DAY);
  store.ingestColumns(batchOf(rows.slice(0, cut)));
  store.flush();
  store.ingestColumns(batchOf(rows.slice(cut)));
  return { db, store, rows };
}

function brute(rows: readonly Row[], from: number, to: number) {
  const vs = rows.filter((r) => r[1] >= from && r[1] <= to && !Number.isNaN(r[2])).map((r) => r[2]);
  const sum = vs.reduce((a, b) => a + b, 0);
  return { count: vs.length, sum, min: Math.min(...vs), max: Math.max(...vs), avg: sum / vs.length };
}

describe('aggregates served from rollups (real SQLite file)', () => {
  test('a ragged window across compacted days and the head equals the aggregate of the raw readings', () => {
    const { db, store, rows } = threeDays();
    const aggregate = rollupAggregate(db, store);
    for (const [from, to] of [
      [T0 + 5 * HOUR + 12_345, T0 + 2 * DAY + 7 * HOUR + 999], // days, hours, minutes and raw edges
      [T0 + 59_999, T0 + 3 * 60_000 + 1], // inside one hour: minutes and raw
      [T0 + 2 * DAY + 10_000, T0 + 2 * DAY + 20_000], // between two readings
      [T0, T0 + 3 * DAY - 1], // everything
    ] as const) {
      const want = brute(rows, from, to);
      expect(aggregate('d1', 'temp', 'count', from, to)).toBe(want.count);
      expect(aggregate('d1', 'temp', 'sum', from, to)).toBeCloseTo(want.sum, 6);
      if (want.count === 0) {
        expect(aggregate('d1', 'temp', 'avg', from, to)).toBeNull();
        expect(aggregate('d1', 'temp', 'min', from, to)).toBeNull();
        continue;
      }
      expect(aggregate('d1', 'temp', 'avg', from, to)).toBeCloseTo(want.avg, 9);
      expect(aggregate('d1', 'temp', 'min', from, to)).toBe(want.min);
      expect(aggregate('d1', 'temp', 'max', from, to)).toBe(want.max);
    }
  });

  test('whole hours and days come from the rollups alone: with the raw blocks gone, the answer is the same', () => {
    const { db, store, rows } = threeDays();
    const aggregate = rollupAggregate(db, store);
    const from = T0 + 3 * HOUR;
    const to = T0 + 2 * DAY - 1;
    const before = aggregate('d1', 'temp', 'count', from, to);
    db.prepare('DELETE FROM blocks').run(); // what retention does to raw readings beyond their horizon
    store.series.forgetBlockCache();
    expect(aggregate('d1', 'temp', 'count', from, to)).toBe(before);
    expect(aggregate('d1', 'temp', 'max', from, to)).toBe(brute(rows, from, to).max);
    // a ragged edge needs raw readings, which are gone: only the whole minutes answer
    expect(aggregate('d1', 'temp', 'count', from - 15_000, to)).toBe(before);
  });

  test('a series nobody wrote is no readings, and asking does not create it', () => {
    const { db, store } = threeDays();
    const aggregate = rollupAggregate(db, store);
    const seriesBefore = db.prepare('SELECT count(*) FROM series').pluck().get();
    expect(aggregate('d1', 'nope', 'count', T0, T0 + DAY)).toBe(0);
    expect(aggregate('ghost', 'temp', 'avg', T0, T0 + DAY)).toBeNull();
    expect(aggregate('d1', 'temp', 'count', T0 + DAY, T0)).toBe(0); // reversed window
    expect(aggregate('d1', 'temp', 'count', Number.NaN, T0)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM series').pluck().get()).toBe(seriesBefore);
  });

  test('a 24-hour average condition reads the store through it', () => {
    const { db, store, rows } = threeDays();
    const e = aggregateEvaluator(
      {
        kind: 'aggregate',
        fn: 'avg',
        windowMs: DAY,
        levels: [{ severity: 'warning', above: { value: 15, deadband: 0, deadbandPercent: false } }],
      },
      { deviceId: 'd1', metric: 'temp' },
    );
    const now = T0 + 2 * DAY + 12 * HOUR;
    const v = e.sample(sample(now, 20), testContext({}, rollupAggregate(db, store)));
    expect(v.value).toBeCloseTo(brute(rows, now - DAY, now).avg, 9);
    expect(v.severity).toBe('warning');
  });
});
