import { describe, expect, test } from 'vitest';
import { appendNotifications, type NotifiedValue } from './notification-log';

const value = (ts: number): NotifiedValue => ({
  hex: ts.toString(16),
  text: null,
  decoded: null,
  error: null,
  ts,
});

describe('Notify panel log', () => {
  test('newest first, bounded, keys unique', () => {
    let log = appendNotifications([], [value(1), value(2)], 0, 5);
    expect(log.map((e) => e.ts)).toEqual([2, 1]);
    log = appendNotifications(log, [3, 4, 5, 6].map(value), 2, 5);
    expect(log.map((e) => e.ts)).toEqual([6, 5, 4, 3, 2]);
    expect(new Set(log.map((e) => e.seq)).size).toBe(5);
    // a batch bigger than the bound keeps only its newest
    log = appendNotifications(
      log,
      Array.from({ length: 50 }, (_, i) => value(100 + i)),
      6,
      5,
    );
    expect(log.map((e) => e.ts)).toEqual([149, 148, 147, 146, 145]);
  });
});
