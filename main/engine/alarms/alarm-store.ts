/**
 * The alarm tables (migration 015) behind prepared statements: rules by version, instance
 * rows with their evaluation state, the transition journal, the notice outbox and its
 * consumer cursors, and comments. Callers open the transactions; this file only reads and
 * writes rows.
 */
import type { AlarmState, AlarmTransition, Rule, Severity } from '../../../common/alarm-contract';
import type { Db } from '../store/database';
import type { AlarmNotice } from './alarm-notices';

export interface RuleRow {
  rule: Rule;
  version: number;
  hash: string;
  builtIn: boolean;
  updatedAt: number;
}

export interface InstanceRow {
  key: string;
  ruleId: string;
  deviceId: string;
  metric: string | null;
  state: AlarmState;
  underlying: AlarmState | null;
  severity: Severity | null;
  episodeId: string | null;
  since: number | null;
  value: number | null;
  late: boolean;
  shelvedUntil: number | null;
  shelveReason: string | null;
  ackedBy: string | null;
  evalState: string | null;
  updatedAt: number;
}

export interface HistoryQuery {
  deviceId?: string | undefined;
  episodeId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
}

interface TransitionDbRow {
  seq: number;
  key: string;
  rule_id: string;
  rule_version: number;
  device_id: string;
  metric: string | null;
  episode_id: string | null;
  from_state: string;
  to_state: string;
  severity: string | null;
  value: number | null;
  device_time: number;
  at: number;
  late: number;
  shadow: number;
  actor: string | null;
  reason: string | null;
}

function toTransition(r: TransitionDbRow): AlarmTransition {
  return {
    seq: r.seq,
    key: r.key,
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    deviceId: r.device_id,
    metric: r.metric,
    episodeId: r.episode_id,
    from: r.from_state as AlarmState,
    to: r.to_state as AlarmState,
    severity: r.severity as Severity | null,
    value: r.value,
    deviceTime: r.device_time,
    at: r.at,
    late: r.late !== 0,
    shadow: r.shadow !== 0,
    actor: r.actor,
    reason: r.reason,
  };
}

export class AlarmStore {
  private readonly s;

  constructor(readonly db: Db) {
    this.s = {
      rules: db.prepare('SELECT id, version, hash, rule, built_in, updated_at FROM alarm_rules'),
      rule: db.prepare('SELECT version, built_in FROM alarm_rules WHERE id = ?'),
      upsertRule: db.prepare(
        `INSERT INTO alarm_rules (id, version, hash, rule, built_in, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, hash = excluded.hash,
           rule = excluded.rule, built_in = excluded.built_in, updated_at = excluded.updated_at`,
      ),
      deleteRule: db.prepare('DELETE FROM alarm_rules WHERE id = ?'),
      instances: db.prepare('SELECT * FROM alarm_instances'),
      instance: db.prepare('SELECT * FROM alarm_instances WHERE key = ?'),
      upsertInstance: db.prepare(
        `INSERT INTO alarm_instances (key, rule_id, device_id, metric, state, underlying, severity,
           episode_id, since, value, late, shelved_until, shelve_reason, acked_by, eval_state, updated_at)
         VALUES (@key, @ruleId, @deviceId, @metric, @state, @underlying, @severity, @episodeId, @since,
           @value, @late, @shelvedUntil, @shelveReason, @ackedBy, @evalState, @updatedAt)
         ON CONFLICT (key) DO UPDATE SET state = excluded.state, underlying = excluded.underlying,
           severity = excluded.severity, episode_id = excluded.episode_id, since = excluded.since,
           value = excluded.value, late = excluded.late, shelved_until = excluded.shelved_until,
           shelve_reason = excluded.shelve_reason, acked_by = excluded.acked_by,
           eval_state = excluded.eval_state, updated_at = excluded.updated_at`,
      ),
      deleteInstance: db.prepare('DELETE FROM alarm_instances WHERE key = ?'),
      insertTransition: db.prepare(
        `INSERT INTO alarm_transitions (key, rule_id, rule_version, device_id, metric, episode_id,
           from_state, to_state, severity, value, device_time, at, late, shadow, actor, reason)
         VALUES (@key, @ruleId, @ruleVersion, @deviceId, @metric, @episodeId, @from, @to, @severity,
           @value, @deviceTime, @at, @late, @shadow, @actor, @reason)`,
      ),
      insertNotice: db.prepare(
        'INSERT INTO alarm_notices (transition_seq, dedup_key, body, created_at) VALUES (?, ?, ?, ?)',
      ),
      notices: db.prepare('SELECT seq, body FROM alarm_notices WHERE seq > ? ORDER BY seq LIMIT ?'),
      cursor: db.prepare('SELECT seq FROM alarm_cursors WHERE consumer = ?'),
      advance: db.prepare(
        `INSERT INTO alarm_cursors (consumer, seq) VALUES (?, ?)
         ON CONFLICT (consumer) DO UPDATE SET seq = max(seq, excluded.seq)`,
      ),
      insertComment: db.prepare('INSERT INTO alarm_comments (key, at, by, text) VALUES (?, ?, ?, ?)'),
      comments: db.prepare('SELECT key, at, by, text FROM alarm_comments ORDER BY key, at'),
      deleteComments: db.prepare('DELETE FROM alarm_comments WHERE key = ?'),
    };
  }

  rules(): RuleRow[] {
    const rows = this.s.rules.all() as {
      rule: string;
      version: number;
      hash: string;
      built_in: number;
      updated_at: number;
    }[];
    return rows.map((r) => ({
      rule: JSON.parse(r.rule) as Rule,
      version: r.version,
      hash: r.hash,
      builtIn: r.built_in !== 0,
      updatedAt: r.updated_at,
    }));
  }

  ruleVersion(id: string): { version: number; builtIn: boolean } | undefined {
    const r = this.s.rule.get(id) as { version: number; built_in: number } | undefined;
    return r && { version: r.version, builtIn: r.built_in !== 0 };
  }

  putRule(row: RuleRow): void {
    this.s.upsertRule.run(
      row.rule.id,
      row.version,
      row.hash,
      JSON.stringify(row.rule),
      row.builtIn ? 1 : 0,
      row.updatedAt,
    );
  }

  deleteRule(id: string): void {
    this.s.deleteRule.run(id);
  }

  instances(): InstanceRow[] {
    return (this.s.instances.all() as Record<string, unknown>[]).map(fromInstanceRow);
  }

  instance(key: string): InstanceRow | undefined {
    const r = this.s.instance.get(key) as Record<string, unknown> | undefined;
    return r && fromInstanceRow(r);
  }

  putInstance(row: InstanceRow): void {
    this.s.upsertInstance.run({ ...row, late: row.late ? 1 : 0 });
  }

  deleteInstance(key: string): void {
    this.s.deleteInstance.run(key);
    this.s.deleteComments.run(key);
  }

  /** the journal row and its notice, in the caller's transaction; returns the notice seq */
  journal(t: Omit<AlarmTransition, 'seq'>, notice: (seq: number) => Omit<AlarmNotice, 'seq'>): AlarmNotice {
    const seq = Number(
      this.s.insertTransition.run({ ...t, late: t.late ? 1 : 0, shadow: t.shadow ? 1 : 0 }).lastInsertRowid,
    );
    const body = notice(seq);
    const noticeSeq = Number(
      this.s.insertNotice.run(seq, body.dedupKey, JSON.stringify(body), t.at).lastInsertRowid,
    );
    return { ...body, seq: noticeSeq };
  }

  notices(afterSeq: number, limit: number): AlarmNotice[] {
    const rows = this.s.notices.all(afterSeq, limit) as { seq: number; body: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.body) as Omit<AlarmNotice, 'seq'>), seq: r.seq }));
  }

  cursor(consumer: string): number {
    return (this.s.cursor.get(consumer) as { seq: number } | undefined)?.seq ?? 0;
  }

  advance(consumer: string, seq: number): void {
    this.s.advance.run(consumer, seq);
  }

  addComment(key: string, at: number, by: string, text: string): void {
    this.s.insertComment.run(key, at, by, text);
  }

  comments(): { key: string; at: number; by: string; text: string }[] {
    return this.s.comments.all() as { key: string; at: number; by: string; text: string }[];
  }

  history(q: HistoryQuery): AlarmTransition[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.deviceId !== undefined) {
      where.push('device_id = ?');
      args.push(q.deviceId);
    }
    if (q.episodeId !== undefined) {
      where.push('episode_id = ?');
      args.push(q.episodeId);
    }
    if (q.from !== undefined) {
      where.push('device_time >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('device_time <= ?');
      args.push(q.to);
    }
    const sql = `SELECT * FROM alarm_transitions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as TransitionDbRow[]).map(toTransition);
  }
}

function fromInstanceRow(r: Record<string, unknown>): InstanceRow {
  return {
    key: r.key as string,
    ruleId: r.rule_id as string,
    deviceId: r.device_id as string,
    metric: r.metric as string | null,
    state: r.state as AlarmState,
    underlying: r.underlying as AlarmState | null,
    severity: r.severity as Severity | null,
    episodeId: r.episode_id as string | null,
    since: r.since as number | null,
    value: r.value as number | null,
    late: r.late === 1,
    shelvedUntil: r.shelved_until as number | null,
    shelveReason: r.shelve_reason as string | null,
    ackedBy: r.acked_by as string | null,
    evalState: r.eval_state as string | null,
    updatedAt: r.updated_at as number,
  };
}
