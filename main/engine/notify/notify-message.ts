/**
 * What a channel is asked to send: one message about one or more alerts, all of them firing
 * or all of them resolved (never both), and what it answers.
 */
import type { Severity } from '../../../common/alarm-contract';

export type DeliveryKind = 'trigger' | 'acknowledge' | 'resolve' | 'digest' | 'test';

export interface AlertItem {
  dedupKey: string;
  ruleName: string;
  summary: string;
  severity: Severity | null;
  deviceId: string;
  labels: Record<string, string>;
  /** the transition's state, e.g. active_unack */
  state: string;
  value: number | null;
  /** device time of the transition */
  at: number;
  /** device time the episode began: a trigger sent late still carries it */
  episodeStart: number | null;
  /** for a digest: when the episode ended, if it did */
  endedAt?: number | null;
}

export interface NotifyMessage {
  kind: DeliveryKind;
  /** the episode's key (PagerDuty dedup_key); a group's key for grouped messages */
  dedupKey: string;
  /** one id per delivery row: the same on every retry (webhook-id, Message-ID) */
  id: string;
  alerts: AlertItem[];
  /** a digest's headline ("3 alarms began and ended while the site was offline") */
  title?: string;
}

export type SendOutcome =
  | { ok: true; detail: string }
  | {
      ok: false;
      /** false: the endpoint refused the message itself (400): retrying cannot help */
      retry: boolean;
      /** the endpoint asked for this long (429 Retry-After) */
      retryAfterMs?: number;
      detail: string;
    };

export interface Channel {
  /** key the channel's rate limit is kept under (PagerDuty: per routing key) */
  readonly rateKey: string;
  /** sends per minute the destination accepts */
  readonly perMinute: number;
  /** whether grouped messages (several alerts in one) suit this channel */
  readonly groups: boolean;
  send(message: NotifyMessage): Promise<SendOutcome>;
  close?(): Promise<void>;
}

export function isFiring(kind: DeliveryKind): boolean {
  return kind === 'trigger' || kind === 'test';
}

/** one line per alert, the way e-mail and the MQTT {{summary}} show it */
export function alertLine(a: AlertItem): string {
  const sev = a.severity ? ` (${a.severity})` : '';
  return `${a.summary}${sev}, since ${new Date(a.episodeStart ?? a.at).toISOString()}`;
}

export function headline(message: NotifyMessage): string {
  if (message.title) return message.title;
  const n = message.alerts.length;
  const first = message.alerts[0]?.summary ?? '';
  const verb =
    message.kind === 'resolve'
      ? 'Resolved'
      : message.kind === 'acknowledge'
        ? 'Acknowledged'
        : message.kind === 'test'
          ? 'Test'
          : 'Firing';
  return n > 1 ? `[${verb}] ${n} alarms: ${first} and ${n - 1} more` : `[${verb}] ${first}`;
}
