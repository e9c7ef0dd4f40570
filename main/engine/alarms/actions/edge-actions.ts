/**
 * The edge actions as the engine wires them: the runner over the notices, the performers
 * for each kind of action, the rules' actions read from alarm_rules, and `actions.log`.
 */
import { type Action, RuleSchema } from '../../../../common/alarm-contract';
import type { AuditInput } from '../../audit/audit-log';
import type { Connector } from '../../connectors/connector';
import type { Logger } from '../../log';
import type { Db } from '../../store/database';
import type { AlarmNoticeSource } from '../alarm-notices';
import { ActionLog } from './action-log';
import { ActionRunner, type ActionRunnerOptions } from './action-runner';
import { deviceWrite } from './device-write';
import { mqttPublish } from './mqtt-publish';
import { type WebhookOutbox, webhookAction } from './webhook-action';

export interface EdgeActionsOptions {
  db: Db;
  source: AlarmNoticeSource;
  connector(id: string): Connector | undefined;
  /** the connector a device reports through (the registry's) */
  connectorOf(deviceId: string): string | undefined;
  audit(entry: AuditInput): void;
  log: Logger;
  /** the notification outbox, for `webhook` actions: absent, they are refused */
  webhooks?: WebhookOutbox;
  now?: () => number;
  tuning?: Pick<ActionRunnerOptions, 'expireMs' | 'retryMinMs' | 'retryMaxMs' | 'pollMs'>;
}

/** a rule's actions as saved; a row that no longer parses has none (and says so once) */
function storedRuleActions(db: Db, log: Logger): (ruleId: string) => readonly Action[] {
  const get = db.prepare<[string], string>('SELECT rule FROM alarm_rules WHERE id = ?').pluck();
  const warned = new Set<string>();
  return (ruleId) => {
    const text = get.get(ruleId);
    if (text === undefined) return [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = RuleSchema.safeParse(json);
    if (parsed.success) return parsed.data.actions;
    if (!warned.has(ruleId)) {
      warned.add(ruleId);
      log.warn('a stored rule does not parse; its actions are not run', { rule: ruleId });
    }
    return [];
  };
}

export function createEdgeActions(o: EdgeActionsOptions) {
  const now = o.now ?? Date.now;
  const actionLog = new ActionLog(o.db);
  const runner = new ActionRunner({
    db: o.db,
    source: o.source,
    log: actionLog,
    ruleActions: storedRuleActions(o.db, o.log),
    perform: async (action, notice) =>
      action.kind === 'webhook'
        ? webhookAction(action, notice, o.webhooks)
        : action.kind === 'mqtt-publish'
          ? mqttPublish(action, notice, o.connector)
          : deviceWrite(
              action,
              {
                connectorOf: o.connectorOf,
                connector: o.connector,
                writesSince: (d, m, since) => actionLog.writesSince(d, m, since),
                now,
              },
              notice.transition.late,
            ),
    audit: o.audit,
    logger: o.log,
    now,
    ...o.tuning,
  });
  return {
    runner,
    actionLog,
    handlers: {
      'actions.log': (params?: {
        ruleId?: string | undefined;
        deviceId?: string | undefined;
        limit?: number;
      }) =>
        actionLog.list({ ruleId: params?.ruleId, deviceId: params?.deviceId, limit: params?.limit ?? 200 }),
    },
  };
}
