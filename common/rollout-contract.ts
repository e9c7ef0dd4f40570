/**
 * Fleet rollouts (issue 11): a campaign sends one firmware to the devices a filter picks,
 * wave by wave, and stops and rolls back by itself when a wave goes bad. Split from
 * contract.ts by domain; contract.ts merges every domain into one contract.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
/** also a job id and part of MQTT topics: no dots, slashes or wildcards */
const campaignId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only');
const timestamp = z.number().int().min(0).max(8.64e15);

/** in the order a healthy update walks them; the ones after `verifying` are final */
export const ROLLOUT_DEVICE_STATES = [
  'pending',
  'notified',
  'downloading',
  'installing',
  'rebooting',
  'verifying',
  'succeeded',
  'failed',
  'timed_out',
  'rejected',
  'incompatible',
  'already_installed',
  'rolled_back',
] as const;
export type RolloutDeviceState = (typeof ROLLOUT_DEVICE_STATES)[number];

export const CAMPAIGN_STATES = [
  'running',
  'paused',
  'halted',
  'completed',
  'aborted',
  'rolled_back',
] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time like 22:00');

export const CampaignConfigSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    firmware: z
      .object({
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the image SHA-256, 64 lowercase hex digits'),
        version: z.string().min(1).max(64),
      })
      .strict(),
    filter: z
      .object({
        site: z.string().max(200).optional(),
        profile: z.string().max(200).optional(),
        tag: z.string().max(64).optional(),
        /** only devices that report this version now */
        currentVersion: z.string().max(64).optional(),
      })
      .strict()
      .default({}),
    /**
     * send the job also to devices whose hardware, or the image's, is not known (the operator's
     * audited override); otherwise they are marked incompatible like devices of another model
     */
    allowUnknownTarget: z.boolean().default(false),
    /** cumulative share of the fleet reached by the end of each wave, rising, ending at 100 */
    waves: z
      .array(z.number().gt(0).max(100))
      .min(1)
      .max(20)
      .default([1, 10, 50, 100])
      .refine((w) => w.every((p, i) => i === 0 || p > (w[i - 1] ?? 0)), 'waves must rise')
      .refine((w) => w.at(-1) === 100, 'the last wave must reach 100 %'),
    /** daily UTC window in which a new wave may start; absent: any time */
    maintenanceWindow: z.object({ start: hhmm, end: hhmm }).strict().nullable().default(null),
    /** share of a wave's eligible devices that must succeed before the next wave starts */
    successThresholdPct: z.number().min(0).max(100).default(90),
    failureThreshold: z
      .object({
        /** stop once this many devices failed, timed out or rejected the update */
        count: z.number().int().min(1).max(1_000_000).default(5),
        /** or once this share of the devices that finished failed... */
        pct: z.number().gt(0).max(100).default(20),
        /** ...counted only after this many finished */
        minExecuted: z.number().int().min(1).max(1_000_000).default(1),
      })
      .strict()
      .default({ count: 5, pct: 20, minExecuted: 1 }),
    /** after the device confirms, how long to wait for its heartbeat on the new version */
    soakMs: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400_000)
      .default(10 * 60_000),
    /** from notification to the device's confirmation */
    deviceTimeoutMs: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400_000)
      .default(30 * 60_000),
  })
  .strict();
export type CampaignConfig = z.output<typeof CampaignConfigSchema>;
export type CampaignConfigInput = z.input<typeof CampaignConfigSchema>;

export const WavePreviewSchema = z.object({
  wave: z.number().int().nonnegative(),
  /** cumulative % reached at its end */
  pct: z.number(),
  deviceIds: z.array(z.string()),
});

export const RolloutPreviewSchema = z.object({
  /** pass back to rollouts.create so the campaign keeps exactly this order */
  campaignId,
  waves: z.array(WavePreviewSchema),
  total: z.number().int().nonnegative(),
});

export const RolloutDeviceSchema = z.object({
  deviceId: z.string(),
  wave: z.number().int().nonnegative(),
  state: z.enum(ROLLOUT_DEVICE_STATES),
  /** why it failed, was rejected, or what the rollback did */
  reason: z.string().nullable(),
  fromVersion: z.string().nullable(),
  /** a rollback job was sent: pending until the device reports back */
  rollback: z.enum(['pending', 'started', 'done', 'failed']).nullable(),
  updatedAt: timestamp,
});

export const WaveSummarySchema = z.object({
  wave: z.number().int().nonnegative(),
  pct: z.number(),
  size: z.number().int().nonnegative(),
  counts: z.record(z.string(), z.number().int().nonnegative()),
  status: z.enum(['waiting', 'running', 'done', 'halted']),
});

export const CampaignSummarySchema = z.object({
  id,
  name: z.string(),
  state: z.enum(CAMPAIGN_STATES),
  /** why it halted, was aborted or rolled back; what it waits for while running */
  reason: z.string().nullable(),
  firmware: z.object({ sha256: z.string(), version: z.string() }),
  /** the last wave started; -1 before the first */
  currentWave: z.number().int().min(-1),
  waves: z.array(WaveSummarySchema),
  total: z.number().int().nonnegative(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type CampaignSummary = z.infer<typeof CampaignSummarySchema>;

export const CampaignDetailSchema = CampaignSummarySchema.extend({
  config: CampaignConfigSchema,
  devices: z.array(RolloutDeviceSchema),
});
export type CampaignDetail = z.infer<typeof CampaignDetailSchema>;

export const RolloutSettingsSchema = z.object({
  /** the plant broker devices take jobs from; null: none set, rollouts cannot start */
  brokerUrl: z.string().nullable(),
  connected: z.boolean(),
  error: z.string().nullable(),
  /** demo mode: the demo site's job broker is used while no broker is set, with these images */
  demoImages: z.array(z.object({ label: z.string(), sha256: z.string(), version: z.string() })),
  /** HTTPS image delivery (mutual TLS with the project CA); null: off, devices fetch over MQTT */
  imageServer: z
    .object({
      host: z.string(),
      port: z.number(),
      /** where devices fetch images, `https://host:port/firmware/`; null while it is not serving */
      url: z.string().nullable(),
      error: z.string().nullable(),
    })
    .nullable(),
});

export type RolloutSettings = z.infer<typeof RolloutSettingsSchema>;

/** the plant-network address devices reach the engine on: an IPv4/IPv6 address or a DNS name */
export const ImageServerConfigSchema = z
  .object({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:-]+$/, 'an IP address or a DNS name')
      // the address also goes into the job documents and the certificate: it must be one devices can reach
      .refine((h) => h !== '0.0.0.0' && h !== '::', 'the address devices reach, not a wildcard'),
    port: z.number().int().min(1).max(65535),
  })
  .strict();
export type ImageServerConfig = z.infer<typeof ImageServerConfigSchema>;

const campaignRef = z.object({ campaignId: id }).strict();
const withReason = z.object({ campaignId: id, reason: z.string().max(500).optional() }).strict();

export const rolloutRequests = {
  'rollouts.settings': { params: z.object({}).strict().optional(), result: RolloutSettingsSchema },
  /** where the job service connects (mqtt:// or mqtts://); null stops it */
  'rollouts.configure': {
    params: z
      .object({
        brokerUrl: z
          .string()
          .max(2048)
          .refine((u) => /^mqtts?:\/\//i.test(u) && URL.canParse(u), 'an mqtt:// or mqtts:// URL')
          .nullable(),
        /** serve images over HTTPS on this address; null turns it off; absent keeps the current one */
        imageServer: ImageServerConfigSchema.nullable().optional(),
      })
      .strict(),
    result: RolloutSettingsSchema,
  },
  /** which devices the filter picks and the wave each falls in, without creating anything */
  'rollouts.preview': {
    params: z.object({ config: CampaignConfigSchema }).strict(),
    result: RolloutPreviewSchema,
  },
  /** starts the campaign at once (its first wave waits for the maintenance window, if any) */
  'rollouts.create': {
    params: z.object({ config: CampaignConfigSchema, campaignId: campaignId.optional() }).strict(),
    result: CampaignDetailSchema,
  },
  'rollouts.list': { params: z.object({}).strict().optional(), result: z.array(CampaignSummarySchema) },
  'rollouts.get': { params: campaignRef, result: CampaignDetailSchema },
  'rollouts.pause': { params: withReason, result: CampaignDetailSchema },
  'rollouts.resume': { params: campaignRef, result: CampaignDetailSchema },
  /** no new device is notified; devices mid-update finish and are reported */
  'rollouts.abort': { params: withReason, result: CampaignDetailSchema },
  /** every device the campaign touched is sent back to the version it had before */
  'rollouts.rollback': { params: withReason, result: CampaignDetailSchema },
} as const;

export const rolloutStreams = {
  /** campaigns whose state changed, at most every 500 ms */
  'rollouts.changed': { params: z.object({}).strict().optional(), data: z.array(CampaignSummarySchema) },
} as const;
