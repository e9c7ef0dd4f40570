/**
 * MQTT payloads as devices in the field publish them, each message → readings:
 *
 * - a bare value on a per-metric topic: `21.5`, `ON`/`OFF` (Home Assistant, ESPHome),
 *   `nan`/`None` (ESPHome's unknown state → a null reading), `true`, `null`;
 * - Fieldline's own `{"ts", "seq", "value"|"v"}`, on the topic's metric;
 * - any other JSON object: one reading per numeric or boolean field, nested keys joined
 *   with dots (`SI7021.Temperature`), array elements by index (`ENERGY.Voltage.0`).
 *   Booleans and the strings ON/OFF/true/false are 1/0; a null field is a null reading;
 *   other strings are not readings. A top-level ts, time, timestamp, Epoch or Time is the
 *   device time; seq, id and dev are envelope, not readings.
 *
 * A per-subscription mapping (payload-mapping.ts) picks fields by path instead. A
 * payload that yields no reading is an error, never an empty success.
 */

import type { PayloadMapping } from '../../../common/payload-mapping';
import { isSequenceNumber } from './device-time';
import { parsePayloadTime } from './payload-time';
import { ID_PATTERN, MAX_METRICS_PER_LINE, parseDecimal } from './text-values';

export interface PayloadValue {
  /** undefined: the topic's own metric (from {metric}, or "value") */
  metric: string | undefined;
  value: number | null;
  /** from the payload mapping */
  unit?: string;
}

export interface DecodedPayload {
  ts: number;
  seq?: number;
  /** from the mapping's deviceIdField; otherwise the topic's */
  deviceId?: string;
  values: PayloadValue[];
}

export type MqttPayloadResult = DecodedPayload | { error: string };

export const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_DEPTH = 16;
/** in this order; Tasmota's UTC Epoch before its zoneless local Time */
const TIME_FIELDS = ['ts', 'time', 'timestamp', 'Epoch', 'Time'] as const;
const ENVELOPE = new Set<string>([...TIME_FIELDS, 'seq', 'id', 'dev']);
const SINGLE_VALUE = new Set<string>([...ENVELOPE, 'value', 'v']);
/** ESPHome publishes a sensor without a state as `nan`, or `None` with publish_nan_as_none */
const NO_VALUE_WORDS = new Set(['nan', 'none']);

/** The payload's text: UTF-8, without a byte order mark and surrounding space. */
function payloadText(payload: Uint8Array): string | { error: string } {
  if (payload.length > MAX_PAYLOAD_BYTES) return { error: 'payload larger than 64 KiB' };
  // Buffer's native UTF-8 decoding: this is the hot path (100k messages/s)
  const buf = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.trim();
  return text.length === 0 ? { error: 'empty payload' } : text;
}

/** The payload's text and its JSON value; undefined when the text is not JSON. */
export function readPayload(payload: Uint8Array): { text: string; json: unknown } | { error: string } {
  const text = payloadText(payload);
  if (typeof text !== 'string') return text;
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    return { text, json: undefined };
  }
}

export function decodeMqttPayload(
  payload: Uint8Array,
  now: number,
  mapping?: PayloadMapping,
): MqttPayloadResult {
  const read = readPayload(payload);
  if ('error' in read) return read;
  const { text, json: parsed } = read;
  if (parsed === undefined) return bareText(text, now);
  if (typeof parsed !== 'object' || parsed === null) return bareJson(parsed, text, now);
  if (mapping) return mapped(parsed, text, now, mapping);
  if (Array.isArray(parsed))
    return { error: 'a JSON array needs a payload mapping (paths like 0.temperature)' };
  return flatObject(parsed as Record<string, unknown>, text, now);
}

function bareText(text: string, now: number): MqttPayloadResult {
  const flag = booleanWord(text);
  if (flag !== undefined) return { ts: now, values: [{ metric: undefined, value: flag }] };
  if (NO_VALUE_WORDS.has(text.toLowerCase()))
    return { ts: now, values: [{ metric: undefined, value: null }] };
  return { error: `payload is not JSON or a number: ${preview(text)}` };
}

function bareJson(parsed: unknown, text: string, now: number): MqttPayloadResult {
  const value = leafValue(parsed);
  if (value === SKIP) return { error: `a text payload is not a reading: ${preview(text)}` };
  return { ts: now, values: [{ metric: undefined, value }] };
}

function flatObject(o: Record<string, unknown>, text: string, now: number): MqttPayloadResult {
  const envelope = readEnvelope(o, now, undefined);
  if ('error' in envelope) return envelope;
  const keys = Object.keys(o);
  if (isSingleValue(o, keys)) {
    const raw = o.value ?? o.v;
    const value = leafValue(raw);
    return withValues(envelope, [{ metric: undefined, value: value === SKIP ? null : value }]);
  }
  const values: PayloadValue[] = [];
  for (const key of keys) {
    if (ENVELOPE.has(key)) continue;
    if (!flatten(o[key], metricKey(key), 1, values, undefined)) return tooMany();
  }
  if (values.length === 0) return noReading(text);
  return withValues(envelope, values);
}

function mapped(root: object, text: string, now: number, mapping: PayloadMapping): MqttPayloadResult {
  const envelope = readEnvelope(root, now, mapping);
  if ('error' in envelope) return envelope;
  const values: PayloadValue[] = [];
  const taken = new Set<string>();
  for (const f of mapping.fields) {
    taken.add(f.path);
    const raw = resolve(root, f.path);
    if (raw === undefined) continue;
    let value = leafValue(raw, true);
    if (value === SKIP) value = null; // the user named this field: a failing sensor stays visible
    if (value !== null) {
      // 15 significant digits: 1013 × 0.001 is 1.013, not binary floating point's 1.0130000000000001
      value = Number((value * f.scale + f.offset).toPrecision(15));
      if (!Number.isFinite(value)) value = null;
    }
    values.push(f.unit ? { metric: f.metric, value, unit: f.unit } : { metric: f.metric, value });
  }
  if (mapping.unmapped === 'keep' && !Array.isArray(root)) {
    if (mapping.timeField) taken.add(mapping.timeField);
    if (mapping.deviceIdField) taken.add(mapping.deviceIdField);
    const o = root as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (ENVELOPE.has(key) || taken.has(key)) continue;
      if (!flatten(o[key], metricKey(key), 1, values, { taken, path: key })) return tooMany();
    }
  }
  if (values.length === 0) return noReading(text);
  return withValues(envelope, values);
}

type Envelope = { ts: number; seq?: number; deviceId?: string };

function readEnvelope(
  root: object,
  now: number,
  mapping: PayloadMapping | undefined,
): Envelope | { error: string } {
  const o = root as Record<string, unknown>;
  const envelope: Envelope = { ts: now };
  if (!mapping?.arrivalTime) {
    const field = mapping?.timeField ?? firstTimeField(o);
    const raw = field === undefined ? undefined : mapping ? resolve(root, field) : o[field];
    if (raw !== undefined && raw !== null) {
      const time = parsePayloadTime(raw);
      if ('error' in time) return { error: `${field}: ${time.error}` };
      if ('ts' in time) envelope.ts = time.ts;
    }
  }
  if (!Array.isArray(root) && o.seq !== undefined) {
    if (!isSequenceNumber(o.seq)) return { error: 'bad seq' };
    envelope.seq = o.seq;
  }
  if (mapping?.deviceIdField) {
    const raw = resolve(root, mapping.deviceIdField);
    if (raw !== undefined) {
      const id = typeof raw === 'number' ? String(raw) : raw;
      if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
        return {
          error: `${mapping.deviceIdField}: not a usable device id ${preview(JSON.stringify(raw) ?? '')}`,
        };
      }
      envelope.deviceId = id;
    }
  }
  return envelope;
}

function withValues(envelope: Envelope, values: PayloadValue[]): DecodedPayload {
  (envelope as DecodedPayload).values = values;
  return envelope as DecodedPayload;
}

/** Fieldline's own {ts, seq, value|v}; plain loops: every message of a 100k/s stream comes here. */
function isSingleValue(o: Record<string, unknown>, keys: readonly string[]): boolean {
  if (o.value === undefined && o.v === undefined) return false;
  for (let i = 0; i < keys.length; i++) if (!SINGLE_VALUE.has(keys[i]!)) return false;
  return true;
}

function firstTimeField(o: Record<string, unknown>): string | undefined {
  for (let i = 0; i < TIME_FIELDS.length; i++) {
    const raw = o[TIME_FIELDS[i]!];
    if (raw !== undefined && raw !== null) return TIME_FIELDS[i];
  }
  return undefined;
}

interface Exclusions {
  taken: ReadonlySet<string>;
  path: string;
}

/** Appends the readings under `value`; false when there are too many. */
function flatten(
  value: unknown,
  metric: string,
  depth: number,
  out: PayloadValue[],
  exclude: Exclusions | undefined,
): boolean {
  if (typeof value === 'object' && value !== null) {
    if (depth >= MAX_DEPTH) return true;
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    for (const [key, child] of entries) {
      const path = exclude && `${exclude.path}.${key}`;
      if (path !== undefined && exclude!.taken.has(path)) continue;
      const next = path === undefined ? undefined : { taken: exclude!.taken, path };
      if (!flatten(child, `${metric}.${metricKey(key)}`, depth + 1, out, next)) return false;
    }
    return true;
  }
  const v = leafValue(value);
  if (v === SKIP || metric.length > 200) return true;
  if (out.length >= MAX_METRICS_PER_LINE) return false;
  out.push({ metric, value: v });
  return true;
}

const SKIP = Symbol('not a reading');

/** A JSON leaf as a reading's value; lenient (a mapped field) also parses numeric strings. */
function leafValue(raw: unknown, lenient = false): number | null | typeof SKIP {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (raw === null) return null;
  if (typeof raw === 'string') {
    const flag = booleanWord(raw);
    if (flag !== undefined) return flag;
    if (lenient) return parseDecimal(raw.trim()) ?? SKIP;
  }
  return SKIP;
}

/** ON/OFF (Tasmota POWER, z2m state, Home Assistant's default payload_on/off) and true/false. */
function booleanWord(text: string): 1 | 0 | undefined {
  switch (text.toLowerCase()) {
    case 'on':
    case 'true':
      return 1;
    case 'off':
    case 'false':
      return 0;
    default:
      return undefined;
  }
}

/** A key as part of a metric name: characters outside [A-Za-z0-9_-] become _ (`temperature:0` → `temperature_0`). */
function metricKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : key.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

/** The value at a dotted path, own properties and array indexes only. */
function resolve(root: unknown, path: string): unknown {
  let at: unknown = root;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    if (Array.isArray(at)) {
      if (!/^\d+$/.test(key)) return undefined;
      at = at[Number(key)];
    } else {
      if (!Object.hasOwn(at, key)) return undefined;
      at = (at as Record<string, unknown>)[key];
    }
  }
  return at;
}

function noReading(text: string): { error: string } {
  return { error: `no numeric or boolean field in ${preview(text)}` };
}

function tooMany(): { error: string } {
  return { error: `more than ${MAX_METRICS_PER_LINE} readings in one payload` };
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
