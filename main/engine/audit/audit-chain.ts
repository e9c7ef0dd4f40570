/**
 * The audit log's hash chain, with no database in sight, so the app and anyone holding an
 * export compute and check it the same way.
 *
 * hash = SHA-256 (hex) of the canonical JSON of
 *   { seq, at, actor, action, subject, before, after, prev_hash }
 * where before/after are the JSON values (null when absent) and prev_hash is the previous
 * entry's hash, or 64 zeros for the first entry.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  before: JsonValue;
  after: JsonValue;
  prevHash: string;
  hash: string;
}

export type UnhashedEntry = Omit<AuditEntry, 'hash'>;

export interface VerifyResult {
  ok: boolean;
  /** entries whose hash and link were checked before the walk stopped */
  checked: number;
  firstBadSeq?: number;
  reason?: string;
}

export interface VerifyOptions {
  /**
   * A head hash recorded earlier (say, printed in a report or kept off the machine). It
   * must still be in the chain; if it is not, entries at or before it were removed or
   * rewritten; a chain that grew since is fine.
   */
  expectedHead?: string;
}

export function entryHash(e: UnhashedEntry): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    before: e.before,
    after: e.after,
    prev_hash: e.prevHash,
  });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** Walks entries in seq order; stops at the first break. */
export function verifyChain(entries: Iterable<AuditEntry>, options: VerifyOptions = {}): VerifyResult {
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  let checked = 0;
  let sawExpectedHead = options.expectedHead === undefined || options.expectedHead === GENESIS_HASH;
  for (const e of entries) {
    if (e.seq !== expectedSeq) {
      const reason =
        e.seq > expectedSeq
          ? `entries ${expectedSeq}..${e.seq - 1} are missing (deleted)`
          : `entry ${e.seq} is out of order (expected ${expectedSeq})`;
      return { ok: false, checked, firstBadSeq: expectedSeq, reason };
    }
    if (e.prevHash !== prev) {
      return {
        ok: false,
        checked,
        firstBadSeq: e.seq,
        reason: `entry ${e.seq} does not link to entry ${e.seq - 1}`,
      };
    }
    if (entryHash(e) !== e.hash) {
      return { ok: false, checked, firstBadSeq: e.seq, reason: `entry ${e.seq} was altered (hash mismatch)` };
    }
    if (e.hash === options.expectedHead) sawExpectedHead = true;
    prev = e.hash;
    expectedSeq++;
    checked++;
  }
  if (!sawExpectedHead) {
    return {
      ok: false,
      checked,
      firstBadSeq: expectedSeq,
      reason: 'the expected head is not in the chain: the log was truncated or rewritten',
    };
  }
  return { ok: true, checked };
}
