/** What a sink's transport answers for one batch; the runner decides what happens next. */
import type { OutgoingBatch } from './cloudevents';

export type SendOutcome =
  | { kind: 'ok' }
  /** worth trying again later (network, 5xx, 408, 429, partial acceptance) */
  | { kind: 'retry'; error: string; status?: number; retryAfterMs?: number }
  /** the receiver refused this batch for good (4xx): park it, do not loop on it */
  | { kind: 'park'; error: string; status?: number };

export interface SinkTransport {
  /** where it sends, without credentials, for the UI */
  readonly target: string;
  /** whether the last exchange reached the receiver */
  connected(): boolean;
  send(batch: OutgoingBatch): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** Retry-After: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), 86_400) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), 86_400_000);
}

/** Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^attempt)). */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
