import { describe, expect, test } from 'vitest';
import { staleEvaluator } from './stale';
import { MIN, sample, T0, testContext } from './test-context';

describe('stale (no data)', () => {
  test('a 10-minute gap in readings every 10 s: stale at 5 min of silence, ended by the next reading', () => {
    const e = staleEvaluator({ kind: 'stale', afterMs: 5 * MIN, severity: 'warning' });
    const ctx = testContext();
    for (let t = T0; t <= T0 + 2 * MIN; t += 10_000) e.sample(sample(t, 1), ctx);
    const last = T0 + 2 * MIN;
    expect(e.advance!(last + 5 * MIN - 1, ctx)!.severity).toBeNull();
    expect(e.advance!(last + 5 * MIN, ctx)).toEqual({
      severity: 'warning',
      value: 300,
      reason: 'no reading for 5 min',
    });
    expect(e.advance!(last + 10 * MIN, ctx)!.reason).toBe('no reading for 10 min');
    expect(e.sample(sample(last + 10 * MIN, 1), ctx).severity).toBeNull();
    expect(e.advance!(last + 10 * MIN + 10_000, ctx)!.severity).toBeNull();
  });

  test('a late reading older than the newest does not make the series look silent', () => {
    const e = staleEvaluator({ kind: 'stale', afterMs: MIN, severity: 'warning' });
    const ctx = testContext();
    e.sample(sample(T0 + MIN, 1), ctx);
    e.sample(sample(T0, 1), ctx);
    expect(e.advance!(T0 + 1.5 * MIN, ctx)!.severity).toBeNull();
  });

  test('a series never seen counts from the first watermark after the rule started', () => {
    const e = staleEvaluator({ kind: 'stale', afterMs: MIN, severity: 'high' });
    const ctx = testContext();
    expect(e.advance!(T0, ctx)!.severity).toBeNull();
    expect(e.advance!(T0 + MIN - 1, ctx)!.severity).toBeNull();
    expect(e.advance!(T0 + MIN, ctx)!.severity).toBe('high');
  });
});
