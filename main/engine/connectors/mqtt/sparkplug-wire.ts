/**
 * A protobuf reader for the Sparkplug B `Payload` message (sparkplug_b.proto, spec 3.0 §6.4):
 * only the fields a host needs, with every metric's raw value field kept as it came off the
 * wire. Our own reader rather than sparkplug-payload's decoder because that one turns the raw
 * fields into a value through the metric's `datatype`, which DATA messages leave out
 * ([tck-id-payloads-metric-datatype-not-req]), and loses 64-bit precision on the way.
 * Nested messages (data sets, templates, properties) are skipped, never recursed into.
 */

/** A protobuf uint64: a number below 2^49 (exact in a double, and fast), else a bigint. */
export type Uint64 = number | bigint;

/** Which protobuf field of the metric carried its value. */
export type RawValue =
  | { field: 'int'; v: number } // int_value = 10, uint32
  | { field: 'long'; v: bigint } // long_value = 11, uint64
  | { field: 'float'; v: number } // float_value = 12
  | { field: 'double'; v: number } // double_value = 13
  | { field: 'bool'; v: boolean } // boolean_value = 14
  | { field: 'string'; v: string } // string_value = 15
  | { field: 'other' }; // bytes, data set, template or extension

export interface RawMetric {
  name?: string;
  alias?: Uint64;
  timestamp?: Uint64;
  datatype?: number;
  isNull: boolean;
  value?: RawValue;
}

export interface RawPayload {
  timestamp?: Uint64;
  seq?: Uint64;
  metrics: RawMetric[];
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

class WireError extends Error {}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): Uint64 {
    // seven bytes carry 49 bits, exact in a double: tags, aliases, seq and timestamps stay numbers
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
    }
    let big = BigInt(n);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, big);
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  private byte(): number {
    if (this.pos >= this.end) throw new WireError('truncated varint');
    return this.buf[this.pos++]!;
  }

  /** the low 32 bits of a varint (uint32 fields; a sign-extended int32 arrives as 10 bytes) */
  uint32(): number {
    const v = this.varint();
    return typeof v === 'number' ? v % 2 ** 32 : Number(BigInt.asUintN(32, v));
  }

  /** a varint that must fit a small count (tags and lengths) */
  small(): number {
    const v = this.varint();
    if (typeof v !== 'number' || v > 0x7fffffff) throw new WireError('length out of range');
    return v;
  }

  bytes(): Uint8Array {
    const n = this.small();
    if (this.pos + n > this.end) throw new WireError('length beyond the payload');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  fixed(n: 4 | 8): DataView {
    if (this.pos + n > this.end) throw new WireError('truncated fixed-width field');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return view;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.fixed(8);
    else if (wire === LENGTH) this.bytes();
    else if (wire === FIXED32) this.fixed(4);
    else throw new WireError(`unsupported wire type ${wire}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function expect(wire: number, want: number, what: string): void {
  if (wire !== want) throw new WireError(`${what} has wire type ${wire}`);
}

function readMetric(buf: Uint8Array): RawMetric {
  const r = new Reader(buf, 0, buf.length);
  const m: RawMetric = { isNull: false };
  while (r.pos < r.end) {
    const tag = r.small();
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1:
        expect(wire, LENGTH, 'metric name');
        m.name = utf8.decode(r.bytes());
        break;
      case 2:
        expect(wire, VARINT, 'metric alias');
        m.alias = r.varint();
        break;
      case 3:
        expect(wire, VARINT, 'metric timestamp');
        m.timestamp = r.varint();
        break;
      case 4:
        expect(wire, VARINT, 'metric datatype');
        m.datatype = r.uint32();
        break;
      case 7:
        expect(wire, VARINT, 'metric is_null');
        m.isNull = r.uint32() !== 0;
        break;
      case 10:
        expect(wire, VARINT, 'int_value');
        m.value = { field: 'int', v: r.uint32() };
        break;
      case 11:
        expect(wire, VARINT, 'long_value');
        m.value = { field: 'long', v: BigInt(r.varint()) };
        break;
      case 12:
        expect(wire, FIXED32, 'float_value');
        m.value = { field: 'float', v: r.fixed(4).getFloat32(0, true) };
        break;
      case 13:
        expect(wire, FIXED64, 'double_value');
        m.value = { field: 'double', v: r.fixed(8).getFloat64(0, true) };
        break;
      case 14:
        expect(wire, VARINT, 'boolean_value');
        m.value = { field: 'bool', v: r.uint32() !== 0 };
        break;
      case 15:
        expect(wire, LENGTH, 'string_value');
        m.value = { field: 'string', v: utf8.decode(r.bytes()) };
        break;
      case 16:
      case 17:
      case 18:
      case 19:
        r.skip(wire);
        m.value = { field: 'other' };
        break;
      default:
        r.skip(wire);
    }
  }
  return m;
}

/** Reads a Sparkplug B payload; throws a WireError on malformed protobuf. */
function readPayload(buf: Uint8Array): RawPayload {
  const r = new Reader(buf, 0, buf.length);
  const p: RawPayload = { metrics: [] };
  while (r.pos < r.end) {
    const tag = r.small();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1) {
      expect(wire, VARINT, 'payload timestamp');
      p.timestamp = r.varint();
    } else if (field === 2) {
      expect(wire, LENGTH, 'metric');
      p.metrics.push(readMetric(r.bytes()));
    } else if (field === 3) {
      expect(wire, VARINT, 'payload seq');
      p.seq = r.varint();
    } else {
      r.skip(wire);
    }
  }
  return p;
}

/** Decodes a Sparkplug B protobuf payload; never throws. */
export function readSparkplugPayload(bytes: Uint8Array): RawPayload | { error: string } {
  try {
    return readPayload(bytes);
  } catch (error) {
    if (error instanceof WireError) return { error: `bad sparkplug payload: ${error.message}` };
    return { error: `bad sparkplug payload: ${String((error as Error)?.message ?? error).slice(0, 120)}` };
  }
}
