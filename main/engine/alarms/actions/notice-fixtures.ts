/**
 * Test helper: alarm rules and notices written straight into the migration 015 tables, the
 * way the alarm engine writes them (the notice's JSON without `seq` in `body`), so the edge
 * actions are tested before the alarm engine exists.
 */
import { type Action, type AlarmState, RuleSchema } from '../../../../common/alarm-contract';
import type { Db } from '../../store/database';
import type { AlarmNotice, NoticeKind } from '../alarm-notices';

export const T0 = Date.UTC(2026, 0, 1);

export function saveRule(db: Db, id: string, actions: unknown[], mode: 'live' | 'shadow' = 'live'): Action[] {
  const rule = RuleSchema.parse({
    id,
    name: `rule ${id}`,
    mode,
    target: { metric: 'temperature' },
    condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 85, deadband: 5 } }] },
    actions,
  });
  db.prepare(
    `INSERT INTO alarm_rules (id, version, hash, rule, built_in, updated_at) VALUES (?, 1, 'h', ?, 0, ?)
     ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, version = version + 1`,
  ).run(id, JSON.stringify(rule), T0);
  return rule.actions;
}

const MOVES: Record<NoticeKind, [AlarmState, AlarmState]> = {
  raised: ['normal', 'active_unack'],
  escalated: ['active_unack', 'active_unack'],
  deescalated: ['active_unack', 'active_unack'],
  acknowledged: ['active_unack', 'active_ack'],
  cleared: ['active_unack', 'rtn_unack'],
  ended: ['rtn_unack', 'normal'],
  shelved: ['active_unack', 'shelved'],
  unshelved: ['shelved', 'active_unack'],
  suppressed: ['active_unack', 'suppressed'],
  unsuppressed: ['suppressed', 'active_unack'],
};

export interface NoticeSpec {
  ruleId: string;
  kind: NoticeKind;
  deviceId?: string;
  metric?: string | null;
  episodeId?: string | null;
  value?: number | null;
  shadow?: boolean;
  /** evaluated on back-filled readings */
  late?: boolean;
  /** engine time of the transition */
  at?: number;
}

/** inserts one notice; returns it as a source reads it back */
export function addNotice(db: Db, spec: NoticeSpec): AlarmNotice {
  const [from, to] = MOVES[spec.kind];
  const deviceId = spec.deviceId ?? 'boiler-3';
  const metric = spec.metric === undefined ? 'temperature' : spec.metric;
  const at = spec.at ?? T0;
  const body: Omit<AlarmNotice, 'seq'> = {
    kind: spec.kind,
    transition: {
      seq: 0,
      key: `${spec.ruleId}|${deviceId}|${metric ?? ''}`,
      ruleId: spec.ruleId,
      ruleVersion: 1,
      deviceId,
      metric,
      episodeId: spec.episodeId === undefined ? 'ep-1' : spec.episodeId,
      from,
      to,
      severity: 'high',
      value: spec.value === undefined ? 91.2 : spec.value,
      deviceTime: at,
      at,
      late: spec.late ?? false,
      shadow: spec.shadow ?? false,
      actor: null,
      reason: null,
    },
    ruleName: `rule ${spec.ruleId}`,
    labels: {},
    dedupKey: `dedup-${spec.ruleId}-${spec.episodeId ?? 'ep-1'}`,
    summary: `${deviceId} ${metric} ${spec.value ?? 91.2}`,
    shadow: spec.shadow ?? false,
    episodeStart: at,
  };
  const seq = Number(
    db
      .prepare('INSERT INTO alarm_notices (transition_seq, dedup_key, body, created_at) VALUES (0, ?, ?, ?)')
      .run(body.dedupKey, JSON.stringify(body), at).lastInsertRowid,
  );
  return { ...body, seq };
}
