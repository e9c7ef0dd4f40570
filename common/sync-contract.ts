/**
 * Cloud sync: sinks (HTTPS batch POST, MQTT uplink) with their backlog and state, parked
 * batches, the bandwidth cap and metered mode, down-sync. Split from contract.ts by domain;
 * contract.ts merges every domain into one contract.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);
const pem = z.string().max(64 * 1024);
/** a secret field: the value when setting it, "<stored>" to keep the stored one, absent or "" for none */
const secret = z.string().max(64 * 1024);

export const SECRET_STORED = '<stored>';

export const HttpSinkConfigSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), 'an http:// or https:// URL'),
    /** sent as the Authorization header, e.g. "Bearer abc"; sealed at rest */
    authorization: secret.optional(),
    /** CA bundle (PEM) for a private cloud's certificate */
    caPem: pem.optional(),
    /** client certificate (PEM) for mutual TLS */
    certPem: pem.optional(),
    /** its private key (PEM); sealed at rest */
    keyPem: secret.optional(),
    timeoutMs: z.number().int().min(1000).max(600_000).optional(),
    /** down-sync base URL: GET {downUrl}/registry, /firmware, /settings (same auth and TLS) */
    downUrl: z
      .string()
      .max(2048)
      .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), 'an http:// or https:// URL')
      .optional(),
  })
  .strict();
export type HttpSinkConfig = z.infer<typeof HttpSinkConfigSchema>;

export const MqttSinkConfigSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .refine(
        (u) => /^(mqtts?|wss?):\/\//i.test(u) && URL.canParse(u),
        'an mqtt://, mqtts://, ws:// or wss:// URL',
      ),
    /** placeholders: {sink} (the sink id), {kind} (raw | rollup) */
    topic: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[^#+]*$/, 'no wildcards in a publish topic'),
    /**
     * when set, a batch counts as delivered only when the receiver's receipt arrives on this
     * topic (MQTT 5 response topic + correlation data), not on the broker's PUBACK: exactly-once
     * then holds even through a broker that loses messages when it restarts. Placeholder {sink}.
     */
    receiptTopic: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[^#+]*$/, 'no wildcards in a receipt topic')
      .optional(),
    /**
     * 'batch' (the default): one gzipped application/cloudevents-batch+json batch per message;
     * 'structured': each event its own message in the CloudEvents MQTT binding's structured
     * content mode (application/cloudevents+json), what receivers built on the official
     * CloudEvents SDKs read. Receipts need 'batch'.
     */
    contentMode: z.enum(['batch', 'structured']).optional(),
    /** how long to wait for the PUBACK (or the receipt) before sending the batch again */
    ackTimeoutMs: z.number().int().min(500).max(600_000).optional(),
    clientId: z.string().min(1).max(128).optional(),
    username: z.string().max(256).optional(),
    /** sealed at rest */
    password: secret.optional(),
    caPem: pem.optional(),
    certPem: pem.optional(),
    /** sealed at rest */
    keyPem: secret.optional(),
  })
  .strict();
export type MqttSinkConfig = z.infer<typeof MqttSinkConfigSchema>;

export const SinkKindSchema = z.enum(['http', 'mqtt']);
export type SinkKind = z.infer<typeof SinkKindSchema>;

export const SINK_SECRET_FIELDS = ['authorization', 'password', 'keyPem'] as const;

export const SinkStatusSchema = z.object({
  id,
  kind: SinkKindSchema,
  name: z.string(),
  enabled: z.boolean(),
  /** where it sends, without credentials */
  target: z.string(),
  connected: z.boolean(),
  state: z.enum(['idle', 'sending', 'backoff', 'throttled', 'disabled', 'stopped']),
  backlog: z.object({
    readings: z.number().int().nonnegative(),
    events: z.number().int().nonnegative(),
    /** folded outbox rows (1-minute rollups standing in for raw readings) still to send */
    rollups: z.number().int().nonnegative(),
    /** created_at of the oldest undelivered entry */
    oldestAt: timestamp.nullable(),
  }),
  delivered: z.object({
    batches: z.number().int().nonnegative(),
    readings: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
  }),
  readingsPerS: z.number().nonnegative(),
  bytesPerS: z.number().nonnegative(),
  retries: z.number().int().nonnegative(),
  lastError: z.object({ message: z.string(), status: z.number().int().nullable(), at: timestamp }).nullable(),
  lastSuccessAt: timestamp.nullable(),
  nextAttemptAt: timestamp.nullable(),
  parked: z.number().int().nonnegative(),
  /**
   * raw readings the outbox quota folded into 1-minute rollups before this sink sent them:
   * how many, their device-time range, when it last happened; null when none were
   */
  folded: z
    .object({
      readings: z.number().int().positive(),
      fromTs: timestamp,
      toTs: timestamp,
      at: timestamp,
    })
    .nullable(),
});
export type SinkStatus = z.infer<typeof SinkStatusSchema>;

export const ParkedBatchSchema = z.object({
  id: z.number().int().positive(),
  sinkId: id,
  firstSeq: z.number().int().nonnegative(),
  lastSeq: z.number().int().nonnegative(),
  idempotencyKey: z.string(),
  events: z.number().int().nonnegative(),
  readings: z.number().int().nonnegative(),
  status: z.number().int().nullable(),
  error: z.string(),
  parkedAt: timestamp,
  bytes: z.number().int().nonnegative(),
});
export type ParkedBatch = z.infer<typeof ParkedBatchSchema>;

export const SyncSettingsSchema = z.object({
  /** shared by every sink; null for no cap */
  bandwidthBytesPerS: z.number().int().min(1024).max(10_000_000_000).nullable(),
  /** send 1-minute rollups of the backlog first, raw readings after */
  metered: z.boolean(),
  /**
   * the most payload the outbox holds: past it, the oldest raw readings are folded into
   * 1-minute rollups that stay queued; events are never dropped. 16 MiB at least.
   */
  outboxQuotaBytes: z
    .number()
    .int()
    .min(16 * 1024 ** 2)
    .max(1024 ** 4),
});
export type SyncSettings = z.infer<typeof SyncSettingsSchema>;

/** The settings as the engine reports them, with what the outbox holds now. */
export const SyncSettingsStateSchema = SyncSettingsSchema.extend({
  /** payload bytes in the outbox (readings, rollups, events) */
  outboxBytes: z.number().int().nonnegative(),
});
export type SyncSettingsState = z.infer<typeof SyncSettingsStateSchema>;

export const DownResultSchema = z.object({
  sinkId: id,
  kind: z.enum(['registry', 'firmware', 'settings']),
  /** the ETag of the version now applied */
  version: z.string().nullable(),
  changed: z.boolean(),
  errors: z.array(z.string()),
});
export type DownResult = z.infer<typeof DownResultSchema>;

const sinkInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http'), config: HttpSinkConfigSchema }),
  z.object({ kind: z.literal('mqtt'), config: MqttSinkConfigSchema }),
]);

export const syncRequests = {
  'sync.sinks': { params: z.object({}).strict().optional(), result: z.array(SinkStatusSchema) },
  /** a sink's saved config for editing; secret fields read "<stored>", never their value */
  'sync.getSink': {
    params: z.object({ id }).strict(),
    result: z.object({
      id,
      kind: SinkKindSchema,
      name: z.string(),
      enabled: z.boolean(),
      config: z.record(z.string(), z.unknown()),
    }),
  },
  'sync.addSink': {
    params: z.intersection(
      sinkInput,
      z.object({ name: z.string().trim().min(1).max(100), enabled: z.boolean().default(true) }),
    ),
    result: SinkStatusSchema,
  },
  /** a secret given as "<stored>" keeps the stored value */
  'sync.updateSink': {
    params: z
      .object({
        id,
        name: z.string().trim().min(1).max(100).optional(),
        enabled: z.boolean().optional(),
        config: z.unknown().optional(),
      })
      .strict(),
    result: SinkStatusSchema,
  },
  'sync.removeSink': { params: z.object({ id }).strict(), result: z.object({ ok: z.boolean() }) },
  /** cut every wait short (backoff included, Retry-After excepted) and send now */
  'sync.now': {
    params: z.object({ id: id.optional() }).strict().optional(),
    result: z.object({ ok: z.boolean() }),
  },
  'sync.parked': {
    params: z.object({ sinkId: id.optional() }).strict().optional(),
    result: z.array(ParkedBatchSchema),
  },
  /** send a parked batch again as it was (same Idempotency-Key); unparked when the receiver takes it */
  'sync.retryParked': {
    params: z.object({ id: z.number().int().positive() }).strict(),
    result: z.object({ ok: z.boolean(), error: z.string().nullable() }),
  },
  'sync.discardParked': {
    params: z.object({ id: z.number().int().positive() }).strict(),
    result: z.object({ ok: z.boolean() }),
  },
  'sync.settings': { params: z.object({}).strict().optional(), result: SyncSettingsStateSchema },
  'sync.configure': { params: SyncSettingsSchema.partial().strict(), result: SyncSettingsStateSchema },
  /** fetch registry entries, firmware catalog and settings from every sink with a downUrl, now */
  'sync.pullDown': { params: z.object({}).strict().optional(), result: z.array(DownResultSchema) },
  /** the firmware catalog, settings and registry document as last applied */
  'sync.downDocs': {
    params: z.object({}).strict().optional(),
    result: z.array(
      z.object({
        kind: z.enum(['registry', 'firmware', 'settings']),
        version: z.string(),
        appliedAt: timestamp,
        data: z.unknown(),
      }),
    ),
  },
} as const;

export const syncStreams = {
  /** every sink's status, once a second while subscribed */
  'sync.changed': { params: z.object({}).strict().optional(), data: z.array(SinkStatusSchema) },
} as const;
