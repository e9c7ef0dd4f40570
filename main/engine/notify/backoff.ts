/**
 * When to try a failed delivery again: exponential backoff with full jitter, capped, and
 * an endpoint's own Retry-After (seconds or an HTTP date) when it gives one, never sooner.
 */

export const BASE_DELAY_MS = 5_000;
export const MAX_DELAY_MS = 30 * 60_000;

export function backoffDelay(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 20));
  // full jitter, with a floor so a burst of failures never retries in a tight loop
  return Math.max(1_000, Math.round(ceiling * random()));
}

/** Retry-After as milliseconds from now, or undefined when absent or unreadable; capped at a day */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, 86_400_000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(date - now, 0), 86_400_000);
}

/** a token bucket: `capacity` sends, refilled evenly over `perMs` */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** takes a token, or says how long until one is free */
  take(now: number): { ok: true } | { ok: false; waitMs: number } {
    const rate = this.capacity / this.perMs;
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil((1 - this.tokens) / rate) };
  }
}
