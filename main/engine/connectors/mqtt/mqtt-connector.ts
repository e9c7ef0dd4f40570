/**
 * The MQTT connector: mqtt.js (MQTT 5 by default) over mqtt, mqtts, ws or wss, with
 * server-verified TLS and mutual TLS. Two wire formats: JSON or bare values on topics
 * matched by templates such as `plant/{site}/{deviceId}/{metric}` (decoders/mqtt-payload.ts:
 * one reading per field, or as the subscription's payload mapping says), and Sparkplug B. Reconnects by itself with capped exponential backoff; a persistent
 * session (clean: false) gets the QoS 1/2 messages queued while it was away, and the
 * store drops the ones it already has by (series, device time) and seq.
 *
 * Readings from one turn of the event loop go to the sink as one batch. A bounded topic
 * table (count, last payload preview, last time) is kept for a topic browser.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { z } from 'zod';
import type { ConnectorStatus } from '../../../../common/contract';
import { type PayloadMapping, PayloadMappingSchema } from '../../../../common/payload-mapping';
import type { Reading } from '../../../../common/reading';
import { compileTopicTemplate, type TopicTemplate } from '../../decoders/topic-template';
import type { Logger } from '../../log';
import type { Connector, ConnectorSink } from '../connector';
import { SPARKPLUG_NAMESPACE } from './sparkplug';
import { SparkplugSession } from './sparkplug-session';
import { stateTopicFilter } from './sparkplug-state';
import { MappedUnits, templateReadings } from './template-readings';
import { type BrowseListener, openBrowseClient, type TopicBrowsable } from './topic-browser';

const TopicTemplateConfigSchema = z
  .object({
    /** e.g. `plant/{site}/{deviceId}/{metric}`; {deviceId} is required, {metric} defaults to "value" */
    topicTemplate: z.string().min(1).max(1000),
    /** placeholders pinned to one value; they narrow the subscription filter too */
    fixed: z.record(z.string(), z.string().min(1)).optional(),
    /** which JSON fields become which metrics; without it every numeric or boolean field does */
    payload: PayloadMappingSchema.optional(),
  })
  .strict();

export const MqttConnectorConfigSchema = z
  .object({
    id: z.string().min(1).max(200),
    label: z.string().max(200).optional(),
    url: z
      .string()
      .url()
      .refine((u) => /^(mqtts?|wss?):\/\//i.test(u), {
        message: 'url must be mqtt://, mqtts://, ws:// or wss://',
      }),
    username: z.string().optional(),
    password: z.string().optional(),
    /** PEM text of the CA that signed the broker's certificate */
    ca: z.string().optional(),
    /** PEM client certificate and key, for mutual TLS */
    cert: z.string().optional(),
    key: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
    clientId: z.string().min(1).max(256).optional(),
    clean: z.boolean().default(true),
    /** MQTT 5 session expiry; with clean: false it defaults to one hour */
    sessionExpirySec: z.number().int().min(0).max(0xffffffff).optional(),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
    subscriptions: z.array(TopicTemplateConfigSchema).max(1000).default([]),
    /**
     * where device writes go over plain MQTT (edge actions), e.g. `plant/{deviceId}/{metric}/set`;
     * the payload is the bare value, as Homie's `/set` topics take it
     */
    commandTopic: z
      .string()
      .min(1)
      .max(1000)
      .refine((t) => t.includes('{deviceId}') && !/[+#]/.test(t) && !t.includes('\u0000'), {
        message: 'commandTopic needs {deviceId} and no + # wildcards',
      })
      .optional(),
    sparkplug: z
      .object({
        groupId: z.string().min(1).optional(),
        /** how long a seq gap or DATA before BIRTH may wait for the late message before a rebirth request */
        reorderTimeoutMs: z.number().int().min(10).max(60_000).default(2000),
        /** at most one rebirth request per edge node this often */
        rebirthIntervalMs: z.number().int().min(10).max(3_600_000).default(10_000),
      })
      .strict()
      .optional(),
    protocolVersion: z.union([z.literal(3), z.literal(4), z.literal(5)]).default(5),
    /** MQTT 5 shared subscription group: several Fieldline hosts split one stream ($share/<group>/...) */
    shareGroup: z
      .string()
      .regex(/^[^/+#$]{1,64}$/, 'a share group name has no / + # or $')
      .optional(),
    /** MQTT 5: how many topic aliases the broker may use towards us (saves bandwidth on long topics) */
    topicAliasMaximum: z.number().int().min(0).max(65535).default(64),
    /** MQTT 5 user properties sent on CONNECT (e.g. site or installation ids the broker logs) */
    userProperties: z.record(z.string().max(256), z.string().max(1024)).optional(),
    /** first reconnect delay; doubles after every failed attempt up to reconnectMaxMs */
    reconnectMinMs: z.number().int().min(10).max(600_000).default(1000),
    reconnectMaxMs: z.number().int().min(10).max(600_000).default(30_000),
    connectTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    keepaliveSec: z.number().int().min(0).max(65535).default(30),
  })
  .strict()
  .refine((c) => c.subscriptions.length > 0 || c.sparkplug !== undefined, {
    message: 'give at least one topic template subscription or sparkplug',
  })
  .refine((c) => (c.cert === undefined) === (c.key === undefined), {
    message: 'cert and key go together',
  });

export type MqttConnectorConfig = z.input<typeof MqttConnectorConfigSchema>;
type ParsedConfig = z.output<typeof MqttConnectorConfigSchema>;

export const MAX_TOPICS = 10_000;
export const PREVIEW_BYTES = 256;
/** readings are handed to the sink at this batch size at the latest */
const MAX_PENDING = 5000;
/** counters are reported at most this often; state changes at once */
const STATUS_EVERY_MS = 500;

export interface TopicEntry {
  topic: string;
  messages: number;
  /** the last payload's first 256 bytes */
  preview: Uint8Array;
  /** size of the last payload in bytes */
  lastSize: number;
  /** host time of the last message, ms */
  lastAt: number;
}

export interface PublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export interface MqttConnector extends Connector, TopicBrowsable {
  /** the topic table, newest topics last; at most 10,000 */
  topics(): TopicEntry[];
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>;
  /** online state of a Sparkplug node (`group:edge`) or device (`group:edge:device`) */
  sparkplugOnline(deviceId: string): boolean | undefined;
  /** the datatype a Sparkplug BIRTH gave a metric; undefined without Sparkplug or such a BIRTH */
  sparkplugBirthMetric(deviceId: string, metric: string): { datatype: number | undefined } | undefined;
  /** the plain-MQTT command topic for a device's metric, when the config names one */
  commandTopic(deviceId: string, metric: string): string | undefined;
}

interface MutableTopic {
  messages: number;
  preview: Buffer;
  lastSize: number;
  lastAt: number;
}

export function createMqttConnector(
  config: MqttConnectorConfig,
  sink: ConnectorSink,
  log: Logger,
): MqttConnector {
  const parsed: ParsedConfig = MqttConnectorConfigSchema.parse(config);
  return new MqttConnectorImpl(parsed, sink, log);
}

class MqttConnectorImpl implements MqttConnector {
  readonly id: string;
  private client: MqttClient | undefined;
  private readonly templates: TopicTemplate[];
  private readonly sparkplug: SparkplugSession | undefined;
  private readonly mappings: (PayloadMapping | undefined)[];
  private readonly units: MappedUnits;
  private readonly topicTable = new Map<string, MutableTopic>();
  private readonly devices = new Set<string>();
  private pending: Reading[] = [];
  private flushScheduled = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private statusDirty = false;
  private reconnectDelay: number;
  private readonly statusValue: ConnectorStatus;
  /** the connection options, for the topic browser's own client */
  private browseOptions: IClientOptions | undefined;

  constructor(
    private readonly config: ParsedConfig,
    private readonly sink: ConnectorSink,
    private readonly log: Logger,
  ) {
    this.id = config.id;
    this.templates = config.subscriptions.map((s) => compileTopicTemplate(s.topicTemplate, s.fixed ?? {}));
    this.mappings = config.subscriptions.map((s) => s.payload);
    // Sparkplug metrics share the connector's names, so its units are never guessed from mappings
    this.units = new MappedUnits(config.sparkplug ? [undefined] : this.mappings);
    if (config.sparkplug) this.sparkplug = this.sparkplugSession(config.sparkplug);
    this.reconnectDelay = config.reconnectMinMs;
    this.statusValue = {
      id: config.id,
      kind: 'mqtt',
      label: config.label ?? config.id,
      state: 'disconnected',
      detail: safeUrl(config.url),
      devices: 0,
      messagesIn: 0,
      readingsIn: 0,
      decodeErrors: 0,
      lastError: null,
      since: Date.now(),
    };
  }

  status(): ConnectorStatus {
    return { ...this.statusValue };
  }

  start(): void {
    if (this.client) return;
    const c = this.config;
    const options: IClientOptions = {
      protocolVersion: c.protocolVersion,
      clean: c.clean,
      clientId: c.clientId ?? `fieldline-${c.id}-${Math.random().toString(16).slice(2, 10)}`,
      keepalive: c.keepaliveSec,
      connectTimeout: c.connectTimeoutMs,
      reconnectPeriod: c.reconnectMinMs,
      // the 'connect' handler subscribes every time and reports 'connected' on the SUBACK;
      // mqtt.js's own resubscribe would send the SUBSCRIBE first and turn ours into a no-op
      // whose callback fires at once, i.e. 'connected' before the broker routes anything to us
      resubscribe: false,
      rejectUnauthorized: c.rejectUnauthorized,
      // a 64 MiB payload from a hostile publisher must not take the process down
      properties:
        c.protocolVersion === 5
          ? {
              maximumPacketSize: 16 * 1024 * 1024,
              topicAliasMaximum: c.topicAliasMaximum,
              ...(c.userProperties ? { userProperties: c.userProperties } : {}),
              ...(c.sessionExpirySec !== undefined || !c.clean
                ? { sessionExpiryInterval: c.sessionExpirySec ?? 3600 }
                : {}),
            }
          : undefined,
    };
    if (c.username !== undefined) options.username = c.username;
    if (c.password !== undefined) options.password = c.password;
    if (c.ca !== undefined) options.ca = c.ca;
    if (c.cert !== undefined) options.cert = c.cert;
    if (c.key !== undefined) options.key = c.key;
    this.browseOptions = { ...options };
    this.setState('connecting', `connecting to ${safeUrl(c.url)}`);
    const client = mqtt.connect(c.url, options);
    this.client = client;
    client.on('connect', (connack) => {
      this.reconnectDelay = c.reconnectMinMs;
      client.options.reconnectPeriod = c.reconnectMinMs;
      // connected once the subscriptions are granted, so nothing published after it is missed
      this.subscribe(client, `${safeUrl(c.url)}${connack.sessionPresent ? ' (session resumed)' : ''}`);
    });
    client.on('reconnect', () => this.setState('connecting', `reconnecting to ${safeUrl(c.url)}`));
    client.on('close', () => {
      if (this.client !== client) return;
      // capped exponential backoff: mqtt.js reads reconnectPeriod each time it schedules
      client.options.reconnectPeriod = this.reconnectDelay;
      const wait = this.reconnectDelay;
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, c.reconnectMaxMs);
      const s = this.statusValue;
      if (s.state === 'error') this.setState('error', `${s.lastError ?? 'error'}; retrying in ${wait} ms`);
      else this.setState('disconnected', `retrying in ${wait} ms`);
    });
    client.on('error', (error) => {
      const message = error.message || String(error);
      this.statusValue.lastError = message;
      this.log.warn('mqtt error', { connector: this.id, error: message });
      this.setState('error', message);
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.flush();
    this.sparkplug?.stop();
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    if (client) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          client.end(true, () => resolve());
        }, 2000);
        client.end(false, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.setState('disconnected', 'stopped');
  }

  topics(): TopicEntry[] {
    const out: TopicEntry[] = [];
    for (const [topic, t] of this.topicTable) {
      // a copy: the table reuses its preview buffers
      out.push({
        topic,
        messages: t.messages,
        preview: Buffer.from(t.preview),
        lastSize: t.lastSize,
        lastAt: t.lastAt,
      });
    }
    return out;
  }

  async publish(topic: string, payload: string | Uint8Array, options: PublishOptions = {}): Promise<void> {
    const client = this.client;
    if (!client) throw new Error(`connector ${this.id} is not started`);
    await client.publishAsync(topic, typeof payload === 'string' ? payload : Buffer.from(payload), {
      qos: options.qos ?? this.config.qos,
      retain: options.retain ?? false,
    });
  }

  sparkplugOnline(deviceId: string): boolean | undefined {
    return this.sparkplug?.tracker.isOnline(deviceId);
  }

  sparkplugBirthMetric(deviceId: string, metric: string): { datatype: number | undefined } | undefined {
    return this.sparkplug?.tracker.birthMetric(deviceId, metric);
  }

  commandTopic(deviceId: string, metric: string): string | undefined {
    return this.config.commandTopic?.replaceAll('{deviceId}', deviceId).replaceAll('{metric}', metric);
  }

  metricUnit(deviceId: string, metric: string): string | undefined {
    return this.units.get(deviceId, metric);
  }

  browse(filter: string, listener: BrowseListener): () => void {
    if (!this.browseOptions) throw new Error(`connector ${this.id} is not started`);
    return openBrowseClient(this.config.url, this.browseOptions, filter, listener);
  }

  ownFilters(): string[] {
    const filters = this.templates.map((t) => t.filter);
    if (this.config.sparkplug)
      filters.push(`${SPARKPLUG_NAMESPACE}/${this.config.sparkplug.groupId ?? '+'}/#`);
    return filters;
  }

  async clearRetained(topic: string): Promise<void> {
    await this.publish(topic, new Uint8Array(0), { qos: 1, retain: true });
  }

  private subscribe(client: MqttClient, detail: string): void {
    const filters: Record<string, { qos: 0 | 1 | 2 }> = {};
    // a shared subscription delivers messages under their own topic, so matching is unchanged
    const share = this.config.shareGroup ? `$share/${this.config.shareGroup}/` : '';
    for (const t of this.templates) filters[`${share}${t.filter}`] = { qos: this.config.qos };
    if (this.config.sparkplug) {
      filters[`${share}${SPARKPLUG_NAMESPACE}/${this.config.sparkplug.groupId ?? '+'}/#`] = {
        qos: this.config.qos,
      };
      // host applications' STATE, never shared: every Fieldline host should know it
      // (spBv1.0/+/# already covers it when no group is pinned and nothing is shared)
      if (this.config.sparkplug.groupId || share) filters[stateTopicFilter()] = { qos: this.config.qos };
    }
    client.subscribe(filters, (error, granted) => {
      if (this.client !== client) return;
      const refused = (granted ?? []).filter((g) => g.qos > 2).map((g) => g.topic);
      if (error || refused.length > 0) {
        this.statusValue.lastError = `subscribe failed: ${error ? error.message : `refused ${refused.join(', ')}`}`;
        this.setState('error', this.statusValue.lastError);
        return;
      }
      this.setState('connected', detail);
    });
  }

  /** The hot path: one call per message. */
  private onMessage(topic: string, payload: Buffer): void {
    const now = Date.now();
    this.statusValue.messagesIn++;
    try {
      this.remember(topic, payload, now);
      this.decode(topic, payload, now);
    } catch (error) {
      // the decoders do not throw; this is the last line of defence for the client's stream
      this.decodeError(`${topic}: ${(error as Error)?.message ?? String(error)}`);
    }
    this.statusDirty = true;
    this.scheduleFlush();
  }

  private decode(topic: string, payload: Buffer, now: number): void {
    const s = this.statusValue;
    if (this.sparkplug && topic.startsWith('spBv1.0/')) {
      this.onSparkplug(topic, payload, now);
    } else {
      let matched = false;
      for (let i = 0; i < this.templates.length; i++) {
        const m = this.templates[i]!.match(topic);
        if (m === null) continue;
        matched = true;
        const decoded = templateReadings(m, payload, now, this.id, this.mappings[i], this.units);
        if ('error' in decoded) {
          this.decodeError(`${topic}: ${decoded.error}`);
        } else {
          this.see(decoded.deviceId, 'mqtt device');
          for (const r of decoded.readings) this.pending.push(r);
          s.readingsIn += decoded.readings.length;
        }
        break;
      }
      if (!matched) this.decodeError(`${topic}: no template matches`);
    }
  }

  private onSparkplug(topic: string, payload: Buffer, now: number): void {
    const event = this.sparkplug!.handle(topic, payload, now);
    for (const id of event.discovered) this.see(id, 'sparkplug device');
    for (const e of event.errors) this.decodeError(e);
    for (const r of event.readings) this.pending.push(r);
    this.statusValue.readingsIn += event.readings.length;
    if (event.changed) this.sparkplugDetail();
  }

  private sparkplugSession(config: NonNullable<ParsedConfig['sparkplug']>): SparkplugSession {
    return new SparkplugSession(
      {
        source: this.id,
        reorderTimeoutMs: config.reorderTimeoutMs,
        rebirthIntervalMs: config.rebirthIntervalMs,
      },
      {
        publish: (topic, body) => {
          this.client?.publish(topic, Buffer.from(body), { qos: 0, retain: false });
        },
        error: (message) => this.decodeError(message),
        changed: () => {
          this.sparkplugDetail();
          this.statusDirty = true;
          this.flush();
        },
      },
    );
  }

  private sparkplugDetail(): void {
    if (this.statusValue.state !== 'connected') return;
    this.statusValue.detail = `${this.sparkplug!.detail()}; ${safeUrl(this.config.url)}`;
  }

  private see(deviceId: string, kind: string): void {
    if (this.devices.has(deviceId)) return;
    this.devices.add(deviceId);
    this.statusValue.devices = this.devices.size;
    // readings of a device go after its announcement: flush what is pending first
    this.flush();
    this.sink.deviceSeen({
      id: deviceId,
      name: deviceId,
      kind,
      profile: '',
      transport: 'mqtt',
      connectorId: this.id,
    });
  }

  private decodeError(message: string): void {
    const s = this.statusValue;
    s.decodeErrors++;
    s.lastError = message.length > 300 ? `${message.slice(0, 300)}…` : message;
    if (s.decodeErrors <= 10 || s.decodeErrors % 1000 === 0) {
      this.log.warn('mqtt decode error', { connector: this.id, error: s.lastError, count: s.decodeErrors });
    }
  }

  private remember(topic: string, payload: Buffer, now: number): void {
    let t = this.topicTable.get(topic);
    if (t === undefined) {
      if (this.topicTable.size >= MAX_TOPICS) {
        // the oldest topic seen goes first
        const oldest = this.topicTable.keys().next().value;
        if (oldest !== undefined) this.topicTable.delete(oldest);
      }
      t = { messages: 0, preview: EMPTY, lastSize: 0, lastAt: 0 };
      this.topicTable.set(topic, t);
    }
    t.messages++;
    t.lastSize = payload.length;
    t.lastAt = now;
    // copy, so the table never pins a socket chunk or a huge payload
    const n = Math.min(payload.length, PREVIEW_BYTES);
    if (t.preview.length !== n) t.preview = Buffer.allocUnsafeSlow(n);
    payload.copy(t.preview, 0, 0, n);
  }

  private scheduleFlush(): void {
    if (this.pending.length >= MAX_PENDING) {
      this.flush();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        this.sink.readings(batch);
      } catch (error) {
        this.log.error('sink rejected a batch', { connector: this.id, error: (error as Error).message });
      }
    }
    if (this.statusDirty && !this.statusTimer) {
      this.statusTimer = setTimeout(() => {
        this.statusTimer = undefined;
        if (!this.statusDirty) return;
        this.statusDirty = false;
        this.sink.statusChanged(this.status());
      }, STATUS_EVERY_MS);
      this.statusTimer.unref?.();
    }
  }

  private setState(state: ConnectorStatus['state'], detail: string): void {
    const s = this.statusValue;
    if (s.state !== state) s.since = Date.now();
    s.state = state;
    if (!(this.sparkplug && state === 'connected')) s.detail = detail;
    else this.sparkplugDetail();
    this.statusDirty = false;
    this.sink.statusChanged(this.status());
  }
}

const EMPTY = Buffer.alloc(0);

/** The URL without any password in it, for status and logs. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'invalid url';
  }
}
