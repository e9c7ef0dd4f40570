import { describe, expect, test } from 'vitest';
import { deviationEvaluator } from './deviation';
import { sample, T0, testContext } from './test-context';

const levels = [{ severity: 'high' as const, above: { value: 5, deadband: 1, deadbandPercent: false } }];

describe('deviation', () => {
  test('from a setpoint, either way, with the deadband', () => {
    const e = deviationEvaluator({ kind: 'deviation', reference: { setpoint: 50 }, levels });
    const ctx = testContext();
    const seen = [54, 56, 54.5, 44, 45.5, 46.2].map((v, i) => e.sample(sample(T0 + i * 1000, v), ctx));
    expect(seen.map((v) => v.severity)).toEqual([null, 'high', 'high', 'high', 'high', null]);
    expect(seen[1]!.reason).toBe('6 from 50, above 5');
  });

  test('from the latest reading of another series', () => {
    const e = deviationEvaluator({
      kind: 'deviation',
      reference: { deviceId: 'boiler-1', metric: 'return_temp' },
      levels,
    });
    expect(e.sample(sample(T0, 70), testContext({ 'boiler-1/return_temp': 63 }))).toMatchObject({
      severity: 'high',
      value: 7,
    });
    expect(e.sample(sample(T0 + 1000, 70), testContext({ 'boiler-1/return_temp': 66 })).severity).toBeNull();
  });

  test('no reference reading is nothing to judge: the rung stays as it was and the reason says why', () => {
    const e = deviationEvaluator({ kind: 'deviation', reference: { deviceId: 'twin', metric: 't' }, levels });
    expect(e.sample(sample(T0, 70), testContext({ 'twin/t': 60 })).severity).toBe('high');
    const v = e.sample(sample(T0 + 1000, 70), testContext({}));
    expect(v).toEqual({ severity: 'high', value: null, reason: 'no reading of twin t' });
    expect(e.sample(sample(T0 + 2000, 70), testContext({ 'twin/t': null })).reason).toBe(
      'no reading of twin t',
    );
  });
});
