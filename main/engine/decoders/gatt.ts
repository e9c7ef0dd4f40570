/**
 * Decodes standard GATT characteristic values by their assigned numbers (Bluetooth SIG
 * GATT Specification Supplement): the Environmental Sensing and Battery services.
 * Values are little-endian fixed-point; the "value is not known" sentinels become null.
 */
export interface GattMetric {
  metric: string;
  unit: string;
  decode(data: Uint8Array): number | null;
}

function view(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** 16-bit short UUIDs, lower-case hex, as noble reports them */
export const GATT_CHARACTERISTICS: Readonly<Record<string, GattMetric>> = {
  // Temperature: sint16, 0.01 °C; 0x8000 = not known
  '2a6e': {
    metric: 'temperature',
    unit: '°C',
    decode: (d) => {
      if (d.length !== 2) throw new Error('temperature must be 2 bytes');
      const raw = view(d).getInt16(0, true);
      return raw === -0x8000 ? null : raw / 100;
    },
  },
  // Humidity: uint16, 0.01 %; 0xFFFF = not known
  '2a6f': {
    metric: 'humidity',
    unit: '%RH',
    decode: (d) => {
      if (d.length !== 2) throw new Error('humidity must be 2 bytes');
      const raw = view(d).getUint16(0, true);
      return raw === 0xffff ? null : raw / 100;
    },
  },
  // Pressure: uint32, 0.1 Pa; reported in hPa to match the profiles
  '2a6d': {
    metric: 'pressure',
    unit: 'hPa',
    decode: (d) => {
      if (d.length !== 4) throw new Error('pressure must be 4 bytes');
      return view(d).getUint32(0, true) / 1000;
    },
  },
  // Battery Level: uint8, percent
  '2a19': {
    metric: 'battery',
    unit: '%',
    decode: (d) => {
      if (d.length !== 1) throw new Error('battery level must be 1 byte');
      return d[0]!;
    },
  },
};

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
