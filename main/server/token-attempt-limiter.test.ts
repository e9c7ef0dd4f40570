import { describe, expect, test } from 'vitest';
import { addressKey, createTokenAttemptLimiter, type TokenAttemptLimits } from './token-attempt-limiter';

const LIMITS: TokenAttemptLimits = {
  maxFailures: 10,
  windowMs: 60_000,
  lockoutMs: 30_000,
  maxLockoutMs: 8 * 30_000,
  maxTracked: 100,
};

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('token attempt limiter', () => {
  test('ten wrong tokens lock the address out; each further lock-out is twice as long, up to the cap', () => {
    const c = clock();
    const limiter = createTokenAttemptLimiter(LIMITS, c.now);
    const lockouts: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 1; i <= 10; i++) {
        expect(limiter.check('192.0.2.7').allowed).toBe(true);
        const lockout = limiter.failed('192.0.2.7');
        expect(lockout === null).toBe(i < 10);
        if (lockout) lockouts.push(lockout.lockedOutForMs);
      }
      const refused = limiter.check('192.0.2.7');
      expect(refused).toEqual({ allowed: false, retryAfterMs: lockouts.at(-1) });
      c.advance(lockouts.at(-1)! - 1);
      expect(limiter.check('192.0.2.7').allowed).toBe(false);
      c.advance(1);
    }
    expect(lockouts).toEqual([30_000, 60_000, 120_000, 240_000, 240_000, 240_000]);
  });

  test('other addresses are unaffected; failures spread wider than the window do not add up', () => {
    const c = clock();
    const limiter = createTokenAttemptLimiter(LIMITS, c.now);
    for (let i = 0; i < 10; i++) limiter.failed('192.0.2.7');
    expect(limiter.check('192.0.2.7').allowed).toBe(false);
    expect(limiter.check('192.0.2.8').allowed).toBe(true);
    for (let i = 0; i < 30; i++) {
      expect(limiter.failed('192.0.2.9')).toBeNull();
      if (i % 9 === 8) c.advance(LIMITS.windowMs + 1);
    }
  });

  test('the right token clears the record', () => {
    const limiter = createTokenAttemptLimiter(LIMITS, clock().now);
    for (let i = 0; i < 9; i++) limiter.failed('192.0.2.7');
    limiter.succeeded('192.0.2.7');
    expect(limiter.failed('192.0.2.7')).toBeNull();
  });

  test('an IPv6 /64 is one address; IPv4-mapped IPv6 is the IPv4 address', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    const limiter = createTokenAttemptLimiter(LIMITS, clock().now);
    for (let i = 0; i < 10; i++) limiter.failed(`2001:db8:1:2::${i.toString(16)}`);
    expect(limiter.check('2001:db8:1:2:ffff::9').allowed).toBe(false);
    expect(limiter.check('2001:db8:1:3::1').allowed).toBe(true);
  });

  test('remembers at most maxTracked addresses, forgetting the least recently seen', () => {
    const limiter = createTokenAttemptLimiter(LIMITS, clock().now);
    for (let i = 0; i < 10; i++) limiter.failed('192.0.2.1');
    for (let n = 0; n < 1000; n++) limiter.failed(`198.51.${n >> 8}.${n & 255}`);
    expect(limiter.tracked).toBe(LIMITS.maxTracked);
  });
});
