/**
 * The `webhook` edge action: the rule names a webhook channel of the notification settings
 * (its URL and signing secret live there) and the notice is queued in that channel's
 * outbox, signed and retried like any notification but outside routing, grouping and
 * silences: an action is the rule's own, not a page to a person.
 */
import type { Action } from '../../../../common/alarm-contract';
import type { AlarmNotice } from '../alarm-notices';
import type { Attempt } from './attempt';

type WebhookAction = Extract<Action, { kind: 'webhook' }>;

export interface WebhookOutbox {
  /** why the channel cannot take it (unknown, not a webhook, disabled); undefined: it can */
  refusal(channelId: string): string | undefined;
  /** queues the notice for the channel; runs inside the action's log transaction */
  enqueue(channelId: string, notice: AlarmNotice): void;
}

export function webhookAction(
  action: WebhookAction,
  notice: AlarmNotice,
  outbox: WebhookOutbox | undefined,
): Attempt {
  const target = `webhook channel ${action.channelId}`;
  const refusal = outbox ? outbox.refusal(action.channelId) : 'notifications are not available';
  if (refusal) return { outcome: 'refused', target, detail: refusal };
  if (action.dryRun) return { outcome: 'dry-run', target, detail: `would queue "${notice.summary}"` };
  return {
    outcome: 'done',
    target,
    detail: 'queued in the notification outbox',
    commit: () => outbox?.enqueue(action.channelId, notice),
  };
}
