/**
 * The RPC contract: every request and every stream the engine offers, each with a
 * runtime schema. The engine validates params before a handler runs and results before
 * they leave; the renderer validates every payload it receives. Adding a method means
 * adding it here first; both sides then fail to type-check until they agree.
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
  lastError: z.string().nullable(),
  since: timestamp,
});
export type ConnectorStatus = z.infer<typeof ConnectorStatusSchema>;

export const EngineInfoSchema = z.object({
  version: z.string(),
  startedAt: timestamp,
  dataDir: z.string(),
  databaseFile: z.string(),
  demo: z.boolean(),
  host: z.enum(['electron', 'node', 'test']),
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

const connectorRef = z.object({ connectorId: id }).strict();

export const MqttTopicSchema = z.object({
  topic: z.string(),
  messages: z.number().int().nonnegative(),
  /** the last payload's first 256 bytes: as text when printable, always as hex */
  previewText: z.string().nullable(),
  previewHex: z.string(),
  lastSize: z.number().int().nonnegative(),
  lastAt: timestamp,
});

export const BlePeripheralSchema = z.object({
  id: z.string(),
  address: z.string(),
  name: z.string().nullable(),
  rssi: z.number(),
  manufacturerData: z.string().nullable(),
  companyId: z.number().nullable(),
  serviceUuids: z.array(z.string()),
  connectable: z.boolean(),
  lastSeen: timestamp,
  link: z.string(),
  deviceId: z.string().nullable(),
});

export const GattServiceSchema = z.object({
  uuid: z.string(),
  name: z.string().nullable(),
  characteristics: z.array(
    z.object({ uuid: z.string(), name: z.string().nullable(), properties: z.array(z.string()) }),
  ),
});

export const GattValueSchema = z.object({
  hex: z.string(),
  text: z.string().nullable(),
  decoded: z.object({ metric: z.string(), unit: z.string(), value: z.number().nullable() }).nullable(),
  error: z.string().nullable(),
});

const hexBytes = z
  .string()
  .regex(/^([0-9a-fA-F]{2}\s?)*$/, 'hex bytes like "01 ff 2a"')
  .max(4096);
const gattRef = {
  connectorId: id,
  peripheralId: z.string().min(1).max(200),
  service: z.string().min(1).max(64),
  characteristic: z.string().min(1).max(64),
};

export const SerialChunkSchema = z.object({
  direction: z.enum(['rx', 'tx']),
  ts: timestamp,
  /** base64 of the bytes */
  data: z.string(),
});

export const RESOLUTION_NAMES = ['raw', '1m', '1h', '1d'] as const;

/** A query's answer: M4-reduced columns, and which stored resolution they came from. */
export const QueryResultSchema = SeriesDataSchema.extend({
  resolution: z.enum(RESOLUTION_NAMES),
  /** width of one M4 column in ms; rollup columns are whole buckets, so they match raw exactly */
  columnMs: z.number().positive(),
});
export type QueryResult = z.infer<typeof QueryResultSchema>;

export const LiveBatchSchema = z.object({ series: z.array(SeriesDataSchema) });
export type LiveBatch = z.infer<typeof LiveBatchSchema>;

export const QueryParamsSchema = z
  .object({
    deviceId: id,
    metric: id,
    from: timestamp,
    to: timestamp,
    /** the chart's plot width in pixels: the answer has at most 4 points (first, min, max, last) per pixel */
    pixelWidth: z.number().int().min(1).max(20_000).default(1000),
  })
  .refine((p) => p.from <= p.to, { message: 'from must not be after to' });

const empty = z.object({}).strict().optional();

export const requests = {
  'engine.info': { params: empty, result: EngineInfoSchema },
  'engine.stats': { params: empty, result: IngestStatsSchema },
  'devices.list': { params: empty, result: z.array(DeviceSummarySchema) },
  'devices.get': { params: z.object({ deviceId: id }).strict(), result: DeviceSummarySchema },
  'connectors.list': { params: empty, result: z.array(ConnectorStatusSchema) },
  /** add a serial port, broker or BLE adapter; the engine validates `config` for its kind and remembers it */
  'connectors.add': {
    params: z.object({ kind: z.enum(['serial', 'mqtt', 'ble']), config: z.unknown() }).strict(),
    result: ConnectorStatusSchema,
  },
  /** serial ports on this machine (USB vendor/product ids, serial number); ptys are opened by path */
  'serial.ports': {
    params: empty,
    result: z.array(
      z.object({
        path: z.string(),
        manufacturer: z.string().optional(),
        serialNumber: z.string().optional(),
        vendorId: z.string().optional(),
        productId: z.string().optional(),
        byId: z.string().optional(),
      }),
    ),
  },
  /** write to a serial port: text (sent as UTF-8, with `newline` appended) or hex bytes */
  'serial.send': {
    params: z
      .object({
        connectorId: id,
        text: z.string().max(4096).optional(),
        hex: hexBytes.optional(),
        newline: z.enum(['', '\n', '\r\n']).default('\n'),
      })
      .strict()
      .refine((p) => (p.text === undefined) !== (p.hex === undefined), { message: 'give text or hex' }),
    result: z.object({ ok: z.boolean() }),
  },
  'mqtt.topics': { params: connectorRef, result: z.array(MqttTopicSchema) },
  'mqtt.publish': {
    params: z
      .object({
        connectorId: id,
        topic: z
          .string()
          .min(1)
          .max(1024)
          .regex(/^[^#+]*$/, 'no wildcards when publishing'),
        payload: z.string().max(256 * 1024),
        qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
        retain: z.boolean().default(false),
      })
      .strict(),
    result: z.object({ ok: z.boolean() }),
  },
  'ble.peripherals': { params: connectorRef, result: z.array(BlePeripheralSchema) },
  'ble.services': {
    params: z.object({ connectorId: id, peripheralId: z.string().min(1).max(200) }).strict(),
    result: z.array(GattServiceSchema),
  },
  'ble.read': { params: z.object(gattRef).strict(), result: GattValueSchema },
  'ble.write': {
    params: z.object({ ...gattRef, hex: hexBytes }).strict(),
    result: z.object({ ok: z.boolean() }),
  },
  'connectors.remove': {
    params: z.object({ id }).strict(),
    result: z.object({ ok: z.boolean() }),
  },
  'readings.query': { params: QueryParamsSchema, result: QueryResultSchema },
  /** every raw reading in a window (for CSV export), oldest first; at most `limit` */
  'readings.raw': {
    params: z
      .object({
        deviceId: id,
        metric: id,
        from: timestamp,
        to: timestamp,
        limit: z.number().int().min(1).max(500_000).default(200_000),
      })
      .strict()
      .refine((p) => p.from <= p.to, { message: 'from must not be after to' }),
    result: SeriesDataSchema.extend({ truncated: z.boolean() }),
  },
  'store.status': { params: empty, result: StoreStatusSchema },
  'store.configure': { params: RetentionSchema.partial().strict(), result: StoreStatusSchema },
  /** open a stream; its messages arrive as {stream, sub, data} until unsubscribed */
  'stream.subscribe': {
    params: z.object({ stream: z.string(), params: z.unknown().optional() }).strict(),
    result: z.object({ sub: z.number().int().nonnegative() }),
  },
  'stream.unsubscribe': {
    params: z.object({ sub: z.number().int().nonnegative() }).strict(),
    result: z.object({ ok: z.boolean() }),
  },
} as const;

export const streams = {
  /** accepted readings in batches flushed at most every 50 ms */
  'readings.live': {
    params: z
      .object({ deviceIds: z.array(id).max(10_000).optional() })
      .strict()
      .optional(),
    data: LiveBatchSchema,
  },
  /** devices whose summary changed, at most every 500 ms */
  'devices.changed': { params: empty, data: z.array(DeviceSummarySchema) },
  'connectors.changed': { params: empty, data: z.array(ConnectorStatusSchema) },
  /** raw bytes both ways on a serial connector, batched every 100 ms */
  'serial.monitor': { params: connectorRef, data: z.object({ chunks: z.array(SerialChunkSchema) }) },
} as const;

export type Requests = typeof requests;
export type Streams = typeof streams;
export type RequestName = keyof Requests;
export type StreamName = keyof Streams;

export type RequestParams<M extends RequestName> = z.input<Requests[M]['params']>;
export type RequestParamsParsed<M extends RequestName> = z.output<Requests[M]['params']>;
export type RequestResult<M extends RequestName> = z.output<Requests[M]['result']>;
export type StreamParams<S extends StreamName> = z.input<Streams[S]['params']>;
export type StreamParamsParsed<S extends StreamName> = z.output<Streams[S]['params']>;
export type StreamData<S extends StreamName> = z.output<Streams[S]['data']>;

export function isRequestName(name: string): name is RequestName {
  return Object.hasOwn(requests, name);
}

export function isStreamName(name: string): name is StreamName {
  return Object.hasOwn(streams, name);
}
