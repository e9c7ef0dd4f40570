/**
 * The RPC contract: every request and every stream the engine offers, each with a
 * runtime schema. The engine validates params before a handler runs and results before
 * they leave; the renderer validates every payload it receives. Adding a method means
 * adding it here (or in a domain file merged below) first; both sides then fail to
 * type-check until they agree.
 */

import { z } from 'zod';
import { actionRequests } from './actions-contract';
import { alarmAnalysisRequests, alarmRequests, alarmStreams } from './alarm-contract';
import { BleUuidSchema } from './ble-uuid';
import { commissioningRequests, commissioningStreams } from './commissioning-contract';
import {
  ConnectorStatusSchema,
  DeviceSummarySchema,
  EngineInfoSchema,
  IngestStatsSchema,
  RetentionSchema,
  SeriesDataSchema,
  StoreStatusSchema,
} from './contract-core';
import { credentialsRequests, credentialsStreams } from './credentials-contract';
import { deviceHistoryRequests } from './device-history-contract';
import { diagnosticsRequests } from './diagnostics-contract';
import { firmwareRequests } from './firmware-contract';
import { flashRequests, flashStreams } from './flash-contract';
import { mqttBrowseRequests, mqttBrowseStreams } from './mqtt-browse-contract';
import { notifyRequests, notifyStreams } from './notify-contract';
import { profilesRequests } from './profiles-contract';
import { registryRequests, registryStreams } from './registry-contract';
import { rolloutRequests, rolloutStreams } from './rollout-contract';
import { syncRequests, syncStreams } from './sync-contract';

export * from './contract-core';
export * from './mqtt-browse-contract';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);

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
  decoded: z
    .object({
      metric: z.string(),
      unit: z.string(),
      value: z.number().nullable(),
      /** why the value is null although bytes came: "reserved value 0xFFFE" */
      invalid: z.string().optional(),
    })
    .nullable(),
  error: z.string().nullable(),
});

const hexBytes = z
  .string()
  .regex(/^([0-9a-fA-F]{2}\s?)*$/, 'hex bytes like "01 ff 2a"')
  .max(4096);
const gattRef = {
  connectorId: id,
  peripheralId: z.string().min(1).max(200),
  service: BleUuidSchema,
  characteristic: BleUuidSchema,
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
  /** a user connector's saved config for editing; secrets it holds read "<stored>", never their value */
  'connectors.get': {
    params: z.object({ id }).strict(),
    result: z.object({ kind: z.enum(['serial', 'mqtt', 'ble']), config: z.record(z.string(), z.unknown()) }),
  },
  /** restart a user connector with a new config; a secret given as "<stored>" keeps the stored value */
  'connectors.update': {
    params: z.object({ id, config: z.unknown() }).strict(),
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
  ...registryRequests,
  ...profilesRequests,
  ...credentialsRequests,
  ...commissioningRequests,
  ...syncRequests,
  ...mqttBrowseRequests,
  ...firmwareRequests,
  ...flashRequests,
  ...rolloutRequests,
  ...deviceHistoryRequests,
  ...diagnosticsRequests,
  ...actionRequests,
  ...notifyRequests,
  ...alarmRequests,
  ...alarmAnalysisRequests,
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
  /** notifications from one GATT characteristic, batched at most 10 times a second; error: not (or no longer) subscribed, retrying */
  'ble.notifications': {
    params: z.object(gattRef).strict(),
    data: z.object({
      values: z.array(GattValueSchema.extend({ ts: timestamp })),
      error: z.string().nullable(),
      /** values left out of this batch because the subscriber fell behind */
      dropped: z.number().int().nonnegative(),
    }),
  },
  ...registryStreams,
  ...credentialsStreams,
  ...commissioningStreams,
  ...syncStreams,
  ...mqttBrowseStreams,
  ...flashStreams,
  ...rolloutStreams,
  ...notifyStreams,
  ...alarmStreams,
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
