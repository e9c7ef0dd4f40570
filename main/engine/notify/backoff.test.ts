/** Retry timing: full-jitter exponential backoff, Retry-After in both forms (RFC 9110 §10.2.3), token buckets. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE_DELAY_MS, backoffDelay, MAX_DELAY_MS, parseRetryAfter, TokenBucket } from './backoff';

describe('backoff', () => {
  it('stays within the doubling ceiling, never below a second, never above the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, r) => {
          const d = backoffDelay(attempts, () => r);
          const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempts - 1));
          expect(d).toBeGreaterThanOrEqual(1_000);
          expect(d).toBeLessThanOrEqual(Math.max(ceiling, 1_000));
        },
      ),
    );
  });

  it('spreads retries with jitter rather than retrying in lockstep', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(6)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('reads Retry-After as delay-seconds or an HTTP-date, and ignores garbage', () => {
    const now = Date.parse('2026-12-03T16:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 16:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 15:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('99999999', now)).toBe(86_400_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('lets a token bucket send its capacity at once, then refill evenly', () => {
    const bucket = new TokenBucket(100, 60_000, 0);
    for (let i = 0; i < 100; i++) expect(bucket.take(0).ok).toBe(true);
    const refused = bucket.take(0);
    expect(refused).toEqual({ ok: false, waitMs: 600 });
    expect(bucket.take(600).ok).toBe(true);
    expect(bucket.take(600).ok).toBe(false);
  });
});
