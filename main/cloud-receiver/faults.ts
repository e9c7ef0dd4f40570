/**
 * Fault switches of the reference receiver, set over POST /admin/faults. Counted faults
 * ("the next N batches") keep tests deterministic; slowMs and down are durations.
 */
export interface Faults {
  /** stop listening for this many ms (connection refused), then listen again */
  downMs?: number;
  /** wait this long before handling each batch */
  slowMs?: number;
  /** the next N batches answer 500 */
  fail500?: number;
  /** the next N batches answer 429 with this Retry-After (seconds) */
  throttle?: { count: number; retryAfterS: number };
  /** the next N batches: the connection is cut while the body is arriving; nothing stored */
  dropMidRequest?: number;
  /** the next N batches: stored, then the connection is cut before the answer */
  dropAfterCommit?: number;
  /** the next N batches: only the first `accept` events stored, 207 for the rest */
  partial?: { count: number; accept: number };
  /** the next N batches answer 422 (a batch the cloud will never take) */
  reject?: number;
}

export type FaultState = Required<Omit<Faults, 'downMs'>>;

export function noFaults(): FaultState {
  return {
    slowMs: 0,
    fail500: 0,
    throttle: { count: 0, retryAfterS: 0 },
    dropMidRequest: 0,
    dropAfterCommit: 0,
    partial: { count: 0, accept: 0 },
    reject: 0,
  };
}

const count = (v: unknown, what: string): number => {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 1_000_000) {
    throw new Error(`${what} must be a whole number 0..1000000`);
  }
  return v as number;
};

/** Applies a (hostile) admin request to the state; returns the down time asked for, if any. */
export function applyFaults(state: FaultState, input: unknown): number | null {
  if (typeof input !== 'object' || input === null) throw new Error('faults must be a JSON object');
  const f = input as Record<string, unknown>;
  const known = new Set([
    'downMs',
    'slowMs',
    'fail500',
    'throttle',
    'dropMidRequest',
    'dropAfterCommit',
    'partial',
    'reject',
    'clear',
  ]);
  for (const k of Object.keys(f)) if (!known.has(k)) throw new Error(`unknown fault "${k}"`);
  if (f.clear === true) Object.assign(state, noFaults());
  if (f.slowMs !== undefined) state.slowMs = count(f.slowMs, 'slowMs');
  if (f.fail500 !== undefined) state.fail500 = count(f.fail500, 'fail500');
  if (f.dropMidRequest !== undefined) state.dropMidRequest = count(f.dropMidRequest, 'dropMidRequest');
  if (f.dropAfterCommit !== undefined) state.dropAfterCommit = count(f.dropAfterCommit, 'dropAfterCommit');
  if (f.reject !== undefined) state.reject = count(f.reject, 'reject');
  if (f.throttle !== undefined) {
    const t = f.throttle as Record<string, unknown>;
    state.throttle = {
      count: count(t?.count, 'throttle.count'),
      retryAfterS: count(t?.retryAfterS, 'throttle.retryAfterS'),
    };
  }
  if (f.partial !== undefined) {
    const p = f.partial as Record<string, unknown>;
    state.partial = { count: count(p?.count, 'partial.count'), accept: count(p?.accept, 'partial.accept') };
  }
  return f.downMs === undefined ? null : count(f.downMs, 'downMs');
}
