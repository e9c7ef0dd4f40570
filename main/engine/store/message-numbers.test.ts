/**
 * The cases of issue 16 ("dedup by message number"): a retry is the same message again,
 * same number and same device time, or same number and content re-stamped before the
 * device sent anything else; a lower number at a newer device time is a counter reset.
 */
import { describe, expect, test } from 'vitest';
import { MessageNumbers, RETRY_MEMORY, RETRY_WINDOW_MS } from './message-numbers';

const T = Date.UTC(2026, 0, 1);

function sent(rows: [seq: number, t: number, value: number][]): MessageNumbers {
  const m = new MessageNumbers();
  for (const [seq, t, value] of rows) m.record(seq, t, value, 0);
  return m;
}

describe('message numbers: retry or new message', () => {
  test('the same number at the same device time is a retry, whatever the content', () => {
    const m = sent([[7, T, 21.5]]);
    expect(m.isRetry(7, T, 21.5, 0)).toBe(true);
    expect(m.isRetry(7, T, 99, 0)).toBe(true);
  });

  test('the same number and content re-stamped before the next message is a retry', () => {
    const m = sent([
      [6, T - 1000, 21.4],
      [7, T, 21.5],
    ]);
    expect(m.isRetry(7, T + 400, 21.5, 0)).toBe(true);
    // other content or quality: another message that happens to carry the number
    expect(m.isRetry(7, T + 400, 21.6, 0)).toBe(false);
    expect(m.isRetry(7, T + 400, 21.5, 3)).toBe(false);
  });

  test('a device that rebooted and counts from 0 again is never taken for a retry', () => {
    const before = Array.from({ length: 50 }, (_, i) => [i, T + i * 1000, 20] as [number, number, number]);
    const m = sent(before);
    // a stuck value (20) and the counter back at 0..49, five seconds after the last message
    for (let i = 0; i < 50; i++) {
      const t = T + 55_000 + i * 1000;
      expect(m.isRetry(i, t, 20, 0)).toBe(false);
      m.record(i, t, 20, 0);
    }
  });

  test('a lower number at a newer device time is a counter reset, even as the first message after it', () => {
    const m = sent([
      [41, T, 1],
      [42, T + 1000, 1],
    ]);
    expect(m.isRetry(41, T + 2000, 1, 0)).toBe(false);
  });

  test('a re-stamped resend after the device sent another number is a new message', () => {
    const m = sent([
      [7, T, 5],
      [8, T + 1000, 6],
    ]);
    expect(m.isRetry(7, T + 1500, 5, 0)).toBe(false);
    // ... but a late copy stamped before the next message still is a retry
    expect(m.isRetry(7, T + 500, 5, 0)).toBe(true);
  });

  test('a resend stamped beyond the retry window is a new message', () => {
    const m = sent([[3, T, 5]]);
    expect(m.isRetry(3, T + RETRY_WINDOW_MS, 5, 0)).toBe(true);
    expect(m.isRetry(3, T + RETRY_WINDOW_MS + 1, 5, 0)).toBe(false);
  });

  test('NaN readings compare equal by content', () => {
    const m = sent([[1, T, Number.NaN]]);
    expect(m.isRetry(1, T + 10, Number.NaN, 0)).toBe(true);
  });

  test('a reading whose write failed is forgotten, so its resend is stored', () => {
    const m = sent([[9, T, 1]]);
    m.forget(9, T);
    expect(m.isRetry(9, T, 1, 0)).toBe(false);
    expect(m.isRetry(9, T + 10, 1, 0)).toBe(false);
  });

  test('memory stays flat: only the last RETRY_MEMORY readings are kept', () => {
    const m = new MessageNumbers();
    for (let i = 0; i < 100_000; i++) m.record(i % 1000, T + i, i, 0);
    const last = 100_000 - 1;
    expect(m.isRetry(last % 1000, T + last, 0, 0)).toBe(true);
    const evicted = 100_000 - RETRY_MEMORY - 1;
    expect(m.isRetry(evicted % 1000, T + evicted, 0, 0)).toBe(false);
  });
});
