import { describe, expect, test } from 'vitest';
import { aggregateEvaluator } from './aggregate';
import { MIN, sample, T0, testContext } from './test-context';

const series = { deviceId: 'boiler-1', metric: 'temp' };
const above = (value: number, deadband = 0) => ({ value, deadband, deadbandPercent: false });

describe('windowed aggregates', () => {
  test('a 1-minute average in memory rises over 85 only when the readings of that minute do', () => {
    const e = aggregateEvaluator(
      { kind: 'aggregate', fn: 'avg', windowMs: MIN, levels: [{ severity: 'high', above: above(85, 5) }] },
      series,
    );
    const ctx = testContext();
    const values = [80, 84, 90, 96, 99, 99, 70, 70, 70, 70];
    const seen = values.map((v, i) => e.sample(sample(T0 + i * 20_000, v), ctx));
    // window [t − 60 s, t] holds the last four readings (20 s apart)
    expect(seen.map((v) => v.value)).toEqual([
      80, 82, 84.66666666666667, 87.5, 92.25, 96, 91, 84.5, 77.25, 70,
    ]);
    expect(seen.map((v) => v.severity)).toEqual([
      null,
      null,
      null,
      'high',
      'high',
      'high',
      'high',
      'high',
      null,
      null,
    ]);
  });

  test('count and max, and a count that falls as readings age out with none arriving', () => {
    const count = aggregateEvaluator(
      { kind: 'aggregate', fn: 'count', windowMs: MIN, levels: [{ severity: 'warning', below: above(3) }] },
      series,
    );
    const max = aggregateEvaluator(
      { kind: 'aggregate', fn: 'max', windowMs: MIN, levels: [{ severity: 'warning', above: above(10) }] },
      series,
    );
    const ctx = testContext();
    for (let i = 0; i < 6; i++) {
      count.sample(sample(T0 + i * 10_000, i), ctx);
      max.sample(sample(T0 + i * 10_000, i * 3), ctx);
    }
    expect(max.advance!(T0 + 50_000, ctx)).toMatchObject({ value: 15, severity: 'warning' });
    expect(count.advance!(T0 + 50_000, ctx)).toMatchObject({ value: 6, severity: null });
    expect(count.advance!(T0 + 100_000, ctx)).toMatchObject({ value: 2, severity: 'warning' });
    expect(count.advance!(T0 + 200_000, ctx)).toMatchObject({ value: 0, severity: 'warning' });
    expect(max.advance!(T0 + 200_000, ctx)).toMatchObject({ value: null, severity: 'warning' });
  });

  test('a window over 10 minutes asks the store, at most once per 1/60 of the window', () => {
    const asked: [string, string, string, number, number][] = [];
    const ctx = testContext({}, (deviceId, metric, fn, from, to) => {
      asked.push([deviceId, metric, fn, from, to]);
      return 86;
    });
    const e = aggregateEvaluator(
      { kind: 'aggregate', fn: 'avg', windowMs: 60 * MIN, levels: [{ severity: 'high', above: above(85) }] },
      series,
    );
    let last = e.sample(sample(T0, 1), ctx);
    for (let i = 1; i < 120; i++) last = e.sample(sample(T0 + i * 1000, 1), ctx); // 2 minutes at 1 Hz
    expect(last).toEqual({ severity: 'high', value: 86, reason: 'avg 86 over 60 min, above 85' });
    expect(asked).toEqual([
      ['boiler-1', 'temp', 'avg', T0 - 60 * MIN, T0],
      ['boiler-1', 'temp', 'avg', T0 + MIN - 60 * MIN, T0 + MIN],
    ]);
  });
});

test('−0 in a window answers the same before and after a restart (JSON has no −0)', () => {
  const c = {
    kind: 'aggregate' as const,
    fn: 'min' as const,
    windowMs: MIN,
    levels: [{ severity: 'warning' as const, above: above(5) }],
  };
  const a = aggregateEvaluator(c, series);
  const ctx = testContext();
  a.sample(sample(T0, -0), ctx);
  const b = aggregateEvaluator(c, series);
  b.restore(JSON.parse(JSON.stringify(a.save())));
  expect(b.sample(sample(T0 + 1000, 1), ctx)).toEqual(a.sample(sample(T0 + 1000, 1), ctx));
});

test('a late reading inside the window counts; one older than the window can hold is left out', () => {
  const c = {
    kind: 'aggregate' as const,
    fn: 'sum' as const,
    windowMs: MIN,
    levels: [{ severity: 'warning' as const, above: above(100) }],
  };
  const e = aggregateEvaluator(c, series);
  const ctx = testContext();
  e.sample(sample(T0 + 5 * MIN, 10), ctx);
  // judged as of its own device time: the newer reading is not in [ts − 1 min, ts]
  expect(e.sample(sample(T0 + 5 * MIN - 30_000, 5), ctx).value).toBe(5);
  expect(e.advance!(T0 + 5 * MIN, ctx)!.value).toBe(15);
  // the ring reaches 62 one-second buckets back; beyond, a reading is left out whichever slot it would fall in
  expect(e.sample(sample(T0 + 5 * MIN - 61_000, 1000), ctx).value).toBe(1000);
  for (let lateBy = 62; lateBy < 300; lateBy += 1) {
    expect(e.sample(sample(T0 + 5 * MIN - lateBy * 1000, 1000), ctx).value).toBe(0);
  }
  expect(e.advance!(T0 + 5 * MIN, ctx)!.value).toBe(15);
});
