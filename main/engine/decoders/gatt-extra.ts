/**
 * More standard GATT characteristics beside the ones in gatt.ts (Bluetooth SIG GATT
 * Specification Supplement): a few more Environmental Sensing values, the Device
 * Information strings, UUID normalisation and a lookup that covers both tables.
 * Every decoder treats its input as hostile: a wrong length throws (a counted decode
 * error for the caller), anything else gives a number or null.
 */
import { GATT_CHARACTERISTICS, type GattMetric } from './gatt';

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

function exactly(d: Uint8Array, n: number, what: string): void {
  if (d.length !== n) throw new Error(`${what} must be ${n} byte${n === 1 ? '' : 's'}`);
}

/** Environmental Sensing characteristics that gatt.ts does not cover */
export const GATT_EXTRA_CHARACTERISTICS: Readonly<Record<string, GattMetric>> = {
  // UV Index: uint8, unitless
  '2a76': {
    metric: 'uv_index',
    unit: '',
    decode: (d) => {
      exactly(d, 1, 'UV index');
      return d[0]!;
    },
  },
  // Dew Point: sint8, 1 °C
  '2a7b': {
    metric: 'dew_point',
    unit: '°C',
    decode: (d) => {
      exactly(d, 1, 'dew point');
      return view(d).getInt8(0);
    },
  },
  // Elevation: sint24, 0.01 m
  '2a6c': {
    metric: 'elevation',
    unit: 'm',
    decode: (d) => {
      exactly(d, 3, 'elevation');
      const raw = d[0]! | (d[1]! << 8) | (d[2]! << 16);
      return ((raw << 8) >> 8) / 100;
    },
  },
  // Illuminance (GSS): uint24, 0.01 lux; 0xFFFFFF = not known
  '2afb': {
    metric: 'illuminance',
    unit: 'lx',
    decode: (d) => {
      exactly(d, 3, 'illuminance');
      const raw = d[0]! | (d[1]! << 8) | (d[2]! << 16);
      return raw === 0xffffff ? null : raw / 100;
    },
  },
  // Temperature Celsius (Health Thermometer era): sint16, 0.1 °C
  '2a1f': {
    metric: 'temperature',
    unit: '°C',
    decode: (d) => {
      exactly(d, 2, 'temperature celsius');
      return view(d).getInt16(0, true) / 10;
    },
  },
};

/** Standard decoder for a (normalised) characteristic UUID, from gatt.ts or this file */
export function gattMetricFor(uuid: string): GattMetric | undefined {
  const key = normalizeUuid(uuid);
  if (Object.hasOwn(GATT_CHARACTERISTICS, key)) return GATT_CHARACTERISTICS[key];
  if (Object.hasOwn(GATT_EXTRA_CHARACTERISTICS, key)) return GATT_EXTRA_CHARACTERISTICS[key];
  return undefined;
}

const BASE_UUID_SUFFIX = '00001000800000805f9b34fb';

/**
 * Noble's spelling of a UUID: lower-case hex, no dashes, 16-bit assigned numbers as
 * 4 digits. Accepts "0x2A6E", "2A6E", "00002a6e-0000-1000-8000-00805f9b34fb".
 */
export function normalizeUuid(uuid: string): string {
  let u = uuid.trim().toLowerCase().replace(/-/g, '');
  if (u.startsWith('0x')) u = u.slice(2);
  if (u.length === 32 && u.startsWith('0000') && u.endsWith(BASE_UUID_SUFFIX)) return u.slice(4, 8);
  if (u.length === 8 && u.startsWith('0000')) return u.slice(4);
  return u;
}

/** Device Information Service (0x180a) string characteristics */
export const DEVICE_INFORMATION_SERVICE = '180a';
export const DEVICE_INFORMATION_STRINGS: Readonly<Record<string, string>> = {
  '2a29': 'manufacturer',
  '2a24': 'model',
  '2a25': 'serial',
  '2a26': 'firmware',
  '2a27': 'hardware',
  '2a28': 'software',
};

/**
 * A GATT UTF-8 string value, made safe for display and storage: invalid sequences
 * become U+FFFD, control characters and trailing NULs are dropped, length is capped.
 */
export function decodeGattString(data: Uint8Array, maxLength = 64): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return Array.from(clean).slice(0, maxLength).join('');
}

/** Human names for the GATT explorer */
export const GATT_NAMES: Readonly<Record<string, string>> = {
  '1800': 'Generic Access',
  '1801': 'Generic Attribute',
  '180a': 'Device Information',
  '180f': 'Battery',
  '181a': 'Environmental Sensing',
  '2a00': 'Device Name',
  '2a19': 'Battery Level',
  '2a1f': 'Temperature Celsius',
  '2a21': 'Measurement Interval',
  '2a24': 'Model Number String',
  '2a25': 'Serial Number String',
  '2a26': 'Firmware Revision String',
  '2a27': 'Hardware Revision String',
  '2a28': 'Software Revision String',
  '2a29': 'Manufacturer Name String',
  '2a6c': 'Elevation',
  '2a6d': 'Pressure',
  '2a6e': 'Temperature',
  '2a6f': 'Humidity',
  '2a76': 'UV Index',
  '2a7b': 'Dew Point',
  '2afb': 'Illuminance',
};
