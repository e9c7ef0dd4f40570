/**
 * Sparkplug B (spBv1.0) decoding: topic parsing, payload decoding with the Eclipse Tahu
 * `sparkplug-payload` library, metric aliases learned from NBIRTH / DBIRTH, the payload
 * `seq` (0–255) and the NBIRTH/NDEATH `bdSeq` tracked per edge node, and node / device
 * online state. Metric timestamps are the device time. Input is hostile: every byte
 * sequence gives readings or counted errors, never an exception.
 */
import { createRequire } from 'node:module';
import type { Reading } from '../../../../common/reading';
import { isUsableDeviceTime } from '../../decoders/device-time';

const require = createRequire(import.meta.url);

export const SPARKPLUG_NAMESPACE = 'spBv1.0';
/** Protobuf payloads above this are refused before decoding. */
export const MAX_SPARKPLUG_PAYLOAD = 1024 * 1024;
/** Aliases remembered per edge node (a hostile node cannot grow memory without bound). */
const MAX_ALIASES_PER_NODE = 100_000;
/** Devices remembered per edge node. */
const MAX_DEVICES_PER_NODE = 10_000;
/** Edge nodes remembered per connector. */
const MAX_NODES = 10_000;

export type SparkplugMessageType =
  | 'NBIRTH'
  | 'NDEATH'
  | 'DBIRTH'
  | 'DDEATH'
  | 'NDATA'
  | 'DDATA'
  | 'NCMD'
  | 'DCMD'
  | 'STATE';

export interface SparkplugTopic {
  group: string;
  type: SparkplugMessageType;
  edge: string;
  device?: string;
}

const TYPES = new Set<string>([
  'NBIRTH',
  'NDEATH',
  'DBIRTH',
  'DDEATH',
  'NDATA',
  'DDATA',
  'NCMD',
  'DCMD',
  'STATE',
]);

export function parseSparkplugTopic(topic: string): SparkplugTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== SPARKPLUG_NAMESPACE) return null;
  if (parts.length !== 4 && parts.length !== 5) return null;
  const [, group, type, edge, device] = parts;
  if (!group || !type || !edge || !TYPES.has(type)) return null;
  const isDeviceType = type[0] === 'D';
  if (isDeviceType !== (parts.length === 5)) return null;
  if (device !== undefined && device.length === 0) return null;
  return device === undefined
    ? { group, type: type as SparkplugMessageType, edge }
    : { group, type: type as SparkplugMessageType, edge, device };
}

interface LongLike {
  toNumber(): number;
}

export interface SparkplugMetric {
  name?: string | null;
  alias?: number | LongLike | null;
  timestamp?: number | LongLike | null;
  datatype?: number | null;
  isNull?: boolean | null;
  value?: unknown;
}

export interface SparkplugPayload {
  timestamp?: number | LongLike | null;
  seq?: number | LongLike | null;
  metrics?: SparkplugMetric[] | null;
}

interface SparkplugCodec {
  decodePayload(bytes: Uint8Array): SparkplugPayload;
  encodePayload(payload: object): Uint8Array;
}

let codec: SparkplugCodec | undefined;
export function sparkplugCodec(): SparkplugCodec {
  if (!codec) {
    const lib = require('sparkplug-payload') as { get(ns: string): SparkplugCodec | null };
    const got = lib.get(SPARKPLUG_NAMESPACE);
    if (!got) throw new Error('sparkplug-payload has no spBv1.0 codec');
    codec = got;
  }
  return codec;
}

/** Decodes a Sparkplug B protobuf payload; never throws. */
export function decodeSparkplugPayload(bytes: Uint8Array): SparkplugPayload | { error: string } {
  if (bytes.length > MAX_SPARKPLUG_PAYLOAD) return { error: 'sparkplug payload larger than 1 MiB' };
  try {
    const payload = sparkplugCodec().decodePayload(bytes);
    if (payload === null || typeof payload !== 'object') return { error: 'sparkplug payload did not decode' };
    return payload;
  } catch (error) {
    return { error: `bad sparkplug payload: ${String((error as Error)?.message ?? error).slice(0, 120)}` };
  }
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && typeof (v as LongLike).toNumber === 'function') {
    try {
      const n = (v as LongLike).toNumber();
      return typeof n === 'number' ? n : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A metric's numeric value; `undefined` for kinds that are not a number (strings, data sets). */
function numericValue(m: SparkplugMetric): number | null | undefined {
  if (m.isNull === true) return null;
  const v = m.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = toNumber(v);
  if (n === undefined) return undefined;
  return Number.isFinite(n) ? n : null;
}

interface NodeState {
  online: boolean;
  bdSeq: number | null;
  lastSeq: number | null;
  /** alias → metric name, for the node's own metrics and each device's (key `device\0alias`) */
  aliases: Map<string, string>;
  devices: Map<string, boolean>;
}

export interface SparkplugEvent {
  readings: Reading[];
  errors: string[];
  /** device ids (node or device) seen for the first time */
  discovered: string[];
  /** the node wants a rebirth: we saw an alias we never learned */
  rebirth: boolean;
  /** a seq gap was seen (messages were lost between node and broker, or reordered) */
  seqGap: boolean;
}

export interface SparkplugSummary {
  nodesOnline: number;
  nodesOffline: number;
  devicesOnline: number;
  devicesOffline: number;
}

export function sparkplugDeviceId(group: string, edge: string, device?: string): string {
  return device === undefined ? `${group}:${edge}` : `${group}:${edge}:${device}`;
}

/**
 * Tracks every edge node of a connector. `handle` takes one message, already matched
 * as a Sparkplug topic, and returns its readings; state lives here between messages.
 */
export class SparkplugTracker {
  private readonly nodes = new Map<string, NodeState>();
  private readonly known = new Set<string>();

  constructor(private readonly source: string) {}

  handle(topic: SparkplugTopic, bytes: Uint8Array, now: number): SparkplugEvent {
    const out: SparkplugEvent = { readings: [], errors: [], discovered: [], rebirth: false, seqGap: false };
    if (topic.type === 'NCMD' || topic.type === 'DCMD' || topic.type === 'STATE') return out;
    const decoded = decodeSparkplugPayload(bytes);
    if ('error' in decoded) {
      out.errors.push(decoded.error);
      return out;
    }
    const nodeKey = `${topic.group}/${topic.edge}`;
    let node = this.nodes.get(nodeKey);
    if (!node) {
      if (this.nodes.size >= MAX_NODES) {
        out.errors.push('too many sparkplug edge nodes');
        return out;
      }
      node = { online: false, bdSeq: null, lastSeq: null, aliases: new Map(), devices: new Map() };
      this.nodes.set(nodeKey, node);
    }
    const metrics = Array.isArray(decoded.metrics) ? decoded.metrics : [];
    const payloadTs = toNumber(decoded.timestamp);
    const seq = toNumber(decoded.seq);

    if (topic.type === 'NDEATH') {
      // an NDEATH is the broker's will from one session: ignore a stale one from an older session
      const bd = metrics.find((m) => m.name === 'bdSeq');
      const bdSeq = bd ? toNumber(bd.value) : undefined;
      if (bdSeq !== undefined && node.bdSeq !== null && bdSeq !== node.bdSeq) return out;
      node.online = false;
      node.lastSeq = null;
      for (const d of node.devices.keys()) node.devices.set(d, false);
      return out;
    }

    // seq: NBIRTH starts at 0, then +1 mod 256 for every message of the node and its devices
    if (seq !== undefined) {
      if (topic.type !== 'NBIRTH' && node.lastSeq !== null && seq !== (node.lastSeq + 1) % 256) {
        out.seqGap = true;
        out.errors.push(`sparkplug seq gap on ${nodeKey}: ${node.lastSeq} → ${seq}`);
      }
      node.lastSeq = seq;
    }

    const deviceId = sparkplugDeviceId(topic.group, topic.edge, topic.device);
    const scope = topic.device ?? '';
    if (topic.type === 'NBIRTH') {
      node.online = true;
      node.aliases.clear();
      const bd = metrics.find((m) => m.name === 'bdSeq');
      node.bdSeq = bd ? (toNumber(bd.value) ?? null) : null;
    } else if (topic.type === 'DBIRTH') {
      if (topic.device !== undefined) {
        if (!node.devices.has(topic.device) && node.devices.size >= MAX_DEVICES_PER_NODE) {
          out.errors.push('too many sparkplug devices on one node');
          return out;
        }
        node.devices.set(topic.device, true);
      }
    } else if (topic.type === 'DDEATH') {
      if (topic.device !== undefined && node.devices.has(topic.device)) node.devices.set(topic.device, false);
      return out;
    }
    if (!this.known.has(deviceId)) {
      this.known.add(deviceId);
      out.discovered.push(deviceId);
    }
    const birth = topic.type === 'NBIRTH' || topic.type === 'DBIRTH';
    for (const m of metrics) {
      if (m === null || typeof m !== 'object') continue;
      const alias = toNumber(m.alias);
      let name = typeof m.name === 'string' && m.name.length > 0 ? m.name : undefined;
      if (birth && name !== undefined && alias !== undefined) {
        if (node.aliases.size < MAX_ALIASES_PER_NODE) node.aliases.set(`${scope}\u0000${alias}`, name);
      }
      if (name === undefined && alias !== undefined) name = node.aliases.get(`${scope}\u0000${alias}`);
      if (name === undefined) {
        out.errors.push(`unknown sparkplug alias ${alias ?? '(none)'} on ${deviceId}`);
        out.rebirth = true;
        continue;
      }
      if (name === 'bdSeq' || name.startsWith('Node Control/') || name.startsWith('Device Control/'))
        continue;
      const value = numericValue(m);
      if (value === undefined) continue;
      const ts = toNumber(m.timestamp) ?? payloadTs ?? now;
      if (!isUsableDeviceTime(ts)) {
        out.errors.push(`unusable sparkplug timestamp on ${deviceId}/${name}`);
        continue;
      }
      out.readings.push({
        deviceId,
        metric: name.length > 200 ? name.slice(0, 200) : name,
        ts,
        value,
        quality: value === null ? 'null' : 'good',
        source: this.source,
        arrivedAt: now,
      });
    }
    return out;
  }

  summary(): SparkplugSummary {
    const s: SparkplugSummary = { nodesOnline: 0, nodesOffline: 0, devicesOnline: 0, devicesOffline: 0 };
    for (const n of this.nodes.values()) {
      if (n.online) s.nodesOnline++;
      else s.nodesOffline++;
      for (const online of n.devices.values()) {
        if (online && n.online) s.devicesOnline++;
        else s.devicesOffline++;
      }
    }
    return s;
  }

  /** Online state of a node (`group:edge`) or device (`group:edge:device`). */
  isOnline(deviceId: string): boolean | undefined {
    const [group, edge, device] = deviceId.split(':');
    const node = this.nodes.get(`${group}/${edge}`);
    if (!node) return undefined;
    if (device === undefined) return node.online;
    const d = node.devices.get(device);
    return d === undefined ? undefined : d && node.online;
  }
}
