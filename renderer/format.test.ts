import { describe, expect, test } from 'vitest';
import {
  formatAgo,
  formatBytes,
  formatCount,
  formatDateTime,
  formatRange,
  formatResolution,
  formatSkew,
  formatSpan,
  formatValue,
  formatWithUnit,
} from './format';

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

test('formatSpan for zoomed windows and long ones', () => {
  expect(formatSpan(90_000)).toBe('1.5 min');
  expect(formatSpan(1_000)).toBe('1 s');
  expect(formatSpan(21_600_000)).toBe('6 h');
  expect(formatSpan(604_800_000)).toBe('7 d');
  expect(formatSpan(45 * 86_400_000)).toBe('45 d');
});

test('formatBytes in binary units', () => {
  expect(formatBytes(0)).toBe('0 B');
  expect(formatBytes(1023)).toBe('1023 B');
  expect(formatBytes(1536)).toBe('1.5 KiB');
  expect(formatBytes(16 * 1024 * 1024)).toBe('16 MiB');
  expect(formatBytes(3.25 * 1024 ** 3)).toBe('3.3 GiB');
  expect(formatBytes(2 * 1024 ** 5)).toBe('2048 TiB');
});

test('formatSkew signs the offset', () => {
  expect(formatSkew(2_340)).toBe('+2.3 s');
  expect(formatSkew(-400)).toBe('-0.4 s');
  expect(formatSkew(0)).toBe('+0.0 s');
  expect(formatSkew(-20)).toBe('+0.0 s');
  expect(formatSkew(-40 * 60_000)).toBe('-40 min');
  expect(formatSkew(3 * 86_400_000)).toBe('+3 d');
});

test('formatDateTime and formatRange in local time', () => {
  const t = new Date(2024, 4, 1, 14, 3, 22, 250).getTime();
  expect(formatDateTime(t)).toBe('2024-05-01 14:03:22');
  expect(formatDateTime(t, true)).toBe('2024-05-01 14:03:22.250');
  expect(formatRange(t, t + 60_000)).toBe('2024-05-01 14:03:22 – 14:04:22');
  expect(formatRange(t, t + 5_000)).toBe('2024-05-01 14:03:22.250 – 14:03:27.250');
  expect(formatRange(t, t + 86_400_000)).toBe('2024-05-01 14:03:22 – 2024-05-02 14:03:22');
});

test('formatResolution names the stored resolution', () => {
  expect(formatResolution('raw')).toBe('raw readings');
  expect(formatResolution('1m')).toBe('1-minute rollups');
  expect(formatResolution('1h')).toBe('1-hour rollups');
});
