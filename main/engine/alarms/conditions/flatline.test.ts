import { describe, expect, test } from 'vitest';
import { flatlineEvaluator } from './flatline';
import { MIN, sample, T0, testContext } from './test-context';

describe('flatline (stuck sensor)', () => {
  test('a sensor that sticks at 21.5 is flagged once it has not moved for the whole window', () => {
    const e = flatlineEvaluator({
      kind: 'flatline',
      windowMs: 5 * MIN,
      tolerance: 0.01,
      severity: 'warning',
    });
    const ctx = testContext();
    // 10 minutes of a live sensor: ±0.3 around 21
    for (let i = 0; i < 60; i++) {
      const v = e.sample(sample(T0 + i * 10_000, 21 + 0.3 * Math.sin(i)), ctx);
      if (i * 10_000 >= 5 * MIN) expect(v.severity).toBeNull();
    }
    const stuckFrom = T0 + 60 * 10_000;
    const seen: (string | null)[] = [];
    for (let i = 0; i <= 36; i++) seen.push(e.sample(sample(stuckFrom + i * 10_000, 21.5), ctx).severity);
    // the window still holds moving readings until 5 min after the sensor stuck
    expect(seen.indexOf('warning')).toBe(30);
    expect(seen.slice(30).every((s) => s === 'warning')).toBe(true);
    const after = e.sample(sample(stuckFrom + 37 * 10_000, 21.7), ctx);
    expect(after.severity).toBeNull();
  });

  test('equal readings for less than the window are not a stuck sensor', () => {
    const e = flatlineEvaluator({ kind: 'flatline', windowMs: 5 * MIN, tolerance: 0, severity: 'warning' });
    const ctx = testContext();
    for (let i = 0; i < 30; i++)
      expect(e.sample(sample(T0 + i * 10_000, 4), ctx).reason).toBe('not reporting long enough to judge');
    expect(e.sample(sample(T0 + 5 * MIN, 4), ctx)).toEqual({
      severity: 'warning',
      value: 0,
      reason: 'moved 0 in 5 min',
    });
  });

  test('a silence longer than the window starts the count again (no data is stale, not flat)', () => {
    const e = flatlineEvaluator({ kind: 'flatline', windowMs: MIN, tolerance: 0, severity: 'warning' });
    const ctx = testContext();
    e.sample(sample(T0, 4), ctx);
    expect(e.sample(sample(T0 + MIN, 4), ctx).severity).toBe('warning');
    expect(e.sample(sample(T0 + 10 * MIN, 4), ctx).severity).toBeNull();
    expect(e.sample(sample(T0 + 11 * MIN, 4), ctx).severity).toBe('warning');
  });
});
