import { describe, expect, test } from 'vitest';
import { rateEvaluator } from './rate';
import { MIN, sample, T0, testContext } from './test-context';

const above = (value: number, deadband = 0) => ({ value, deadband, deadbandPercent: false });

describe('rate of change', () => {
  test('a 5 °C/min ramp read every 5 s is 5 per minute, and raises "above 3 per minute"', () => {
    const e = rateEvaluator({
      kind: 'rate',
      windowMs: MIN,
      levels: [{ severity: 'warning', above: above(3, 1) }],
    });
    const ctx = testContext();
    const first = e.sample(sample(T0, 20), ctx);
    expect(first).toEqual({ severity: null, value: null, reason: 'not enough readings for a rate' });
    let last = first;
    for (let i = 1; i <= 24; i++) last = e.sample(sample(T0 + i * 5000, 20 + (5 * i) / 12), ctx);
    expect(last.value).toBeCloseTo(5, 9);
    expect(last.severity).toBe('warning');
    expect(last.reason).toBe('changing 5/min, above 3');
  });

  test('the ramp stops: the rate falls as the window slides, and the deadband holds it until below 2', () => {
    const e = rateEvaluator({
      kind: 'rate',
      windowMs: MIN,
      levels: [{ severity: 'warning', above: above(3, 1) }],
    });
    const ctx = testContext();
    for (let i = 0; i <= 12; i++) e.sample(sample(T0 + i * 5000, 20 + (5 * i) / 12), ctx); // 0..60 s: +5 °C
    const seen: [number, string | null][] = [];
    for (let i = 13; i <= 26; i++) {
      const v = e.sample(sample(T0 + i * 5000, 25), ctx);
      seen.push([Math.round(v.value! * 100) / 100, v.severity]);
    }
    // window [t − 60 s, t]: the rise drops out 5/12 °C per reading
    expect(seen.slice(0, 8)).toEqual([
      [4.58, 'warning'],
      [4.17, 'warning'],
      [3.75, 'warning'],
      [3.33, 'warning'],
      [2.92, 'warning'],
      [2.5, 'warning'],
      [2.08, 'warning'],
      [1.67, null],
    ]);
    expect(seen.at(-1)).toEqual([0, null]);
  });

  test('a falling rate uses a lower limit, and a steeper fall steps up the ladder', () => {
    const e = rateEvaluator({
      kind: 'rate',
      windowMs: 2 * MIN,
      levels: [
        { severity: 'warning', below: { value: -2, deadband: 0, deadbandPercent: false } },
        { severity: 'critical', below: { value: -10, deadband: 0, deadbandPercent: false } },
      ],
    });
    const ctx = testContext();
    e.sample(sample(T0, 100), ctx);
    expect(e.sample(sample(T0 + MIN, 97), ctx)).toMatchObject({ severity: 'warning', value: -3 });
    expect(e.sample(sample(T0 + 2 * MIN, 76), ctx)).toMatchObject({ severity: 'critical', value: -12 });
  });

  test('readings with no value are skipped; they neither make nor break a rate', () => {
    const e = rateEvaluator({
      kind: 'rate',
      windowMs: MIN,
      levels: [{ severity: 'warning', above: above(3) }],
    });
    const ctx = testContext();
    e.sample(sample(T0, 10), ctx);
    expect(e.sample(sample(T0 + 10_000, null, 'null'), ctx).value).toBeNull();
    expect(e.sample(sample(T0 + 30_000, 12), ctx).value).toBeCloseTo(4, 9);
  });

  test('memory stays bounded at 1,000 readings a second for a long window', () => {
    const e = rateEvaluator({
      kind: 'rate',
      windowMs: 60 * MIN,
      levels: [{ severity: 'warning', above: above(3) }],
    });
    const ctx = testContext();
    for (let i = 0; i < 200_000; i++) e.sample(sample(T0 + i, i / 1000), ctx);
    expect(JSON.stringify(e.save()).length).toBeLessThan(20_000);
  });
});
