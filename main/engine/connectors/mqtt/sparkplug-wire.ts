/**
 * A protobuf reader for the Sparkplug B `Payload` message (sparkplug_b.proto, spec 3.0 §6.4):
 * only the fields a host needs, with every metric's raw value field kept as it came off the
 * wire. Our own reader rather than sparkplug-payload's decoder because that one turns the raw
 * fields into a value through the metric's `datatype`, which DATA messages leave out
 * ([tck-id-payloads-metric-datatype-not-req]), and loses 64-bit precision on the way.
 * Nested messages (data sets, templates, properties) are skipped, never recursed into.
 */

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
  alias?: bigint;
  timestamp?: bigint;
  datatype?: number;
  isNull: boolean;
  value?: RawValue;
}

export interface RawPayload {
  timestamp?: bigint;
  seq?: bigint;
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

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** a varint that must fit a small count (tags and lengths) */
  small(): number {
    const v = this.varint();
    if (v > 0x7fffffffn) throw new WireError('length out of range');
    return Number(v);
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
        m.datatype = Number(BigInt.asUintN(32, r.varint()));
        break;
      case 7:
        expect(wire, VARINT, 'metric is_null');
        m.isNull = r.varint() !== 0n;
        break;
      case 10:
        expect(wire, VARINT, 'int_value');
        // uint32 on the wire; a sign-extended negative int32 arrives as 10 bytes, keep the low 32 bits
        m.value = { field: 'int', v: Number(BigInt.asUintN(32, r.varint())) };
        break;
      case 11:
        expect(wire, VARINT, 'long_value');
        m.value = { field: 'long', v: r.varint() };
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
        m.value = { field: 'bool', v: r.varint() !== 0n };
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
