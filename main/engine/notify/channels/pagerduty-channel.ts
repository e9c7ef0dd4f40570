/**
 * PagerDuty Events API v2 (developer.pagerduty.com, Events API v2 "Send an Alert Event"):
 * trigger / acknowledge / resolve with the episode's dedup_key; payload.summary (at most
 * 1024 characters), source, severity (critical, error, warning, info), timestamp (ISO 8601:
 * a trigger held back while offline carries the time the episode began) and custom_details.
 * Digests go to the Change Events endpoint, which records without paging anyone.
 * 202 accepted; 400 invalid (dead); 429 throttled; 5xx retried. About 120 events a minute
 * per routing key are accepted: we stay at 100.
 */
import type { Severity } from '../../../../common/alarm-contract';
import {
  type AlertItem,
  alertLine,
  type Channel,
  headline,
  type NotifyMessage,
  type SendOutcome,
} from '../notify-message';
import { postJson } from './http-post';

const PD_SEVERITY: Record<Severity, 'info' | 'warning' | 'error' | 'critical'> = {
  info: 'info',
  warning: 'warning',
  high: 'error',
  critical: 'critical',
};

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export class PagerDutyChannel implements Channel {
  readonly perMinute = 100;
  readonly groups = false;
  readonly rateKey: string;

  constructor(
    private readonly endpoint: string,
    private readonly routingKey: string,
    private readonly source = 'fieldline',
  ) {
    this.rateKey = `pagerduty:${routingKey}`;
  }

  send(message: NotifyMessage): Promise<SendOutcome> {
    return postJson(this.urlFor(message), JSON.stringify(this.body(message)));
  }

  private urlFor(message: NotifyMessage): string {
    if (message.kind !== 'digest') return this.endpoint;
    return this.endpoint.replace(/\/v2\/enqueue\/?$/, '/v2/change/enqueue');
  }

  body(message: NotifyMessage): Record<string, unknown> {
    if (message.kind === 'digest') {
      return {
        routing_key: this.routingKey,
        payload: {
          summary: clip(headline(message), 1024),
          timestamp: new Date(message.alerts[0]?.at ?? Date.now()).toISOString(),
          source: this.source,
          custom_details: { alarms: message.alerts.map(alertLine) },
        },
      };
    }
    const alert: AlertItem | undefined = message.alerts[0];
    const action = message.kind === 'test' ? 'trigger' : message.kind;
    const event: Record<string, unknown> = {
      routing_key: this.routingKey,
      event_action: action,
      dedup_key: clip(message.dedupKey, 255),
    };
    if (action === 'trigger') {
      event.payload = {
        summary: clip(
          message.kind === 'test' ? 'Fieldline test: this channel works' : (alert?.summary ?? ''),
          1024,
        ),
        source: clip(alert?.deviceId || this.source, 255),
        severity: PD_SEVERITY[alert?.severity ?? 'info'],
        timestamp: new Date(alert ? (alert.episodeStart ?? alert.at) : Date.now()).toISOString(),
        component: alert?.labels.metric || undefined,
        group: alert?.labels.site || undefined,
        class: alert?.ruleName,
        custom_details: alert
          ? { rule: alert.ruleName, state: alert.state, value: alert.value, labels: alert.labels }
          : { test: true },
      };
    }
    return event;
  }
}
