/**
 * Decodes standard GATT characteristic values by their assigned numbers (Bluetooth SIG
 * GATT Specification Supplement): the Environmental Sensing and Battery services.
 * Values are little-endian fixed-point; the "value is not known" sentinels become null.
 * Raw values the Supplement prohibits or reserves also become null, and `reserved` names
 * them, because a plausible-looking -327.67 °C is worse than no number at all.
 */
export interface GattMetric {
  metric: string;
  unit: string;
  /** a number, or null for "not known" and prohibited/reserved raw values; throws on a wrong length */
  decode(data: Uint8Array): number | null;
  /** "reserved value 0x8001" when the raw value is outside the Supplement's allowed range, else null */
  reserved?(data: Uint8Array): string | null;
}

/** A decoded value with the quality it deserves: reserved raw values are 'invalid', not 'null'. */
export interface GattDecoded {
  value: number | null;
  quality: 'good' | 'null' | 'invalid';
  /** why the value is invalid, e.g. "reserved value 0xFFFE" */
  reason: string | null;
}

/** Decodes and classifies one value; throws like `decode` on a malformed one. */
export function decodeGatt(m: GattMetric, data: Uint8Array): GattDecoded {
  const v = m.decode(data);
  const reason = m.reserved?.(data) ?? null;
  if (reason !== null) return { value: null, quality: 'invalid', reason };
  const value = v !== null && Number.isFinite(v) ? v : null;
  return { value, quality: value === null ? 'null' : 'good', reason: null };
}

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** the raw little-endian bytes as one hex number, the way the Supplement writes them */
function rawHex(data: Uint8Array): string {
  let hex = '';
  for (let i = data.length - 1; i >= 0; i--) hex += data[i]!.toString(16).padStart(2, '0');
  return `0x${hex.toUpperCase()}`;
}

function reservedIf(outside: boolean, data: Uint8Array): string | null {
  return outside ? `reserved value ${rawHex(data)}` : null;
}

// GSS allowed ranges in raw units
const TEMPERATURE_MIN_RAW = -27315; // -273.15 °C
const TEMPERATURE_NOT_KNOWN = -0x8000;
const HUMIDITY_MAX_RAW = 10000; // 100.00 %
const HUMIDITY_NOT_KNOWN = 0xffff;
const BATTERY_MAX = 100;

/** 16-bit short UUIDs, lower-case hex, as noble reports them */
export const GATT_CHARACTERISTICS: Readonly<Record<string, GattMetric>> = {
  // Temperature: sint16, 0.01 °C, allowed -273.15..327.67; 0x8000 = not known; others prohibited
  '2a6e': {
    metric: 'temperature',
    unit: '°C',
    decode: (d) => {
      if (d.length !== 2) throw new Error('temperature must be 2 bytes');
      const raw = view(d).getInt16(0, true);
      return raw === TEMPERATURE_NOT_KNOWN || raw < TEMPERATURE_MIN_RAW ? null : raw / 100;
    },
    reserved: (d) => {
      const raw = view(d).getInt16(0, true);
      return reservedIf(raw !== TEMPERATURE_NOT_KNOWN && raw < TEMPERATURE_MIN_RAW, d);
    },
  },
  // Humidity: uint16, 0.01 %, allowed 0..100.00; 0xFFFF = not known; others prohibited
  '2a6f': {
    metric: 'humidity',
    unit: '%RH',
    decode: (d) => {
      if (d.length !== 2) throw new Error('humidity must be 2 bytes');
      const raw = view(d).getUint16(0, true);
      return raw > HUMIDITY_MAX_RAW ? null : raw / 100;
    },
    reserved: (d) => {
      const raw = view(d).getUint16(0, true);
      return reservedIf(raw > HUMIDITY_MAX_RAW && raw !== HUMIDITY_NOT_KNOWN, d);
    },
  },
  // Pressure: uint32, 0.1 Pa, no special values in the Supplement; reported in hPa to match the profiles
  '2a6d': {
    metric: 'pressure',
    unit: 'hPa',
    decode: (d) => {
      if (d.length !== 4) throw new Error('pressure must be 4 bytes');
      return view(d).getUint32(0, true) / 1000;
    },
  },
  // Battery Level: uint8, percent, allowed 0..100; 101..255 reserved for future use
  '2a19': {
    metric: 'battery',
    unit: '%',
    decode: (d) => {
      if (d.length !== 1) throw new Error('battery level must be 1 byte');
      return d[0]! > BATTERY_MAX ? null : d[0]!;
    },
    reserved: (d) => reservedIf(d[0]! > BATTERY_MAX, d),
  },
};

/**
 * Encodes like a simple firmware does: it saturates at the raw type's limits and does not
 * check the Supplement's range, so an impossible value comes out as a prohibited raw value.
 */
export function encodeGattValue(uuid: string, value: number | null): Uint8Array {
  const out = new Uint8Array(uuid === '2a6d' ? 4 : uuid === '2a19' ? 1 : 2);
  const v = view(out);
  switch (uuid) {
    case '2a6e':
      v.setInt16(
        0,
        value === null ? -0x8000 : Math.max(-0x7fff, Math.min(0x7fff, Math.round(value * 100))),
        true,
      );
      break;
    case '2a6f':
      v.setUint16(0, value === null ? 0xffff : Math.max(0, Math.min(0xfffe, Math.round(value * 100))), true);
      break;
    case '2a6d':
      v.setUint32(0, Math.max(0, Math.min(0xffffffff, Math.round((value ?? 0) * 1000))), true);
      break;
    case '2a19':
      out[0] = Math.max(0, Math.min(100, Math.round(value ?? 0)));
      break;
    default:
      throw new Error(`no encoder for characteristic ${uuid}`);
  }
  return out;
}

export function gattUuidForMetric(metric: string): string | undefined {
  return Object.entries(GATT_CHARACTERISTICS).find(([, c]) => c.metric === metric)?.[0];
}
