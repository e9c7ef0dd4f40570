/**
 * The delivery outbox: one row per message to one channel. Rows are written in the same
 * transaction that advances the notice cursor, so a notice is never lost and a crash at
 * worst sends a message twice. A row is due when its time has come and no older row for
 * the same channel and dedup key is still pending (in order per key: a resolve never
 * overtakes its trigger). Rows of one channel, group and kind that are due together go out
 * as one message. Failures back off with jitter; after MAX_ATTEMPTS, or at once when the
 * endpoint refuses the message itself, a row becomes a dead letter until someone retries it.
 */
import type Database from 'better-sqlite3';
import type { Delivery } from '../../../common/notify-contract';
import { backoffDelay } from './backoff';
import type { AlertItem, DeliveryKind, SendOutcome } from './notify-message';

export const MAX_ATTEMPTS = 12;

export interface DeliveryRow {
  id: number;
  channelId: string;
  dedupKey: string;
  kind: DeliveryKind;
  groupKey: string;
  alerts: AlertItem[];
  title?: string;
  attempts: number;
  nextAttemptAt: number;
}

export interface NewDelivery {
  channelId: string;
  dedupKey: string;
  kind: DeliveryKind;
  groupKey: string;
  alerts: AlertItem[];
  title?: string;
  notBefore: number;
}

interface Row {
  id: number;
  channel_id: string;
  dedup_key: string;
  kind: string;
  group_key: string;
  body: string;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  created_at: number;
}

function toDelivery(r: Row): DeliveryRow {
  const body = JSON.parse(r.body) as { alerts: AlertItem[]; title?: string };
  return {
    id: r.id,
    channelId: r.channel_id,
    dedupKey: r.dedup_key,
    kind: r.kind as DeliveryKind,
    groupKey: r.group_key,
    alerts: body.alerts,
    title: body.title,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at ?? 0,
  };
}

export class DeliveryOutbox {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly random: () => number = Math.random,
  ) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO notify_deliveries (channel_id, dedup_key, kind, group_key, body, status, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
      ),
      due: db.prepare<[number, number], Row>(
        `SELECT d.* FROM notify_deliveries d
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?
           AND NOT EXISTS (SELECT 1 FROM notify_deliveries e
                           WHERE e.channel_id = d.channel_id AND e.dedup_key = d.dedup_key
                             AND e.status = 'pending' AND e.id < d.id)
         ORDER BY d.id LIMIT ?`,
      ),
      pendingInGroup: db.prepare<[string, string, string], { next_attempt_at: number }>(
        `SELECT next_attempt_at FROM notify_deliveries
         WHERE channel_id = ? AND group_key = ? AND kind = ? AND status = 'pending' AND attempts = 0
         ORDER BY id LIMIT 1`,
      ),
      sent: db.prepare(
        `UPDATE notify_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL,
         next_attempt_at = NULL WHERE id = ? AND status = 'pending'`,
      ),
      merged: db.prepare(
        `UPDATE notify_deliveries SET status = 'sent', sent_at = ?, last_error = ?, next_attempt_at = NULL
         WHERE id = ? AND status = 'pending'`,
      ),
      failed: db.prepare(
        `UPDATE notify_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
         status = CASE WHEN ? THEN 'dead' ELSE 'pending' END WHERE id = ? AND status = 'pending'`,
      ),
      defer: db.prepare(
        `UPDATE notify_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending'`,
      ),
      retry: db.prepare(
        `UPDATE notify_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL
         WHERE id = ? AND status = 'dead'`,
      ),
      list: db.prepare<[{ status: string | null; limit: number }], Row>(
        `SELECT * FROM notify_deliveries WHERE (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT @limit`,
      ),
      counts: db.prepare<[], { channel_id: string; status: string; n: number }>(
        `SELECT channel_id, status, count(*) AS n FROM notify_deliveries
         WHERE status IN ('pending', 'dead') GROUP BY channel_id, status`,
      ),
      groupSent: db.prepare<[string, string], { last_sent_at: number }>(
        'SELECT last_sent_at FROM notify_groups WHERE channel_id = ? AND group_key = ?',
      ),
      setGroupSent: db.prepare(
        `INSERT INTO notify_groups (channel_id, group_key, last_sent_at) VALUES (?, ?, ?)
         ON CONFLICT (channel_id, group_key) DO UPDATE SET last_sent_at = excluded.last_sent_at`,
      ),
      offline: db.prepare<[string, string, string], Row>(
        `SELECT * FROM notify_deliveries d WHERE d.channel_id = ? AND d.status = 'pending' AND d.kind != 'digest'
           AND EXISTS (SELECT 1 FROM notify_deliveries t WHERE t.channel_id = d.channel_id
                       AND t.dedup_key = d.dedup_key AND t.status = 'pending' AND t.kind = ?)
           AND EXISTS (SELECT 1 FROM notify_deliveries r WHERE r.channel_id = d.channel_id
                       AND r.dedup_key = d.dedup_key AND r.status = 'pending' AND r.kind = ?)
         ORDER BY d.id`,
      ),
      pendingDigest: db.prepare<[string, string], Row>(
        `SELECT * FROM notify_deliveries WHERE channel_id = ? AND group_key = ? AND kind = 'digest'
         AND status = 'pending' ORDER BY id LIMIT 1`,
      ),
      setBody: db.prepare('UPDATE notify_deliveries SET body = ? WHERE id = ?'),
      dropChannel: db.prepare(`UPDATE notify_deliveries SET status = 'dead', last_error = ?
         WHERE channel_id = ? AND status = 'pending'`),
    };
  }

  enqueue(d: NewDelivery, now: number): number {
    const body = JSON.stringify({ alerts: d.alerts, ...(d.title ? { title: d.title } : {}) });
    return Number(
      this.s.insert.run(d.channelId, d.dedupKey, d.kind, d.groupKey, body, d.notBefore, now).lastInsertRowid,
    );
  }

  /**
   * When a new row of a group may go: with the rows of the group already waiting; after
   * `groupIntervalMs` from the group's last message; else after `groupWaitMs`, so the first
   * alarms of a burst arrive in one message.
   */
  groupTime(
    channelId: string,
    groupKey: string,
    kind: DeliveryKind,
    now: number,
    waitMs: number,
    intervalMs: number,
  ): number {
    const waiting = this.s.pendingInGroup.get(channelId, groupKey, kind);
    if (waiting) return waiting.next_attempt_at;
    const last = this.s.groupSent.get(channelId, `${groupKey}|${kind}`)?.last_sent_at;
    if (last !== undefined && now - last < intervalMs) return last + intervalMs;
    return now + waitMs;
  }

  due(now: number, limit = 500): DeliveryRow[] {
    return this.s.due.all(now, limit).map(toDelivery);
  }

  markSent(rows: readonly DeliveryRow[], now: number): void {
    this.db.transaction(() => {
      for (const r of rows) {
        this.s.sent.run(now, r.id);
        this.s.setGroupSent.run(r.channelId, `${r.groupKey}|${r.kind}`, now);
      }
    })();
  }

  /** rows whose content went out inside another message (an offline digest) */
  markMerged(rows: readonly DeliveryRow[], now: number, into: string): void {
    for (const r of rows) this.s.merged.run(now, into, r.id);
  }

  markFailed(rows: readonly DeliveryRow[], outcome: Extract<SendOutcome, { ok: false }>, now: number): void {
    this.db.transaction(() => {
      for (const r of rows) {
        const attempts = r.attempts + 1;
        const dead = !outcome.retry || attempts >= MAX_ATTEMPTS;
        const delay = Math.max(backoffDelay(attempts, this.random), outcome.retryAfterMs ?? 0);
        this.s.failed.run(outcome.detail.slice(0, 1000), dead ? null : now + delay, dead ? 1 : 0, r.id);
      }
    })();
  }

  /**
   * The rows of episodes whose trigger and resolve are both still waiting on this channel:
   * they began and ended while it could not be reached.
   */
  endedWhileWaiting(channelId: string): DeliveryRow[] {
    return this.s.offline.all(channelId, 'trigger', 'resolve').map(toDelivery);
  }

  /**
   * Adds alerts to the channel's waiting digest of this group, or starts one due now: one
   * digest however many times it grows before it goes out.
   */
  addToDigest(
    channelId: string,
    groupKey: string,
    title: string,
    alerts: AlertItem[],
    now: number,
    notBefore = now,
  ): void {
    const waiting = this.s.pendingDigest.get(channelId, groupKey);
    if (!waiting) {
      this.enqueue(
        { channelId, dedupKey: groupKey, kind: 'digest', groupKey, alerts, title, notBefore },
        now,
      );
      return;
    }
    const body = JSON.parse(waiting.body) as { alerts: AlertItem[]; title?: string };
    this.s.setBody.run(JSON.stringify({ alerts: [...body.alerts, ...alerts], title }), waiting.id);
  }

  /** not attempted (rate limit): later, without counting an attempt */
  defer(rows: readonly DeliveryRow[], until: number): void {
    for (const r of rows) this.s.defer.run(until, r.id);
  }

  retry(ids: readonly number[], now: number): void {
    this.db.transaction(() => {
      for (const id of ids) this.s.retry.run(now, id);
    })();
  }

  /** a deleted channel's pending rows become dead letters that say why */
  abandonChannel(channelId: string): void {
    this.s.dropChannel.run('the channel was deleted', channelId);
  }

  list(status: Delivery['status'] | undefined, limit: number): Delivery[] {
    return this.s.list.all({ status: status ?? null, limit }).map((r) => ({
      id: r.id,
      channelId: r.channel_id,
      dedupKey: r.dedup_key,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastError: r.last_error,
      createdAt: r.created_at,
    }));
  }

  counts(): Map<string, { pending: number; dead: number }> {
    const out = new Map<string, { pending: number; dead: number }>();
    for (const r of this.s.counts.all()) {
      const c = out.get(r.channel_id) ?? { pending: 0, dead: 0 };
      if (r.status === 'pending') c.pending = r.n;
      else c.dead = r.n;
      out.set(r.channel_id, c);
    }
    return out;
  }
}
