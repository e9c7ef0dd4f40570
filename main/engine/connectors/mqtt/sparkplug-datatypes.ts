/**
 * Sparkplug B metric values by datatype (spec 3.0 §6.4.16 "Datatype Details"): which protobuf
 * field carries which type, narrowed to the declared width. Edge nodes disagree on how a
 * negative small integer goes into the uint32 `int_value`: Eclipse Tahu's Python encoder
 * writes `value + 2**8` / `+ 2**16` / `+ 2**32` (sparkplug_b.py addMetric), C and Java
 * encoders a sign-extended two's complement. Both decode to the same signed number here.
 */
import type { Quality } from '../../../../common/reading';
import type { RawValue } from './sparkplug-wire';

export const DATATYPE = {
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
  Text: 14,
} as const;

export interface MetricValue {
  value: number | null;
  quality: Quality;
  /** why the quality is not 'good' (or why the value is only approximate) */
  note?: 'precision' | 'range' | 'mismatch' | 'untyped';
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface IntType {
  bits: 8 | 16 | 32 | 64;
  signed: boolean;
}

const INT_TYPES: Record<number, IntType> = {
  [DATATYPE.Int8]: { bits: 8, signed: true },
  [DATATYPE.Int16]: { bits: 16, signed: true },
  [DATATYPE.Int32]: { bits: 32, signed: true },
  [DATATYPE.Int64]: { bits: 64, signed: true },
  [DATATYPE.UInt8]: { bits: 8, signed: false },
  [DATATYPE.UInt16]: { bits: 16, signed: false },
  [DATATYPE.UInt32]: { bits: 32, signed: false },
  [DATATYPE.UInt64]: { bits: 64, signed: false },
  [DATATYPE.DateTime]: { bits: 64, signed: false },
};

/** Types whose value is text or structure, not a number: no reading. */
const NON_NUMERIC = new Set<number>([12, 14, 15, 16, 17, 18, 19, 20, 21]);

function fromBigInt(v: bigint, quality: Quality = 'good', note?: MetricValue['note']): MetricValue {
  // a 64-bit integer beyond 2^53 has no exact double: keep the nearest, say so
  if (v > MAX_SAFE || v < -MAX_SAFE) return { value: Number(v), quality: 'suspect', note: 'precision' };
  return note ? { value: Number(v), quality, note } : { value: Number(v), quality };
}

/**
 * An integer of the declared width from the uint32 or uint64 field that carried it. A signed
 * type accepts the value itself, its `+ 2^bits` form and its sign extension to 32 or 64 bits;
 * anything else is outside the type and flagged.
 */
function integer(type: IntType, raw: bigint, fieldBits: 32 | 64): MetricValue {
  const { bits, signed } = type;
  if (!signed) {
    const max = (1n << BigInt(bits)) - 1n;
    return raw <= max ? fromBigInt(raw) : fromBigInt(raw, 'out-of-range', 'range');
  }
  if (raw < 1n << BigInt(bits)) return fromBigInt(BigInt.asIntN(bits, raw));
  // sign extension of a negative value to the field's width (two's complement encoders)
  const extended = BigInt.asIntN(fieldBits, raw);
  const min = -(1n << BigInt(bits - 1));
  if (extended < 0n && extended >= min) return fromBigInt(extended);
  return fromBigInt(extended, 'out-of-range', 'range');
}

/** A float or double: non-finite numbers are no value. */
function real(v: number): MetricValue {
  return Number.isFinite(v) ? { value: v, quality: 'good' } : { value: null, quality: 'null' };
}

/** The value in its field's own reading, for metrics whose type we do not know or that disagree. */
function natural(raw: RawValue, note: MetricValue['note']): MetricValue | undefined {
  switch (raw.field) {
    case 'int':
      return { value: raw.v, quality: 'suspect', note };
    case 'long':
      return fromBigInt(raw.v, 'suspect', note);
    case 'float':
    case 'double':
      return Number.isFinite(raw.v)
        ? { value: raw.v, quality: 'suspect', note }
        : { value: null, quality: 'null', note };
    case 'bool':
      return { value: raw.v ? 1 : 0, quality: 'suspect', note };
    default:
      return undefined;
  }
}

/**
 * The numeric value of a metric of `datatype` (from the metric or learned from its BIRTH);
 * `undefined` when it is not a number (strings, data sets, templates, bytes).
 */
export function metricValue(
  datatype: number | undefined,
  raw: RawValue | undefined,
  isNull: boolean,
): MetricValue | undefined {
  if (datatype !== undefined && NON_NUMERIC.has(datatype)) return undefined;
  if (isNull || raw === undefined) return { value: null, quality: 'null' };
  if (raw.field === 'string' || raw.field === 'other') return undefined;
  if (datatype === undefined || datatype === 0) return natural(raw, 'untyped');
  const int = INT_TYPES[datatype];
  if (int) {
    if (raw.field === 'int') return integer(int, BigInt(raw.v), 32);
    if (raw.field === 'long') return integer(int, raw.v, 64);
    return natural(raw, 'mismatch');
  }
  if (datatype === DATATYPE.Float || datatype === DATATYPE.Double) {
    if (raw.field === 'float' || raw.field === 'double') return real(raw.v);
    return natural(raw, 'mismatch');
  }
  if (datatype === DATATYPE.Boolean) {
    if (raw.field === 'bool') return { value: raw.v ? 1 : 0, quality: 'good' };
    return natural(raw, 'mismatch');
  }
  // array types (22–34) and types after this spec: not a single number
  return undefined;
}
