/**
 * Sparkplug B (spBv1.0) decoding: topic parsing, payload decoding (sparkplug-wire.ts), each
 * metric's name AND datatype learned per alias from NBIRTH / DBIRTH and applied to DATA
 * metrics that carry only alias and value, the payload `seq` (0–255) with the numbers a gap
 * skipped (so a late message can fill it), the NBIRTH/NDEATH `bdSeq`, and node / device
 * online state. Metric timestamps are the device time. Input is hostile: every byte
 * sequence gives readings or counted errors, never an exception.
 */
import { createRequire } from 'node:module';
import type { Reading } from '../../../../common/reading';
import { isUsableDeviceTime } from '../../decoders/device-time';
import { metricValue } from './sparkplug-datatypes';
import { type RawMetric, type RawPayload, readSparkplugPayload, type Uint64 } from './sparkplug-wire';

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

/** A payload as sparkplug-payload decodes it (loosely typed: only tests look inside). */
export interface LibraryPayload {
  timestamp?: unknown;
  seq?: unknown;
  metrics?: { name?: string; alias?: unknown; type?: string; value?: unknown; timestamp?: unknown }[] | null;
}

interface SparkplugCodec {
  decodePayload(bytes: Uint8Array): LibraryPayload;
  encodePayload(payload: object): Uint8Array;
}

let codec: SparkplugCodec | undefined;
/** Eclipse Tahu's sparkplug-payload, the reference encoder: used for the commands we send. */
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
export function decodeSparkplugPayload(bytes: Uint8Array): RawPayload | { error: string } {
  if (bytes.length > MAX_SPARKPLUG_PAYLOAD) return { error: 'sparkplug payload larger than 1 MiB' };
  return readSparkplugPayload(bytes);
}

/** A uint64 from the wire as a number; `undefined` beyond 2^53 where it would be rounded. */
function safeNumber(v: Uint64 | undefined): number | undefined {
  if (typeof v === 'number' || v === undefined) return v;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

/** What a BIRTH told us about one metric. */
interface MetricDef {
  name: string;
  datatype?: number;
}

interface NodeState {
  /** an NBIRTH arrived and no NDEATH since */
  online: boolean;
  bdSeq: number | null;
  lastSeq: number | null;
  /** seq numbers a gap skipped; a late message removes its own */
  missing: Set<number>;
  /** the node ('') and devices that sent DATA without a BIRTH we saw, or an alias no BIRTH gave */
  unborn: Set<string>;
  /** `scope\0#alias` and `scope\0=name` → definition; scope is '' for the node, else the device id */
  defs: Map<string, MetricDef>;
  devices: Map<string, boolean>;
}

export interface SparkplugEvent {
  readings: Reading[];
  errors: string[];
  /** device ids (node or device) seen for the first time */
  discovered: string[];
  /** the node may need a rebirth (seq gap, DATA before BIRTH, unknown alias): start the reorder window */
  rebirth: boolean;
  /** a seq gap was seen (messages were lost between node and broker, or reordered) */
  seqGap: boolean;
  /** the summary changed: a BIRTH or DEATH changed online state, or a value lost precision */
  stateChanged: boolean;
}

export interface SparkplugSummary {
  nodesOnline: number;
  nodesOffline: number;
  devicesOnline: number;
  devicesOffline: number;
  /** 64-bit values beyond 2^53 stored rounded (flagged suspect) */
  precisionLost: number;
}

export function sparkplugDeviceId(group: string, edge: string, device?: string): string {
  return device === undefined ? `${group}:${edge}` : `${group}:${edge}:${device}`;
}

function isControl(name: string): boolean {
  return name === 'bdSeq' || name.startsWith('Node Control/') || name.startsWith('Device Control/');
}

function bdSeqOf(metrics: RawMetric[]): number | undefined {
  const bd = metrics.find((m) => m.name === 'bdSeq');
  const v = bd ? metricValue(bd.datatype, bd.value, bd.isNull) : undefined;
  return v?.value ?? undefined;
}

/** The seq numbers from `from` up to, not including, `to`, modulo 256. */
function seqRange(from: number, to: number): number[] {
  const out: number[] = [];
  for (let s = from; s !== to; s = (s + 1) % 256) out.push(s);
  return out;
}

/**
 * Tracks every edge node of a connector. `handle` takes one message, already matched
 * as a Sparkplug topic, and returns its readings; state lives here between messages.
 */
export class SparkplugTracker {
  private readonly nodes = new Map<string, NodeState>();
  private readonly known = new Set<string>();
  private precisionLost = 0;

  constructor(private readonly source: string) {}

  handle(topic: SparkplugTopic, bytes: Uint8Array, now: number): SparkplugEvent {
    const out: SparkplugEvent = {
      readings: [],
      errors: [],
      discovered: [],
      rebirth: false,
      seqGap: false,
      stateChanged: false,
    };
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
      node = {
        online: false,
        bdSeq: null,
        lastSeq: null,
        missing: new Set(),
        unborn: new Set(),
        defs: new Map(),
        devices: new Map(),
      };
      this.nodes.set(nodeKey, node);
    }
    const metrics = decoded.metrics;

    if (topic.type === 'NDEATH') {
      // an NDEATH is the broker's will from one session: ignore a stale one from an older session
      const bdSeq = bdSeqOf(metrics);
      if (bdSeq !== undefined && node.bdSeq !== null && bdSeq !== node.bdSeq) return out;
      node.online = false;
      node.lastSeq = null;
      node.missing.clear();
      node.unborn.clear();
      for (const d of node.devices.keys()) node.devices.set(d, false);
      out.stateChanged = true;
      return out;
    }

    this.trackSeq(node, nodeKey, topic.type, decoded.seq, out);

    const deviceId = sparkplugDeviceId(topic.group, topic.edge, topic.device);
    const scope = topic.device ?? '';
    if (topic.type === 'NBIRTH') {
      node.online = true;
      node.defs.clear();
      node.unborn.clear();
      node.bdSeq = bdSeqOf(metrics) ?? null;
      out.stateChanged = true;
    } else if (!node.online) {
      // [tck-id-payloads-dbirth-order] [tck-id-payloads-ndata-order]: nothing comes before the NBIRTH
      node.unborn.add('');
      out.rebirth = true;
    }
    if (topic.type === 'DBIRTH') {
      if (topic.device !== undefined) {
        if (!node.devices.has(topic.device) && node.devices.size >= MAX_DEVICES_PER_NODE) {
          out.errors.push('too many sparkplug devices on one node');
          return out;
        }
        node.devices.set(topic.device, true);
        node.unborn.delete(topic.device);
        out.stateChanged = true;
      }
    } else if (topic.type === 'DDEATH') {
      if (topic.device !== undefined && node.devices.has(topic.device)) {
        node.devices.set(topic.device, false);
        out.stateChanged = true;
      }
      return out;
    } else if (
      topic.type === 'DDATA' &&
      topic.device !== undefined &&
      node.devices.get(topic.device) !== true
    ) {
      node.unborn.add(topic.device);
      out.rebirth = true;
    }
    if (!this.known.has(deviceId)) {
      this.known.add(deviceId);
      out.discovered.push(deviceId);
    }
    const birth = topic.type === 'NBIRTH' || topic.type === 'DBIRTH';
    const payloadTs = safeNumber(decoded.timestamp);
    for (const m of metrics) {
      if (birth) this.learn(node, scope, m);
      const def = this.definition(node, scope, m);
      if (def === undefined) {
        out.errors.push(`unknown sparkplug alias ${m.alias ?? '(none)'} on ${deviceId}`);
        node.unborn.add(scope);
        out.rebirth = true;
        continue;
      }
      const name = def.name;
      if (isControl(name)) continue;
      // [tck-id-payloads-metric-datatype-not-req]: DATA metrics leave the datatype out, the BIRTH's applies
      const datatype = m.datatype ?? def.datatype;
      const v = metricValue(datatype, m.value, m.isNull);
      if (v === undefined) continue;
      const ts = safeNumber(m.timestamp) ?? payloadTs ?? now;
      if (!isUsableDeviceTime(ts)) {
        out.errors.push(`unusable sparkplug timestamp on ${deviceId}/${name}`);
        continue;
      }
      if (v.note === 'precision') {
        this.precisionLost++;
        out.stateChanged = true;
      }
      if (v.note === 'mismatch') {
        out.errors.push(`sparkplug ${deviceId}/${name}: value field does not match datatype ${datatype}`);
      }
      out.readings.push({
        deviceId,
        metric: name.length > 200 ? name.slice(0, 200) : name,
        ts,
        value: v.value,
        quality: v.quality,
        source: this.source,
        arrivedAt: now,
      });
    }
    return out;
  }

  /**
   * seq: NBIRTH starts at 0, then +1 mod 256 for every message of the node and its devices
   * ([tck-id-payloads-ndata-seq-inc]). A gap remembers what it skipped, so a reordered
   * message that arrives late fills it instead of counting as a second gap.
   */
  private trackSeq(
    node: NodeState,
    nodeKey: string,
    type: SparkplugMessageType,
    rawSeq: Uint64 | undefined,
    out: SparkplugEvent,
  ): void {
    if (rawSeq === undefined) return;
    const seq = safeNumber(rawSeq);
    if (seq === undefined || seq > 255) {
      out.errors.push(`sparkplug seq ${rawSeq} out of range on ${nodeKey}`);
      return;
    }
    if (type === 'NBIRTH' || node.lastSeq === null) {
      node.lastSeq = seq;
      node.missing.clear();
      return;
    }
    const expected = (node.lastSeq + 1) % 256;
    if (seq === expected) node.lastSeq = seq;
    else if (node.missing.delete(seq) || seq === node.lastSeq) {
      // a late message filling a gap, or a QoS 1 duplicate: in order after all
    } else {
      for (const s of seqRange(expected, seq)) node.missing.add(s);
      node.lastSeq = seq;
      out.seqGap = true;
      out.rebirth = true;
    }
  }

  private learn(node: NodeState, scope: string, m: RawMetric): void {
    if (m.name === undefined || m.name.length === 0) return;
    if (node.defs.size >= MAX_ALIASES_PER_NODE) return;
    const def: MetricDef =
      m.datatype === undefined ? { name: m.name } : { name: m.name, datatype: m.datatype };
    node.defs.set(`${scope}\u0000=${m.name}`, def);
    if (m.alias !== undefined) node.defs.set(`${scope}\u0000#${m.alias}`, def);
  }

  private definition(node: NodeState, scope: string, m: RawMetric): MetricDef | undefined {
    if (m.name !== undefined && m.name.length > 0) {
      return node.defs.get(`${scope}\u0000=${m.name}`) ?? { name: m.name };
    }
    if (m.alias === undefined) return undefined;
    return node.defs.get(`${scope}\u0000#${m.alias}`);
  }

  /**
   * Why the node still needs a rebirth once its reorder window has passed (seq numbers that
   * never arrived, DATA with no BIRTH), or null when reordering resolved it
   * ([tck-id-operational-behavior-host-reordering-success]). The skipped seq numbers are
   * forgotten: the rebirth restarts the count.
   */
  rebirthReason(group: string, edge: string): string | null {
    const node = this.nodes.get(`${group}/${edge}`);
    if (!node) return null;
    const reasons: string[] = [];
    if (node.missing.size > 0) {
      const missing = [...node.missing];
      const shown = missing.slice(0, 5).join(', ');
      reasons.push(
        `seq ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} never arrived`,
      );
      node.missing.clear();
    }
    if (node.unborn.size > 0) {
      const who = [...node.unborn].slice(0, 3).map((s) => (s === '' ? 'the node' : s));
      reasons.push(`no BIRTH for ${who.join(', ')}${node.unborn.size > 3 ? ' and more' : ''}`);
    }
    return reasons.length > 0 ? reasons.join('; ') : null;
  }

  summary(): SparkplugSummary {
    const s: SparkplugSummary = {
      nodesOnline: 0,
      nodesOffline: 0,
      devicesOnline: 0,
      devicesOffline: 0,
      precisionLost: this.precisionLost,
    };
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

  /**
   * What the BIRTH of a node (`group:edge`) or device (`group:edge:device`) said about one of
   * its metrics: a command to it must carry this datatype. undefined: no BIRTH named it.
   */
  birthMetric(deviceId: string, metric: string): { datatype: number | undefined } | undefined {
    const [group, edge, device] = deviceId.split(':');
    const def = this.nodes.get(`${group}/${edge}`)?.defs.get(`${device ?? ''}\u0000=${metric}`);
    return def && { datatype: def.datatype };
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
