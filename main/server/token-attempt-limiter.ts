/**
 * Per-address limit on wrong access tokens. Without it a client can try thousands of
 * tokens a second; with it, every `maxFailures` wrong tokens lock the address out for an
 * interval that doubles each time, so guessing even a short user-chosen token takes
 * longer than anyone will wait. Other addresses are not affected.
 */

export interface TokenAttemptLimits {
  /** wrong tokens from one address, counted within `windowMs`, before a lock-out */
  maxFailures: number;
  windowMs: number;
  /** the first lock-out; each further one doubles, up to `maxLockoutMs` */
  lockoutMs: number;
  maxLockoutMs: number;
  /** addresses remembered at once; the least recent is forgotten first */
  maxTracked: number;
}

export const DEFAULT_TOKEN_ATTEMPT_LIMITS: TokenAttemptLimits = {
  maxFailures: 10,
  windowMs: 60_000,
  lockoutMs: 30_000,
  maxLockoutMs: 60 * 60_000,
  maxTracked: 4096,
};

interface AddressState {
  failures: number;
  windowStart: number;
  lockedUntil: number;
  lockouts: number;
  lastSeen: number;
}

export type AttemptCheck = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * One key per attacker-sized unit: an IPv4 address, or an IPv6 /64 (one subscriber's
 * prefix, so rotating through its addresses gains nothing). IPv4-mapped IPv6 is IPv4.
 */
export function addressKey(remote: string | undefined): string {
  if (!remote) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remote);
  if (mapped?.[1]) return mapped[1];
  if (!remote.includes(':')) return remote;
  const [head = '', tail = ''] = remote.toLowerCase().split('%')[0]!.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function createTokenAttemptLimiter(
  limits: TokenAttemptLimits = DEFAULT_TOKEN_ATTEMPT_LIMITS,
  now: () => number = Date.now,
) {
  const states = new Map<string, AddressState>();

  function forgetStale(at: number): void {
    for (const [key, state] of states) {
      // forgotten once the last lock-out would have doubled into nothing more to remember
      if (state.lockedUntil <= at && at - state.lastSeen > Math.max(limits.windowMs, limits.maxLockoutMs)) {
        states.delete(key);
      }
    }
  }

  function touch(key: string, at: number): AddressState {
    let state = states.get(key);
    if (state) {
      states.delete(key); // re-inserted below: Map order is least recently seen first
    } else {
      if (states.size >= limits.maxTracked) forgetStale(at);
      if (states.size >= limits.maxTracked) {
        const oldest = states.keys().next().value;
        if (oldest !== undefined) states.delete(oldest);
      }
      state = { failures: 0, windowStart: at, lockedUntil: 0, lockouts: 0, lastSeen: at };
    }
    state.lastSeen = at;
    states.set(key, state);
    return state;
  }

  return {
    check(remote: string | undefined): AttemptCheck {
      const state = states.get(addressKey(remote));
      const at = now();
      if (!state || state.lockedUntil <= at) return { allowed: true };
      return { allowed: false, retryAfterMs: state.lockedUntil - at };
    },
    /** a wrong token: returns the lock-out it started, if it started one */
    failed(remote: string | undefined): { lockedOutForMs: number } | null {
      const at = now();
      const state = touch(addressKey(remote), at);
      if (at - state.windowStart > limits.windowMs) {
        state.failures = 0;
        state.windowStart = at;
      }
      state.failures += 1;
      if (state.failures < limits.maxFailures) return null;
      const lockedOutForMs = Math.min(limits.lockoutMs * 2 ** state.lockouts, limits.maxLockoutMs);
      state.lockouts += 1;
      state.failures = 0;
      state.windowStart = at;
      state.lockedUntil = at + lockedOutForMs;
      return { lockedOutForMs };
    },
    /** the right token: whoever holds it is no guesser */
    succeeded(remote: string | undefined): void {
      states.delete(addressKey(remote));
    },
    get tracked(): number {
      return states.size;
    },
  };
}

export type TokenAttemptLimiter = ReturnType<typeof createTokenAttemptLimiter>;
