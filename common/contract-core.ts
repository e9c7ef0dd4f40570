/**
 * Schemas shared by the RPC contract's domains (devices, connectors, readings, store).
 * contract.ts re-exports them and merges every domain into one contract.
 */
import { z } from 'zod';
import { QUALITIES, TRANSPORTS } from './reading';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);

export const QualitySchema = z.enum(QUALITIES);
export const TransportSchema = z.enum(TRANSPORTS);

export const ReadingSchema = z.object({
  deviceId: id,
  metric: id,
  ts: timestamp,
  value: z.number().nullable(),
  quality: QualitySchema,
  seq: z.number().int().optional(),
  source: z.string(),
  arrivedAt: timestamp.optional(),
});

export const MetricInfoSchema = z.object({
  name: id,
  unit: z.string(),
  /** physical range from the device profile, for axis defaults */
  min: z.number().nullable(),
  max: z.number().nullable(),
  last: z.object({ ts: timestamp, value: z.number().nullable(), quality: QualitySchema }).nullable(),
});
export type MetricInfo = z.infer<typeof MetricInfoSchema>;

export const DeviceStateSchema = z.enum(['online', 'stale', 'offline']);
export type DeviceState = z.infer<typeof DeviceStateSchema>;

export const DeviceSummarySchema = z.object({
  id,
  name: z.string(),
  kind: z.string(),
  profile: z.string(),
  transport: TransportSchema,
  connectorId: z.string(),
  state: DeviceStateSchema,
  /** host time the last reading arrived, ms; null if never */
  lastSeen: timestamp.nullable(),
  metrics: z.array(MetricInfoSchema),
  counters: z.object({
    readings: z.number().int().nonnegative(),
    duplicates: z.number().int().nonnegative(),
    flagged: z.number().int().nonnegative(),
    /** flagged readings since the engine started, by reason */
    nulls: z.number().int().nonnegative(),
    outOfRange: z.number().int().nonnegative(),
    suspect: z.number().int().nonnegative(),
    invalid: z.number().int().nonnegative().optional(),
  }),
  /** device clock minus host clock, ms, smoothed over recent readings; null until measured */
  clockSkewMs: z.number().nullable(),
  /** the device's clock is too far off to order its readings by (flagged suspect) */
  clockSuspect: z.boolean(),
});
export type DeviceSummary = z.infer<typeof DeviceSummarySchema>;

export const ConnectorStateSchema = z.enum(['connecting', 'connected', 'disconnected', 'error']);
export type ConnectorState = z.infer<typeof ConnectorStateSchema>;

export const ConnectorStatusSchema = z.object({
  id,
  kind: TransportSchema,
  label: z.string(),
  state: ConnectorStateSchema,
  detail: z.string(),
  devices: z.number().int().nonnegative(),
  messagesIn: z.number().int().nonnegative(),
  readingsIn: z.number().int().nonnegative(),
  decodeErrors: z.number().int().nonnegative(),
  /** values the spec prohibits or reserves (GATT), stored as null with quality 'invalid' */
  invalidValues: z.number().int().nonnegative().optional(),
  /** firmware log lines on a structured serial port: shown, not decode errors */
  logLines: z.number().int().nonnegative().optional(),
  lastError: z.string().nullable(),
  since: timestamp,
  /** false: its devices cannot be commissioned through it (the demo radio's sensors already report) */
  provisioning: z.literal(false).optional(),
});
export type ConnectorStatus = z.infer<typeof ConnectorStatusSchema>;

export const EngineInfoSchema = z.object({
  version: z.string(),
  startedAt: timestamp,
  dataDir: z.string(),
  databaseFile: z.string(),
  /** this installation's identity (a UUID kept in its database): CloudEvents source urn:fieldline:installation:<id> */
  installationId: z.string(),
  demo: z.boolean(),
  host: z.enum(['electron', 'node', 'test']),
  /**
   * The demo site's commissioning plant (null or absent outside demo mode): what to type in
   * the wizard. brokerUrl is null while the demo broker starts (read again) or when it failed (error).
   */
  demoPlant: z
    .object({
      brokerUrl: z.string().nullable(),
      error: z.string().nullable(),
      bleConnectorId: z.string(),
      wifi: z.array(z.object({ ssid: z.string(), password: z.string() })),
    })
    .nullable()
    .optional(),
});
export type EngineInfo = z.infer<typeof EngineInfoSchema>;

export const IngestStatsSchema = z.object({
  received: z.number().int().nonnegative(),
  stored: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  flagged: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  lastBatchMs: z.number().nonnegative(),
  storedTotal: z.number().int().nonnegative(),
  databaseBytes: z.number().int().nonnegative(),
  /** readings dropped because the store fell too far behind (bounded queue); never silent */
  spilled: z.number().int().nonnegative(),
  /** readings waiting in the ingest queue right now */
  queued: z.number().int().nonnegative(),
  /** batches whose write failed (disk full, read-only file); they are retried */
  writeErrors: z.number().int().nonnegative(),
});
export type IngestStats = z.infer<typeof IngestStatsSchema>;

/** Series data travels columnar: a chart wants arrays, and arrays are far smaller on the wire. */
export const SeriesDataSchema = z.object({
  deviceId: id,
  metric: id,
  ts: z.array(timestamp),
  values: z.array(z.number().nullable()),
  /** one code per point, index into QUALITIES */
  quality: z.array(
    z
      .number()
      .int()
      .min(0)
      .max(QUALITIES.length - 1),
  ),
});
export type SeriesData = z.infer<typeof SeriesDataSchema>;

export const RetentionSchema = z
  .object({
    /** raw readings (compressed blocks) are kept this many days */
    rawDays: z.number().int().min(1).max(36_500),
    minuteDays: z.number().int().min(1).max(36_500),
    hourDays: z.number().int().min(1).max(36_500),
    dayDays: z.number().int().min(1).max(36_500),
    /** the whole cache is kept under this size; oldest raw data goes first, then oldest rollups */
    quotaBytes: z
      .number()
      .int()
      .min(16 * 1024 * 1024),
  })
  .strict();
export type Retention = z.infer<typeof RetentionSchema>;

export const StoreStatusSchema = z.object({
  /** false when the cache could not be opened or written: live data still flows, nothing is kept */
  ok: z.boolean(),
  error: z.string().nullable(),
  file: z.string(),
  databaseBytes: z.number().int().nonnegative(),
  readings: z.number().int().nonnegative(),
  /** readings committed to the ingest log, not yet compacted into blocks and rollups */
  pendingReadings: z.number().int().nonnegative(),
  oldestRaw: timestamp.nullable(),
  oldestRollup: timestamp.nullable(),
  newest: timestamp.nullable(),
  retention: RetentionSchema,
  lastRetentionRun: timestamp.nullable(),
});
export type StoreStatus = z.infer<typeof StoreStatusSchema>;
