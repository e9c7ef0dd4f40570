/**
 * Sparkplug B 3.0 conformance of the decoder and tracker, with payloads written as literal
 * protobuf bytes per sparkplug_b.proto (Payload{timestamp=1, metrics=2, seq=3};
 * Metric{name=1, alias=2, timestamp=3, datatype=4, is_null=7, int_value=10 (uint32),
 * long_value=11 (uint64), float_value=12, double_value=13, boolean_value=14, string_value=15})
 * and the datatype table of spec §6.4.16 "Datatype Details" (Int8=1 … UInt32=7 carried as
 * protobuf uint32, Int64/UInt64/DateTime as uint64). Negative small integers follow Eclipse
 * Tahu's Python encoder (python/core/sparkplug_b.py addMetric: Int8 → `value + 2**8`,
 * Int16 → `+ 2**16`, Int32 → `+ 2**32`, Int64 → `+ 2**64`, UInt32 → int_value) and the
 * two's-complement sign extension of the C and Java encoders. Never Fieldline's own encoder.
 */
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../../common/reading';
import { type SparkplugTopic, SparkplugTracker } from './sparkplug';
import { SparkplugSession } from './sparkplug-session';
import { decodeStatePayload, HostStates, parseStateTopic } from './sparkplug-state';

const T0 = Date.UTC(2026, 0, 1); // 1767225600000 = varint 80 d0 ea b6 b7 33
const NOW = T0 + 60_000;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// --- the test's own minimal protobuf writer, straight from the wire format -----------------
function varint(n: bigint | number): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const vField = (field: number, v: bigint | number) => [...key(field, 0), ...varint(v)];
const lenField = (field: number, body: number[]) => [...key(field, 2), ...varint(body.length), ...body];
const str = (field: number, s: string) => lenField(field, [...Buffer.from(s, 'utf8')]);

interface M {
  name?: string;
  alias?: number;
  datatype?: number;
  int?: number; // int_value, uint32
  long?: bigint; // long_value, uint64
  float?: number;
  double?: number;
  bool?: boolean;
  string?: string;
}
function metric(m: M): number[] {
  const b: number[] = [];
  if (m.name !== undefined) b.push(...str(1, m.name));
  if (m.alias !== undefined) b.push(...vField(2, m.alias));
  if (m.datatype !== undefined) b.push(...vField(4, m.datatype));
  if (m.int !== undefined) b.push(...vField(10, m.int));
  if (m.long !== undefined) b.push(...vField(11, m.long));
  if (m.float !== undefined) {
    const f = Buffer.alloc(4);
    f.writeFloatLE(m.float);
    b.push(...key(12, 5), ...f);
  }
  if (m.double !== undefined) {
    const d = Buffer.alloc(8);
    d.writeDoubleLE(m.double);
    b.push(...key(13, 1), ...d);
  }
  if (m.bool !== undefined) b.push(...vField(14, m.bool ? 1 : 0));
  if (m.string !== undefined) b.push(...str(15, m.string));
  return b;
}
function payload(seq: number, metrics: M[], timestamp = T0): Buffer {
  const b = [...vField(1, timestamp)];
  for (const m of metrics) b.push(...lenField(2, metric(m)));
  b.push(...vField(3, seq));
  return Buffer.from(b);
}

const NBIRTH: SparkplugTopic = { group: 'G', type: 'NBIRTH', edge: 'e' };
const NDATA: SparkplugTopic = { group: 'G', type: 'NDATA', edge: 'e' };
const NDEATH: SparkplugTopic = { group: 'G', type: 'NDEATH', edge: 'e' };

// spec §6.4.16 datatype numbers
const Int8 = 1;
const Int16 = 2;
const Int32 = 3;
const Int64 = 4;
const UInt8 = 5;
const UInt16 = 6;
const UInt32 = 7;
const UInt64 = 8;
const Float = 9;
const Double = 10;
const BooleanType = 11;
const StringType = 12;
const DateTime = 13;

/** An NBIRTH as the spec requires it: bdSeq, Node Control/Rebirth, then every metric with name, alias and datatype. */
function birth(metrics: M[]): Buffer {
  return payload(0, [
    { name: 'bdSeq', datatype: UInt64, long: 0n },
    { name: 'Node Control/Rebirth', datatype: BooleanType, bool: false },
    ...metrics,
  ]);
}

/** A tracker that has seen the node's NBIRTH with these metrics. */
function bornWith(metrics: M[]): SparkplugTracker {
  const t = new SparkplugTracker('c');
  t.handle(NBIRTH, birth(metrics), NOW);
  return t;
}

function byMetric(readings: Reading[]): Record<string, Pick<Reading, 'value' | 'quality'>> {
  return Object.fromEntries(readings.map((r) => [r.metric, { value: r.value, quality: r.quality }]));
}

describe('DATA metrics carry only alias and value ([tck-id-payloads-alias-data-cmd-requirement], [tck-id-payloads-metric-datatype-not-req])', () => {
  it('decodes every numeric datatype with the name and datatype learned per alias from NBIRTH', () => {
    const t = new SparkplugTracker('c');
    const b = t.handle(
      NBIRTH,
      birth([
        { name: 'i8', alias: 1, datatype: Int8, int: 5 },
        { name: 'i16', alias: 2, datatype: Int16, int: 5 },
        { name: 'i32', alias: 3, datatype: Int32, int: 5 },
        { name: 'i64', alias: 4, datatype: Int64, long: 5n },
        { name: 'u8', alias: 5, datatype: UInt8, int: 5 },
        { name: 'u16', alias: 6, datatype: UInt16, int: 5 },
        { name: 'u32', alias: 7, datatype: UInt32, int: 5 },
        { name: 'u64', alias: 8, datatype: UInt64, long: 5n },
        { name: 'f', alias: 9, datatype: Float, float: 5 },
        { name: 'd', alias: 10, datatype: Double, double: 5 },
        { name: 'on', alias: 11, datatype: BooleanType, bool: false },
        { name: 'label', alias: 12, datatype: StringType, string: 'x' },
        { name: 'at', alias: 13, datatype: DateTime, long: BigInt(T0) },
      ]),
      NOW,
    );
    expect(b.errors).toEqual([]);
    expect(b.readings).toHaveLength(12);

    // NDATA seq 1, one metric per datatype, alias + value only: no name, no datatype
    const data = t.handle(
      NDATA,
      payload(1, [
        { alias: 1, int: 0xfffffffb }, // Int8 -5, sign-extended two's complement
        { alias: 2, int: 65236 }, // Int16 -300 as Tahu writes it: -300 + 2**16
        { alias: 3, int: 2 ** 32 - 7 }, // Int32 -7 as Tahu writes it: -7 + 2**32
        { alias: 4, long: 2n ** 64n - 7n }, // Int64 -7 as Tahu writes it: -7 + 2**64
        { alias: 5, int: 255 },
        { alias: 6, int: 65535 },
        { alias: 7, int: 4_000_000_000 }, // UInt32 in int_value (spec table: uint32)
        { alias: 8, long: 2n ** 53n - 1n },
        { alias: 9, float: 1.5 },
        { alias: 10, double: 2.25 },
        { alias: 11, bool: true },
        { alias: 12, string: 'y' },
        { alias: 13, long: BigInt(T0 + 1) },
      ]),
      NOW,
    );
    expect(data.errors).toEqual([]);
    expect(data.rebirth).toBe(false);
    expect(byMetric(data.readings)).toEqual({
      i8: { value: -5, quality: 'good' },
      i16: { value: -300, quality: 'good' },
      i32: { value: -7, quality: 'good' },
      i64: { value: -7, quality: 'good' },
      u8: { value: 255, quality: 'good' },
      u16: { value: 65535, quality: 'good' },
      u32: { value: 4_000_000_000, quality: 'good' },
      u64: { value: Number.MAX_SAFE_INTEGER, quality: 'good' },
      f: { value: 1.5, quality: 'good' },
      d: { value: 2.25, quality: 'good' },
      on: { value: 1, quality: 'good' },
      at: { value: T0 + 1, quality: 'good' },
    });
    expect(data.readings.every((r) => r.deviceId === 'G:e' && r.ts === T0)).toBe(true);
  });

  it('literal vectors: Tahu Int8 `value + 2**8` and UInt32 in int_value after a DBIRTH', () => {
    const t = bornWith([]);
    const DBIRTH: SparkplugTopic = { group: 'G', type: 'DBIRTH', edge: 'e', device: 'd' };
    const DDATA: SparkplugTopic = { group: 'G', type: 'DDATA', edge: 'e', device: 'd' };
    // DBIRTH seq 1: metrics {name "t", alias 1, datatype Int8, int_value 251} and
    // {name "n", alias 2, datatype UInt32, int_value 7}
    const dbirth = hex(`
      08 80 d0 ea b6 b7 33
      12 0a  0a 01 74  10 01  20 01  50 fb 01
      12 09  0a 01 6e  10 02  20 07  50 07
      18 01`);
    expect(byMetric(t.handle(DBIRTH, dbirth, NOW).readings)).toEqual({
      t: { value: -5, quality: 'good' },
      n: { value: 7, quality: 'good' },
    });
    // DDATA seq 2: {alias 1, int_value 251}, {alias 2, int_value 4000000000}
    const ddata = hex(`
      08 80 d0 ea b6 b7 33
      12 05  10 01  50 fb 01
      12 08  10 02  50 80 d0 ac f3 0e
      18 02`);
    const out = t.handle(DDATA, ddata, NOW);
    expect(out.errors).toEqual([]);
    expect(byMetric(out.readings)).toEqual({
      t: { value: -5, quality: 'good' },
      n: { value: 4_000_000_000, quality: 'good' },
    });
    // DDATA seq 3: Int8 -5 as a sign-extended uint32 (fb ff ff ff 0f) decodes the same
    const signExtended = hex('08 80 d0 ea b6 b7 33  12 08  10 01  50 fb ff ff ff 0f  18 03');
    expect(byMetric(t.handle(DDATA, signExtended, NOW).readings)).toEqual({
      t: { value: -5, quality: 'good' },
    });
  });

  it('accepts UInt32 in long_value too, and Int16 -300 in both encodings', () => {
    const t = bornWith([
      { name: 'n', alias: 1, datatype: UInt32, long: 1n },
      { name: 's', alias: 2, datatype: Int16, int: 1 },
    ]);
    const out = t.handle(
      NDATA,
      // {alias 1, long_value 4000000000}, {alias 2, int_value 65236 = d4 fd 03}, then seq 2 with d4 fd ff ff 0f
      hex('12 08  10 01  58 80 d0 ac f3 0e   12 06  10 02  50 d4 fd 03   18 01'),
      NOW,
    );
    expect(byMetric(out.readings)).toEqual({
      n: { value: 4_000_000_000, quality: 'good' },
      s: { value: -300, quality: 'good' },
    });
    const ext = t.handle(NDATA, hex('12 08  10 02  50 d4 fd ff ff 0f  18 02'), NOW);
    expect(byMetric(ext.readings)).toEqual({ s: { value: -300, quality: 'good' } });
  });

  it('flags an integer outside its declared width as out-of-range, not a wrapped number', () => {
    const t = bornWith([
      { name: 'i8', alias: 1, datatype: Int8, int: 0 },
      { name: 'u8', alias: 2, datatype: UInt8, int: 0 },
    ]);
    // Int8 = 300 (ac 02) and UInt8 = 256 (80 02): neither is a value of the type nor its + 2^8 form
    const out = t.handle(NDATA, hex('12 05  10 01  50 ac 02   12 05  10 02  50 80 02   18 01'), NOW);
    expect(byMetric(out.readings)).toEqual({
      i8: { value: 300, quality: 'out-of-range' },
      u8: { value: 256, quality: 'out-of-range' },
    });
  });

  it('flags a value in a field that contradicts the datatype, and counts it', () => {
    const t = bornWith([{ name: 'i', alias: 1, datatype: Int32, int: 0 }]);
    // alias 1 declared Int32, sent as double_value 2.25
    const out = t.handle(NDATA, hex('12 0b  10 01  69 00 00 00 00 00 00 02 40  18 01'), NOW);
    expect(byMetric(out.readings)).toEqual({ i: { value: 2.25, quality: 'suspect' } });
    expect(out.errors).toEqual([expect.stringMatching(/does not match datatype 3/)]);
  });

  it('a null metric (is_null) is stored as null, whatever its type', () => {
    const t = bornWith([{ name: 'u', alias: 1, datatype: UInt32, int: 0 }]);
    // {alias 1, is_null true}
    const out = t.handle(NDATA, hex('12 04  10 01  38 01  18 01'), NOW);
    expect(byMetric(out.readings)).toEqual({ u: { value: null, quality: 'null' } });
  });
});

describe('64-bit integers beyond 2^53', () => {
  it('stores the nearest double, flags it suspect and counts it', () => {
    const t = bornWith([
      { name: 'big', alias: 1, datatype: UInt64, long: 0n },
      { name: 'neg', alias: 2, datatype: Int64, long: 0n },
    ]);
    // {alias 1, long_value 2^53 + 1 = 81 80 80 80 80 80 80 10}; {alias 2, long_value 2^53 - 1}
    const out = t.handle(
      NDATA,
      hex('12 0b  10 01  58 81 80 80 80 80 80 80 10   12 0b  10 02  58 ff ff ff ff ff ff ff 0f  18 01'),
      NOW,
    );
    expect(byMetric(out.readings)).toEqual({
      big: { value: 2 ** 53, quality: 'suspect' },
      neg: { value: Number.MAX_SAFE_INTEGER, quality: 'good' },
    });
    // Int64 -(2^53 + 1) as Tahu writes it: + 2^64
    const negative = payload(2, [{ alias: 2, long: 2n ** 64n - (2n ** 53n + 1n) }]);
    expect(byMetric(t.handle(NDATA, negative, NOW).readings)).toEqual({
      neg: { value: -(2 ** 53), quality: 'suspect' },
    });
    expect(t.summary().precisionLost).toBe(2);
  });

  it('counts them in the connector status detail', () => {
    const hooks = { publish: () => {}, error: () => {}, changed: () => {} };
    const s = new SparkplugSession({ source: 'c', reorderTimeoutMs: 100, rebirthIntervalMs: 100 }, hooks);
    const out = s.handle(
      'spBv1.0/G/NBIRTH/e',
      birth([{ name: 'big', alias: 1, datatype: UInt64, long: 2n ** 60n }]),
      NOW,
    );
    expect(out).toMatchObject({
      changed: true,
      readings: [{ metric: 'big', value: 2 ** 60, quality: 'suspect' }],
    });
    expect(s.detail()).toBe(
      'sparkplug nodes 1 online / 0 offline, devices 0 online / 0 offline; 1 64-bit values beyond 2^53 rounded (suspect)',
    );
    s.stop();
  });
});

describe('protobuf wire edge cases', () => {
  it('reads varints exactly on both sides of 2^49 and refuses malformed ones', () => {
    const t = bornWith([{ name: 'u', alias: 1, datatype: UInt64, long: 0n }]);
    // {alias 1, long_value 2^49 - 1 (7 bytes)} then {alias 1, long_value 2^49 (8 bytes)}
    const out = t.handle(
      NDATA,
      hex('12 0a  10 01  58 ff ff ff ff ff ff 7f   12 0b  10 01  58 80 80 80 80 80 80 80 01  18 01'),
      NOW,
    );
    expect(out.readings.map((r) => r.value)).toEqual([2 ** 49 - 1, 2 ** 49]);
    // an 11-byte varint, a truncated one, a length past the end, a group wire type (3)
    for (const bad of ['18 ff ff ff ff ff ff ff ff ff ff 01', '18 ff ff', '12 05 10 01', '1b'])
      expect(t.handle(NDATA, hex(bad), NOW).errors).toEqual([
        expect.stringMatching(/^bad sparkplug payload: /),
      ]);
    // a known field with the wrong wire type: alias (field 2) as a length-delimited field
    expect(t.handle(NDATA, hex('12 03  12 01 00  18 02'), NOW).errors).toEqual([
      'bad sparkplug payload: metric alias has wire type 2',
    ]);
  });
});

describe('seq and the reorder window ([tck-id-operational-behavior-host-reordering-*])', () => {
  const data = (seq: number) => payload(seq, [{ alias: 1, double: seq }]);
  const born = () => bornWith([{ name: 'x', alias: 1, datatype: Double, double: 0 }]);

  it('a gap filled by the late messages needs no rebirth', () => {
    const t = born();
    expect(t.handle(NDATA, data(1), NOW).seqGap).toBe(false);
    const gap = t.handle(NDATA, data(4), NOW);
    expect(gap).toMatchObject({ seqGap: true, rebirth: true, errors: [] });
    expect(gap.readings.map((r) => r.value)).toEqual([4]);
    expect(t.handle(NDATA, data(3), NOW)).toMatchObject({ seqGap: false, rebirth: false });
    expect(t.handle(NDATA, data(2), NOW)).toMatchObject({ seqGap: false, rebirth: false });
    expect(t.handle(NDATA, data(5), NOW).seqGap).toBe(false);
    expect(t.rebirthReason('G', 'e')).toBeNull();
  });

  it('a gap still open when the window elapses asks for a rebirth, across the 255 → 0 wrap', () => {
    const t = born();
    for (let s = 1; s <= 254; s++) t.handle(NDATA, data(s), NOW);
    expect(t.handle(NDATA, data(1), NOW).seqGap).toBe(true); // 255 and 0 skipped
    expect(t.rebirthReason('G', 'e')).toBe('seq 255, 0 never arrived');
    expect(t.rebirthReason('G', 'e')).toBeNull(); // asked once; the rebirth restarts the count
  });

  it('a QoS 1 duplicate is not a gap', () => {
    const t = born();
    t.handle(NDATA, data(1), NOW);
    expect(t.handle(NDATA, data(1), NOW).seqGap).toBe(false);
    expect(t.rebirthReason('G', 'e')).toBeNull();
  });

  it('DATA before any NBIRTH is decoded where it can be and asks for a rebirth; the NBIRTH clears it', () => {
    const t = new SparkplugTracker('c');
    // named metric without datatype: stored, but flagged (nothing says what type it is)
    const named = t.handle(NDATA, payload(7, [{ name: 'x', double: 1.5 }]), NOW);
    expect(named.rebirth).toBe(true);
    expect(byMetric(named.readings)).toEqual({ x: { value: 1.5, quality: 'suspect' } });
    // alias only: nothing to name it by
    const aliased = t.handle(NDATA, payload(8, [{ alias: 1, double: 2 }]), NOW);
    expect(aliased.readings).toEqual([]);
    expect(aliased.errors).toEqual(['unknown sparkplug alias 1 on G:e']);
    expect(t.rebirthReason('G', 'e')).toBe('no BIRTH for the node');
    t.handle(NBIRTH, birth([{ name: 'x', alias: 1, datatype: Double, double: 0 }]), NOW);
    expect(t.rebirthReason('G', 'e')).toBeNull();
  });

  it('DDATA from a device with no DBIRTH, and any DATA after NDEATH, asks for a rebirth', () => {
    const t = born();
    const DDATA: SparkplugTopic = { group: 'G', type: 'DDATA', edge: 'e', device: 'pump' };
    expect(t.handle(DDATA, payload(1, [{ name: 'rpm', datatype: Double, double: 3 }]), NOW).rebirth).toBe(
      true,
    );
    expect(t.rebirthReason('G', 'e')).toBe('no BIRTH for pump');
    t.handle(NDEATH, payload(0, [{ name: 'bdSeq', datatype: UInt64, long: 0n }]), NOW);
    expect(t.rebirthReason('G', 'e')).toBeNull(); // a dead node is not asked
    expect(t.handle(NDATA, data(5), NOW).rebirth).toBe(true);
  });
});

describe('Host Application STATE (spBv1.0/STATE/<host_id>)', () => {
  it('parses the 3.0 topic and JSON payload', () => {
    expect(parseStateTopic('spBv1.0/STATE/scada-1')).toBe('scada-1');
    for (const bad of [
      'spBv1.0/STATE',
      'spBv1.0/STATE/',
      'spBv1.0/G/STATE/x',
      'STATE/scada',
      'spBv1.0/NBIRTH/x',
    ])
      expect(parseStateTopic(bad)).toBeNull();
    // [tck-id-host-topic-phid-birth-payload]: {"online":true,"timestamp":<ms>}
    expect(decodeStatePayload(Buffer.from(`{"online":true,"timestamp":${T0}}`))).toEqual({
      online: true,
      timestamp: T0,
    });
    // later drafts add bdSeq: accepted
    expect(decodeStatePayload(Buffer.from(`{"online":false,"bdSeq":3,"timestamp":${T0}}`))).toEqual({
      online: false,
      timestamp: T0,
    });
    for (const bad of ['ONLINE', '{"online":"yes"}', '[]', '{"online":true,"timestamp":"x"}', '\xff{'])
      expect(decodeStatePayload(Buffer.from(bad, 'latin1'))).toHaveProperty('error');
    expect(decodeStatePayload(Buffer.alloc(10_000, 0x20))).toHaveProperty('error');
  });

  it('keeps the newest state per host, ignores an older one, forgets a cleared one', () => {
    const h = new HostStates();
    expect(h.describe()).toBe('');
    h.update('scada', Buffer.from(`{"online":true,"timestamp":${T0 + 10}}`));
    expect(h.describe()).toBe('host scada online');
    h.update('scada', Buffer.from(`{"online":false,"timestamp":${T0}}`)); // older: stale
    expect(h.get('scada')?.online).toBe(true);
    h.update('backup', Buffer.from(`{"online":false,"timestamp":${T0}}`));
    expect(h.describe()).toBe('hosts scada online, backup offline');
    expect(h.update('x', Buffer.from('nope')).error).toMatch(/not UTF-8 JSON/);
    h.update('scada', Buffer.alloc(0));
    expect(h.describe()).toBe('host backup offline');
  });
});
