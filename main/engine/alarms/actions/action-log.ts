/**
 * The edge actions' log (alarm_action_log): one row per (notice, action) once it is settled.
 * A row is what makes an action "done" for a restart, and the rate limit of device writes
 * is counted from it, so neither resets when the engine does.
 */
import type { ActionOutcome } from '../../../../common/actions-contract';
import type { Db } from '../../store/database';

interface Row {
  notice_seq: number;
  action_index: number;
  rule_id: string;
  episode_id: string | null;
  trigger: ActionOutcome['trigger'];
  kind: ActionOutcome['kind'];
  device_id: string | null;
  metric: string | null;
  target: string;
  outcome: ActionOutcome['outcome'];
  detail: string;
  attempts: number;
  at: number;
}

function outcomeOf(r: Row): ActionOutcome {
  return {
    noticeSeq: r.notice_seq,
    actionIndex: r.action_index,
    ruleId: r.rule_id,
    episodeId: r.episode_id,
    trigger: r.trigger,
    kind: r.kind,
    deviceId: r.device_id,
    metric: r.metric,
    target: r.target,
    outcome: r.outcome,
    detail: r.detail,
    attempts: r.attempts,
    at: r.at,
  };
}

export class ActionLog {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      has: db
        .prepare<[number, number], number>(
          'SELECT 1 FROM alarm_action_log WHERE notice_seq = ? AND action_index = ?',
        )
        .pluck(),
      insert: db.prepare<[Row]>(
        `INSERT OR IGNORE INTO alarm_action_log (notice_seq, action_index, rule_id, episode_id, trigger, kind,
           device_id, metric, target, outcome, detail, attempts, at)
         VALUES (@notice_seq, @action_index, @rule_id, @episode_id, @trigger, @kind,
           @device_id, @metric, @target, @outcome, @detail, @attempts, @at)`,
      ),
      writes: db
        .prepare<[string, string, number], number>(
          `SELECT count(*) FROM alarm_action_log WHERE device_id = ? AND metric = ? AND at > ?
             AND kind = 'device-write' AND outcome IN ('done', 'dry-run')`,
        )
        .pluck(),
      settledInEpisode: db
        .prepare<[string, string, number, string], number>(
          `SELECT 1 FROM alarm_action_log
           WHERE episode_id = ? AND rule_id = ? AND action_index = ? AND trigger = ? LIMIT 1`,
        )
        .pluck(),
    };
  }

  has(noticeSeq: number, actionIndex: number): boolean {
    return this.statements.has.get(noticeSeq, actionIndex) !== undefined;
  }

  /** inside the caller's transaction, with the audit entry and the cursor move */
  record(o: ActionOutcome): void {
    this.statements.insert.run({
      notice_seq: o.noticeSeq,
      action_index: o.actionIndex,
      rule_id: o.ruleId,
      episode_id: o.episodeId,
      trigger: o.trigger,
      kind: o.kind,
      device_id: o.deviceId,
      metric: o.metric,
      target: o.target,
      outcome: o.outcome,
      detail: o.detail,
      attempts: o.attempts,
      at: o.at,
    });
  }

  /** writes (and dry-run writes) to a device's metric logged after `since` */
  writesSince(deviceId: string, metric: string, since: number): number {
    return this.statements.writes.get(deviceId, metric, since) ?? 0;
  }

  /** whether this action already ran for this trigger in the episode (a clear and its end are one clear) */
  settledInEpisode(episodeId: string, ruleId: string, actionIndex: number, trigger: string): boolean {
    return this.statements.settledInEpisode.get(episodeId, ruleId, actionIndex, trigger) !== undefined;
  }

  list(query: {
    ruleId?: string | undefined;
    deviceId?: string | undefined;
    limit: number;
  }): ActionOutcome[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.ruleId !== undefined) {
      where.push('rule_id = ?');
      args.push(query.ruleId);
    }
    if (query.deviceId !== undefined) {
      where.push('device_id = ?');
      args.push(query.deviceId);
    }
    const sql = `SELECT * FROM alarm_action_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY at DESC, notice_seq DESC, action_index DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, query.limit) as Row[]).map(outcomeOf);
  }
}
