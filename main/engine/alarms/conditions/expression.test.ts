import { describe, expect, test } from 'vitest';
import { expressionEvaluator } from './expression';
import { sample, T0, testContext } from './test-context';

describe('expression condition', () => {
  test("holds when the expression is true, over value, prev and the device's other metrics", () => {
    const e = expressionEvaluator({
      kind: 'expression',
      expression: 'value > 80.0 && value - prev > 2.0 && metrics.flow < 5.0',
      severity: 'high',
    });
    const ctx = testContext({ 'boiler-1/flow': 3 });
    expect(e.sample(sample(T0, 81), ctx).severity).toBeNull(); // first reading: prev = value
    expect(e.sample(sample(T0 + 1000, 84), ctx)).toMatchObject({ severity: 'high', value: 84 });
    expect(e.sample(sample(T0 + 2000, 85), ctx).severity).toBeNull();
    expect(e.sample(sample(T0 + 3000, 90), testContext({ 'boiler-1/flow': 6 })).severity).toBeNull();
  });

  test('a refused expression never holds and says why on every reading', () => {
    const e = expressionEvaluator({
      kind: 'expression',
      expression: '[1,2].exists(x, [3].exists(y, x == y))',
      severity: 'high',
    });
    expect(e.sample(sample(T0, 1), testContext())).toEqual({
      severity: null,
      value: 1,
      reason: expect.stringMatching(/^expression refused: a loop inside a loop/),
    });
  });

  test('an evaluation error (no reading of a metric yet) does not hold and says why', () => {
    const e = expressionEvaluator({ kind: 'expression', expression: 'metrics.flow < 5.0', severity: 'high' });
    expect(e.sample(sample(T0, 1), testContext()).reason).toMatch(/^expression error: .*flow/);
    expect(e.sample(sample(T0 + 1, 1), testContext({ 'boiler-1/flow': 4 })).severity).toBe('high');
  });

  test('prev survives a restart', () => {
    const src = { kind: 'expression' as const, expression: 'value - prev > 2.0', severity: 'high' as const };
    const a = expressionEvaluator(src);
    a.sample(sample(T0, 10), testContext());
    const b = expressionEvaluator(src);
    b.restore(JSON.parse(JSON.stringify(a.save())));
    expect(b.sample(sample(T0 + 1000, 13), testContext()).severity).toBe('high');
  });
});
