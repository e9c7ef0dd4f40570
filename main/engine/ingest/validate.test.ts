import { describe, expect, test } from 'vitest';
import type { Reading } from '../../../common/reading';
import type { DeviceProfile } from '../profiles/profile';
import { ReadingValidator } from './validate';

const profile: DeviceProfile = {
  id: 'env',
  name: 'env',
  metrics: { temperature: { unit: '°C', min: -40, max: 85, maxRatePerSec: 5 } },
};
const validator = () => new ReadingValidator((id) => (id === 'd1' ? profile : undefined));
const r = (ts: number, value: number | null, extra: Partial<Reading> = {}): Reading => ({
  deviceId: 'd1',
  metric: 'temperature',
  ts,
  value,
  quality: 'good',
  source: 'test',
  ...extra,
});

describe('reading validation against the profile', () => {
  test('in-range values stay good', () => {
    const v = validator();
    expect(v.check(r(1000, 20)).quality).toBe('good');
    expect(v.check(r(2000, 21)).quality).toBe('good');
  });

  test('out of physical range is flagged, not dropped', () => {
    const out = validator().check(r(1000, 850));
    expect(out).toMatchObject({ value: 850, quality: 'out-of-range' });
  });

  test('null, NaN and Infinity become null-quality readings', () => {
    const v = validator();
    expect(v.check(r(1, null)).quality).toBe('null');
    expect(v.check(r(2, Number.NaN))).toMatchObject({ value: null, quality: 'null' });
    expect(v.check(r(3, Number.POSITIVE_INFINITY))).toMatchObject({ value: null, quality: 'null' });
  });

  test("a decoder's invalid (a reserved raw value) stays invalid, not null", () => {
    const v = validator();
    expect(v.check(r(1, null, { quality: 'invalid' }))).toMatchObject({ value: null, quality: 'invalid' });
    expect(v.check(r(2, null, { quality: 'good' })).quality).toBe('null');
  });

  test('a jump faster than the profile allows is suspect, and does not become the new baseline', () => {
    const v = validator();
    v.check(r(1000, 20));
    expect(v.check(r(2000, 40)).quality).toBe('suspect');
    expect(v.check(r(3000, 22)).quality).toBe('good');
  });

  test('unknown devices and metrics pass through', () => {
    expect(validator().check(r(1, 1e9, { deviceId: 'other' })).quality).toBe('good');
    expect(validator().check(r(1, 1e9, { metric: 'other' })).quality).toBe('good');
  });
});

describe('stuck sensors and device clocks', () => {
  const stuckProfile: DeviceProfile = {
    id: 'env',
    name: 'env',
    metrics: { temperature: { unit: '°C', min: -40, max: 85, stuckAfterSamples: 5 } },
  };

  test('the same value many times in a row is flagged suspect until it moves again', () => {
    const v = new ReadingValidator(() => stuckProfile);
    const qualities = [20, 20, 20, 20, 20, 20, 20, 21, 21].map(
      (value, i) => v.check(r(1000 * (i + 1), value)).quality,
    );
    expect(qualities).toEqual([
      'good',
      'good',
      'good',
      'good',
      'suspect',
      'suspect',
      'suspect',
      'good',
      'good',
    ]);
  });

  test('a clock far in the future or never set is suspect; a small skew or a recent backlog is not', () => {
    const v = validator();
    const now = 1_764_000_000_000;
    expect(v.check(r(now + 10 * 60_000, 20, { arrivedAt: now })).quality).toBe('suspect');
    expect(v.check(r(now - 40 * 86_400_000, 20, { arrivedAt: now })).quality).toBe('suspect');
    expect(v.check(r(now + 500, 20, { arrivedAt: now })).quality).toBe('good');
    expect(v.check(r(now - 3 * 86_400_000, 20, { arrivedAt: now })).quality).toBe('good');
  });
});
