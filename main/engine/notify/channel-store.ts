/**
 * Channels as saved: the config in notify_channels, its secret (routing key, signing secret,
 * SMTP password) sealed in the secret store and never returned. A save without the secret
 * keeps the stored one unless the destination changed, which asks for it again: whoever
 * can edit a channel must not be able to point a stored key at a server of their own.
 */
import type Database from 'better-sqlite3';
import {
  type ChannelConfig,
  type ChannelInput,
  ChannelSchema,
  type ChannelSummary,
} from '../../../common/notify-contract';
import { RpcError } from '../../../common/protocol';
import {
  changedDestination,
  type DestinationPart,
  reenterMessage,
  urlPart,
  valuePart,
} from '../secrets/secret-destination';
import type { SecretStore } from '../secrets/secret-store';
import { secretBytes } from './channels/webhook-signature';

export interface StoredChannel {
  id: string;
  name: string;
  enabled: boolean;
  config: ChannelConfig;
  lastResult: { at: number; ok: boolean; detail: string } | null;
}

const SECRET_FIELD = { pagerduty: 'routingKey', webhook: 'secret', email: 'password', mqtt: null } as const;
const SECRET_NAME = {
  pagerduty: 'routing key',
  webhook: 'signing secret',
  email: 'password',
  mqtt: '',
} as const;

const DESTINATION: Record<ChannelConfig['kind'], DestinationPart[]> = {
  pagerduty: [urlPart('endpoint', 'the endpoint')],
  webhook: [urlPart('url', 'the URL')],
  email: [
    valuePart('host', 'the SMTP host'),
    valuePart('port', 'the port'),
    valuePart('user', 'the user name'),
  ],
  mqtt: [],
};

interface Row {
  id: string;
  name: string;
  enabled: number;
  kind: string;
  config: string;
  last_at: number | null;
  last_ok: number | null;
  last_detail: string | null;
}

const secretName = (channelId: string) => `notify/${channelId}`;

export class ChannelStore {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly secrets: SecretStore,
  ) {
    this.s = {
      all: db.prepare<[], Row>('SELECT * FROM notify_channels ORDER BY name, id'),
      one: db.prepare<[string], Row>('SELECT * FROM notify_channels WHERE id = ?'),
      upsert: db.prepare(
        `INSERT INTO notify_channels (id, name, enabled, kind, config, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, kind = excluded.kind,
         config = excluded.config, updated_at = excluded.updated_at`,
      ),
      delete: db.prepare('DELETE FROM notify_channels WHERE id = ?'),
      result: db.prepare('UPDATE notify_channels SET last_at = ?, last_ok = ?, last_detail = ? WHERE id = ?'),
    };
  }

  list(): StoredChannel[] {
    return this.s.all.all().map(fromRow);
  }

  get(id: string): StoredChannel | undefined {
    const row = this.s.one.get(id);
    return row ? fromRow(row) : undefined;
  }

  /** the channel's secret, or undefined when it has none */
  secret(id: string): string | undefined {
    return this.secrets.get(secretName(id));
  }

  save(input: ChannelInput, now: number): StoredChannel {
    const channel = ChannelSchema.parse(input);
    const kind = channel.config.kind;
    const field = SECRET_FIELD[kind];
    const config = { ...channel.config } as Record<string, unknown>;
    const given = field ? (config[field] as string | undefined) : undefined;
    if (field) delete config[field];
    const before = this.get(channel.id);
    const hadSecret = this.secrets.has(secretName(channel.id));
    if (given !== undefined) checkSecret(kind, given);
    else if (field && secretRequired(channel.config)) {
      const changed =
        before && before.config.kind === kind
          ? changedDestination(DESTINATION[kind], before.config as Record<string, unknown>, config)
          : 'the channel type';
      if (!before || !hadSecret) throw invalid(`Enter the ${SECRET_NAME[kind]}: this channel needs one`);
      if (changed) throw invalid(reenterMessage(SECRET_NAME[kind], changed));
    }
    this.db.transaction(() => {
      this.s.upsert.run(channel.id, channel.name, channel.enabled ? 1 : 0, kind, JSON.stringify(config), now);
      if (given !== undefined) this.secrets.put(secretName(channel.id), given);
      else if (!field || !secretRequired(channel.config)) this.secrets.delete(secretName(channel.id));
    })();
    return this.get(channel.id) as StoredChannel;
  }

  delete(id: string): boolean {
    return this.db.transaction(() => {
      this.secrets.delete(secretName(id));
      return this.s.delete.run(id).changes > 0;
    })();
  }

  recordResult(id: string, at: number, ok: boolean, detail: string): void {
    this.s.result.run(at, ok ? 1 : 0, detail.slice(0, 500), id);
  }

  summary(channel: StoredChannel, counts: { pending: number; dead: number } | undefined): ChannelSummary {
    return {
      id: channel.id,
      name: channel.name,
      enabled: channel.enabled,
      kind: channel.config.kind,
      config: { ...channel.config },
      hasSecret: this.secrets.has(secretName(channel.id)),
      lastResult: channel.lastResult,
      pending: counts?.pending ?? 0,
      deadLetters: counts?.dead ?? 0,
    };
  }
}

/** an SMTP password only goes with a user name; the others always need their secret */
function secretRequired(config: ChannelConfig): boolean {
  if (config.kind === 'email') return !!config.user;
  return config.kind !== 'mqtt';
}

function checkSecret(kind: ChannelConfig['kind'], value: string): void {
  // PagerDuty integration keys are 32 characters (Events API v2, "routing_key")
  if (kind === 'pagerduty' && !/^[A-Za-z0-9]{32}$/.test(value)) {
    throw invalid('The routing key is the 32 letters and digits of the integration key');
  }
  if (kind === 'webhook') {
    try {
      secretBytes(value);
    } catch (error) {
      throw invalid((error as Error).message);
    }
  }
}

function invalid(message: string): RpcError {
  return new RpcError('INVALID_PARAMS', message);
}

function fromRow(r: Row): StoredChannel {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled === 1,
    config: { kind: r.kind, ...JSON.parse(r.config) } as ChannelConfig,
    lastResult:
      r.last_at === null ? null : { at: r.last_at, ok: r.last_ok === 1, detail: r.last_detail ?? '' },
  };
}
