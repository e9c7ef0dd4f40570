/**
 * Alarm notifications (issue 12): channels, the routing policy with grouping and escalation,
 * silences and mute windows, and the delivery outbox. Split from contract.ts by domain.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);
const duration = z
  .number()
  .int()
  .min(0)
  .max(30 * 86_400_000);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time like 22:00');
export const ChannelIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only');

/**
 * Secrets (routing keys, signing secrets, SMTP passwords) are write-only: given on save,
 * sealed in the secret store, and returned only as `hasSecret`. Omitted on a later save: kept,
 * unless the destination (URL, host) changed, which asks for it again.
 */
const secret = z.string().min(1).max(4096).optional();
const httpsUrl = z
  .string()
  .max(2048)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// URL');

export const ChannelConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('pagerduty'),
      /** Events API v2; the default is PagerDuty's own, other values for EU or a test endpoint */
      endpoint: httpsUrl.default('https://events.pagerduty.com/v2/enqueue'),
      /** the integration's 32-character routing key */
      routingKey: secret,
    })
    .strict(),
  z
    .object({
      /** Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature (v1, HMAC-SHA256) */
      kind: z.literal('webhook'),
      url: httpsUrl,
      /** `whsec_` + base64; generated when absent on the first save */
      secret,
    })
    .strict(),
  z
    .object({
      kind: z.literal('email'),
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65535).default(587),
      /** implicit TLS (465); otherwise STARTTLS is required unless `allowPlain` */
      secure: z.boolean().default(false),
      allowPlain: z.boolean().default(false),
      user: z.string().max(320).optional(),
      password: secret,
      from: z.string().email().max(320),
      to: z.array(z.string().email().max(320)).min(1).max(50),
    })
    .strict(),
  z
    .object({
      /** a stack light or siren: a publish through one of the engine's MQTT connectors */
      kind: z.literal('mqtt'),
      connectorId: id,
      topic: z.string().min(1).max(1024),
      /** filled in as the edge actions are: {{rule}} {{device}} {{severity}} {{state}} {{value}} */
      payload: z.string().max(16_384),
      qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
      retain: z.boolean().default(true),
    })
    .strict(),
]);
export type ChannelConfig = z.infer<typeof ChannelConfigSchema>;

export const ChannelSchema = z
  .object({
    id: ChannelIdSchema,
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean().default(true),
    config: ChannelConfigSchema,
  })
  .strict();
export type ChannelInput = z.input<typeof ChannelSchema>;

export const ChannelSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  kind: z.enum(['pagerduty', 'webhook', 'email', 'mqtt']),
  /** the config without its secret */
  config: z.record(z.string(), z.unknown()),
  hasSecret: z.boolean(),
  /** last delivery attempt */
  lastResult: z.object({ at: timestamp, ok: z.boolean(), detail: z.string() }).nullable(),
  pending: z.number().int().nonnegative(),
  deadLetters: z.number().int().nonnegative(),
});
export type ChannelSummary = z.infer<typeof ChannelSummarySchema>;

/** label matchers as in Alertmanager: `=`, `!=`, `=~` (RE2-safe: anchored, bounded) */
export const MatcherSchema = z
  .object({
    label: z.string().min(1).max(64),
    op: z.enum(['=', '!=', '=~']),
    value: z.string().max(200),
  })
  .strict();

export const EscalationSchema = z
  .object({
    stages: z
      .array(
        z
          .object({
            channels: z.array(ChannelIdSchema).min(1).max(10),
            /** no ack within this long: the next stage */
            ackTimeoutMs: duration.min(60_000),
          })
          .strict(),
      )
      .min(1)
      .max(5),
    /** the whole chain again this many times before it gives up */
    repeats: z.number().int().min(0).max(10).default(0),
  })
  .strict();

export const RouteSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    matchers: z.array(MatcherSchema).max(10).default([]),
    channels: z.array(ChannelIdSchema).max(10).default([]),
    escalation: EscalationSchema.optional(),
    /** labels an alert is grouped by (`rule`, `device`, `site`, `severity` or a rule label) */
    groupBy: z.array(z.string().max(64)).max(10).default(['rule']),
    groupWaitMs: duration.default(30_000),
    groupIntervalMs: duration.default(5 * 60_000),
    repeatIntervalMs: duration.default(4 * 3_600_000),
    /** minimum severity sent on this route */
    minSeverity: z.enum(['info', 'warning', 'high', 'critical']).default('info'),
    /** keep matching the routes after this one */
    continue: z.boolean().default(false),
  })
  .strict();

export const PolicySchema = z
  .object({
    routes: z.array(RouteSchema).max(50),
    /** when no route matches; empty: the app's own banner and desktop notifications only */
    defaultChannels: z.array(ChannelIdSchema).max(10).default([]),
    /** more than `alarms` raised within `windowMs`: flood mode (highest priority pages, the rest in one digest) */
    flood: z
      .object({ alarms: z.number().int().min(2).max(1000).default(10), windowMs: duration.default(600_000) })
      .strict()
      .default({ alarms: 10, windowMs: 600_000 }),
    /** IANA zone the mute windows are read in, e.g. Europe/Berlin */
    siteTimeZone: z.string().max(64).default('UTC'),
  })
  .strict();
export type Policy = z.output<typeof PolicySchema>;

const SilenceFields = z
  .object({
    id: z.string().max(64).optional(),
    matchers: z.array(MatcherSchema).min(1).max(10),
    startsAt: timestamp,
    endsAt: timestamp,
    comment: z.string().trim().min(1).max(1000),
  })
  .strict();
export const SilenceSchema = SilenceFields.refine(
  (s) => s.endsAt > s.startsAt,
  'a silence must end after it starts',
);

export const MuteWindowSchema = z
  .object({
    id: z.string().max(64).optional(),
    name: z.string().trim().min(1).max(200),
    matchers: z.array(MatcherSchema).max(10).default([]),
    /** 0 = Sunday … 6 = Saturday, in the site's time zone */
    weekdays: z.array(z.number().int().min(0).max(6)).min(1).max(7),
    start: hhmm,
    end: hhmm,
  })
  .strict();

export const DeliverySchema = z.object({
  id: z.number().int(),
  channelId: z.string(),
  dedupKey: z.string(),
  /** trigger, acknowledge, resolve, digest, test */
  kind: z.string(),
  status: z.enum(['pending', 'sent', 'dead']),
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: timestamp.nullable(),
  lastError: z.string().nullable(),
  createdAt: timestamp,
});
export type Delivery = z.infer<typeof DeliverySchema>;

const ok = z.object({});

export const notifyRequests = {
  'notify.channels.list': { params: z.object({}).strict().optional(), result: z.array(ChannelSummarySchema) },
  'notify.channels.save': {
    params: z.object({ channel: ChannelSchema }).strict(),
    result: ChannelSummarySchema,
  },
  'notify.channels.delete': { params: z.object({ channelId: ChannelIdSchema }).strict(), result: ok },
  /** sends a test message now, outside grouping and silences; the answer is the endpoint's */
  'notify.channels.test': {
    params: z.object({ channelId: ChannelIdSchema }).strict(),
    result: z.object({ ok: z.boolean(), detail: z.string() }),
  },
  'notify.policy.get': { params: z.object({}).strict().optional(), result: PolicySchema },
  'notify.policy.save': { params: z.object({ policy: PolicySchema }).strict(), result: PolicySchema },
  'notify.silences.list': {
    params: z.object({}).strict().optional(),
    result: z.array(SilenceFields.extend({ id: z.string(), createdBy: z.string() })),
  },
  'notify.silences.save': {
    params: z.object({ silence: SilenceSchema }).strict(),
    result: z.object({ id: z.string() }),
  },
  'notify.silences.delete': { params: z.object({ id: z.string().max(64) }).strict(), result: ok },
  'notify.muteWindows.list': {
    params: z.object({}).strict().optional(),
    result: z.array(MuteWindowSchema.extend({ id: z.string() })),
  },
  'notify.muteWindows.save': {
    params: z.object({ window: MuteWindowSchema }).strict(),
    result: z.object({ id: z.string() }),
  },
  'notify.muteWindows.delete': { params: z.object({ id: z.string().max(64) }).strict(), result: ok },
  'notify.deliveries.list': {
    params: z
      .object({
        status: z.enum(['pending', 'sent', 'dead']).optional(),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    result: z.array(DeliverySchema),
  },
  /** a dead letter back into the queue */
  'notify.deliveries.retry': {
    params: z.object({ ids: z.array(z.number().int()).min(1).max(1000) }).strict(),
    result: ok,
  },
} as const;

export const DesktopNoticeSchema = z.object({
  dedupKey: z.string(),
  title: z.string(),
  body: z.string(),
  severity: z.enum(['info', 'warning', 'high', 'critical']).nullable(),
  at: timestamp,
});
export type DesktopNotice = z.infer<typeof DesktopNoticeSchema>;

export const notifyStreams = {
  /**
   * the app's own channel: one event per alarm raised that is not silenced, muted or folded
   * into a flood digest; the renderer shows it as a desktop notification
   */
  'notify.desktop': { params: z.object({}).strict().optional(), data: DesktopNoticeSchema },
} as const;
