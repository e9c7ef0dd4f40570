/**
 * The channel form's fields as the user types them, and the channel the engine is sent.
 * A secret left empty on an existing channel keeps the stored one (the engine asks for it
 * again if the destination changed).
 */
import type { ChannelInput, ChannelSummary } from '../../common/notify-contract';

export type ChannelKind = ChannelSummary['kind'];

export interface ChannelFields {
  id: string;
  name: string;
  kind: ChannelKind;
  /** PagerDuty endpoint or webhook URL */
  url: string;
  secret: string;
  host: string;
  port: string;
  allowPlain: boolean;
  user: string;
  from: string;
  to: string;
  connectorId: string;
  topic: string;
  payload: string;
}

export const PAGERDUTY_ENDPOINT = 'https://events.pagerduty.com/v2/enqueue';

export function emptyFields(kind: ChannelKind = 'webhook'): ChannelFields {
  return {
    id: '',
    name: '',
    kind,
    url: kind === 'pagerduty' ? PAGERDUTY_ENDPOINT : '',
    secret: '',
    host: '',
    port: '587',
    allowPlain: false,
    user: '',
    from: '',
    to: '',
    connectorId: '',
    topic: '',
    payload: '{"state":"{{state}}","severity":"{{severity}}"}',
  };
}

export function fieldsOf(c: ChannelSummary): ChannelFields {
  const s = (k: string) => (typeof c.config[k] === 'string' ? (c.config[k] as string) : '');
  return {
    ...emptyFields(c.kind),
    id: c.id,
    name: c.name,
    url: s(c.kind === 'pagerduty' ? 'endpoint' : 'url'),
    host: s('host'),
    port: String(c.config.port ?? 587),
    allowPlain: c.config.allowPlain === true,
    user: s('user'),
    from: s('from'),
    to: Array.isArray(c.config.to) ? (c.config.to as string[]).join(', ') : '',
    connectorId: s('connectorId'),
    topic: s('topic'),
    payload: s('payload') || emptyFields().payload,
  };
}

/** what to call the secret field for this kind, or null when it has none */
export function secretLabel(kind: ChannelKind): string | null {
  if (kind === 'pagerduty') return 'Routing key (32 characters)';
  if (kind === 'webhook') return 'Signing secret (whsec_…)';
  if (kind === 'email') return 'Password';
  return null;
}

export function channelInput(f: ChannelFields): ChannelInput {
  const secret = f.secret.trim() || undefined;
  const base = { id: f.id.trim(), name: f.name.trim() };
  switch (f.kind) {
    case 'pagerduty':
      return { ...base, config: { kind: 'pagerduty', endpoint: f.url.trim(), routingKey: secret } };
    case 'webhook':
      return { ...base, config: { kind: 'webhook', url: f.url.trim(), secret } };
    case 'email':
      return {
        ...base,
        config: {
          kind: 'email',
          host: f.host.trim(),
          port: Number(f.port),
          allowPlain: f.allowPlain,
          user: f.user.trim() || undefined,
          password: secret,
          from: f.from.trim(),
          to: f.to
            .split(/[,\s]+/)
            .map((t) => t.trim())
            .filter(Boolean),
        },
      };
    case 'mqtt':
      return {
        ...base,
        config: {
          kind: 'mqtt',
          connectorId: f.connectorId.trim(),
          topic: f.topic.trim(),
          payload: f.payload,
        },
      };
  }
}
