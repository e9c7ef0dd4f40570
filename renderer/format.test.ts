import { describe, expect, test } from 'vitest';
import { formatAgo, formatCount, formatSpan, formatValue, formatWithUnit } from './format';

describe('formatAgo', () => {
  const now = 1_700_000_000_000;
  test.each([
    [null, 'never'],
    [now - 400, '0.4 s ago'],
    [now, '0.0 s ago'],
    [now + 250, '0.0 s ago'],
    [now - 9_960, '10.0 s ago'],
    [now - 12_300, '12 s ago'],
    [now - 59_999, '59 s ago'],
    [now - 60_000, '1 min ago'],
    [now - 3 * 60_000 - 5_000, '3 min ago'],
    [now - 5 * 3_600_000, '5 h ago'],
    [now - 47 * 3_600_000, '47 h ago'],
    [now - 3 * 86_400_000, '3 d ago'],
  ])('%s → %s', (then, text) => {
    expect(formatAgo(then, now)).toBe(text);
  });
});

describe('formatValue', () => {
  test.each([
    [null, '—'],
    [Number.NaN, '—'],
    [21, '21'],
    [21.4371, '21.44'],
    [-7.8912, '-7.89'],
    [101.325, '101.3'],
    [12345.6, '12346'],
    [0.01234, '0.0123'],
    [0.5, '0.5'],
    [0.0000042, '0.000004'],
  ])('%s → %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  test('units follow the number, and a missing value has none', () => {
    expect(formatWithUnit(21.5, '°C')).toBe('21.50 °C');
    expect(formatWithUnit(3, '')).toBe('3');
    expect(formatWithUnit(null, '°C')).toBe('—');
  });
});

test('formatCount groups digits', () => {
  expect(formatCount(0)).toBe('0');
  expect(formatCount(999)).toBe('999');
  expect(formatCount(1234567)).toBe('1\u2009234\u2009567');
});

test('formatSpan', () => {
  expect(formatSpan(60_000)).toBe('1 min');
  expect(formatSpan(300_000)).toBe('5 min');
  expect(formatSpan(3_600_000)).toBe('1 h');
  expect(formatSpan(30_000)).toBe('30 s');
});
