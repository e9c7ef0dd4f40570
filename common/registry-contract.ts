/**
 * The device registry, the audit log and the technician's identity. Split from
 * contract.ts by domain; contract.ts merges every domain into one contract.
 */
import { z } from 'zod';
import { boundedJsonObject } from './bounded-json';
import { DeviceSummarySchema } from './contract-core';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);

export const LIFECYCLES = ['discovered', 'commissioned', 'active', 'decommissioned'] as const;
export const LifecycleSchema = z.enum(LIFECYCLES);
export type Lifecycle = z.infer<typeof LifecycleSchema>;

/**
 * Where registry.setLifecycle may take a device from each state: forward through
 * commissioning, active ⇄ commissioned (taken out of service), commissioned back to
 * discovered (commissioning undone), decommissioned from anywhere, and a decommissioned
 * device back to discovered to be commissioned again. The engine's LIFECYCLE_MOVES.
 */
export const LIFECYCLE_TRANSITIONS: Readonly<Record<Lifecycle, readonly Lifecycle[]>> = {
  discovered: ['commissioned', 'decommissioned'],
  commissioned: ['active', 'decommissioned', 'discovered'],
  active: ['commissioned', 'decommissioned'],
  decommissioned: ['discovered'],
};

const configObject = z.record(z.string(), z.unknown());

export const ConfigDiffSchema = z.object({
  /** dotted path into the configuration object */
  path: z.string(),
  desired: z.unknown(),
  reported: z.unknown(),
});
export type ConfigDiff = z.infer<typeof ConfigDiffSchema>;

export const DeviceHealthSchema = z.object({
  rssi: z.number().nullable(),
  battery: z.number().nullable(),
  uptimeS: z.number().nullable(),
  errors: z.number().int().nonnegative(),
});
export type DeviceHealth = z.infer<typeof DeviceHealthSchema>;

export const CredentialInfoSchema = z.object({
  kind: z.enum(['x509', 'psk']),
  /** SHA-256 of the certificate (x509) or of the PSK identity and key (psk), AB:CD:… */
  fingerprint: z.string(),
  serial: z.string().nullable(),
  expires: timestamp.nullable(),
});
export type CredentialInfo = z.infer<typeof CredentialInfoSchema>;

export const RegistryDeviceSchema = DeviceSummarySchema.extend({
  lifecycle: LifecycleSchema,
  site: z.string().nullable(),
  tags: z.array(z.string()),
  serialNumber: z.string().nullable(),
  hardwareVersion: z.string().nullable(),
  firmwareVersion: z.string().nullable(),
  desiredConfig: configObject,
  reportedConfig: configObject,
  /** where desired and reported configuration differ; empty when in sync */
  configDiff: z.array(ConfigDiffSchema),
  lastHeartbeat: timestamp.nullable(),
  health: DeviceHealthSchema,
  credential: CredentialInfoSchema.nullable(),
  commissionedAt: timestamp.nullable(),
  updatedAt: timestamp.nullable(),
});
export type RegistryDevice = z.infer<typeof RegistryDeviceSchema>;

export const REGISTRY_SORTS = ['name', 'id', 'site', 'lifecycle', 'lastSeen', 'firmware'] as const;

export const RegistryQuerySchema = z
  .object({
    /** matches id, name, serial number, site and tags, case-insensitively */
    search: z.string().max(200).optional(),
    site: z.string().max(200).optional(),
    lifecycle: LifecycleSchema.optional(),
    tag: z.string().max(100).optional(),
    sort: z.enum(REGISTRY_SORTS).default('name'),
    descending: z.boolean().default(false),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type RegistryQuery = z.input<typeof RegistryQuerySchema>;

const tag = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^\s,]+$/, 'a tag has no spaces or commas');

export const RegistryUpdateSchema = z
  .object({
    deviceId: id,
    name: z.string().min(1).max(200).optional(),
    site: z.string().max(200).nullable().optional(),
    profile: z.string().max(200).optional(),
    tags: z.array(tag).max(50).optional(),
    desiredConfig: boundedJsonObject.optional(),
  })
  .strict();

export const AuditEntrySchema = z.object({
  seq: z.number().int().positive(),
  at: timestamp,
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof AuditEntrySchema>;

export const registryRequests = {
  /** one page of the registry, searched, filtered and sorted by the engine (10,000+ devices) */
  'registry.list': {
    params: RegistryQuerySchema,
    result: z.object({ total: z.number().int().nonnegative(), devices: z.array(RegistryDeviceSchema) }),
  },
  'registry.get': { params: z.object({ deviceId: id }).strict(), result: RegistryDeviceSchema },
  /** sites and tags in use, for filter menus */
  'registry.facets': {
    params: z.object({}).strict().optional(),
    result: z.object({ sites: z.array(z.string()), tags: z.array(z.string()) }),
  },
  'registry.update': { params: RegistryUpdateSchema, result: RegistryDeviceSchema },
  'registry.setLifecycle': {
    params: z
      .object({ deviceId: id, lifecycle: LifecycleSchema, reason: z.string().max(500).optional() })
      .strict(),
    result: RegistryDeviceSchema,
  },
  /**
   * forgets a device, audited: 'keep' leaves its readings queryable (a device that reports
   * again gets them back), 'purge' deletes them (raw, blocks, rollups); readings already
   * queued for the cloud are still sent. A device still reporting is discovered again.
   */
  'registry.remove': {
    params: z.object({ deviceId: id, readings: z.enum(['keep', 'purge']) }).strict(),
    result: z.object({
      deviceId: z.string(),
      readings: z.enum(['keep', 'purge']),
      readingsDeleted: z.number().int().nonnegative(),
    }),
  },
  /** newest first; pass nextBeforeSeq back as beforeSeq for the next page */
  'audit.list': {
    params: z
      .object({
        subject: z.string().max(200).optional(),
        actor: z.string().max(200).optional(),
        action: z.string().max(200).optional(),
        from: timestamp.optional(),
        to: timestamp.optional(),
        beforeSeq: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    result: z.object({ entries: z.array(AuditEntrySchema), nextBeforeSeq: z.number().int().optional() }),
  },
  'audit.verify': {
    params: z.object({}).strict().optional(),
    result: z.object({
      ok: z.boolean(),
      checked: z.number().int().nonnegative(),
      firstBadSeq: z.number().int().optional(),
      reason: z.string().optional(),
      headHash: z.string(),
    }),
  },
  /** the whole log as JSON lines or CSV, each line carrying its hashes so the file verifies on its own */
  'audit.export': {
    params: z.object({ format: z.enum(['jsonl', 'csv']) }).strict(),
    result: z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
  },
  /** who is at the keyboard: recorded as the actor of every change and on commissioning reports */
  'operator.get': { params: z.object({}).strict().optional(), result: z.object({ name: z.string() }) },
  'operator.set': {
    params: z.object({ name: z.string().trim().min(1).max(100) }).strict(),
    result: z.object({ name: z.string() }),
  },
} as const;

export const registryStreams = {
  /** devices removed from the registry (registry.remove), for every open list to drop them */
  'devices.removed': {
    params: z.object({}).strict().optional(),
    data: z.object({ deviceIds: z.array(z.string()) }),
  },
} as const;
