import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DeviceProfileSchema } from '../profiles/profile';
import {
  type BleCharacteristicMapping,
  BleCharacteristicMappingSchema,
  decodeMapped,
  GATT_FIELD_SIZES,
  type GattFieldType,
  mappingsFor,
} from './gatt-custom';

const VENDOR_CHAR = '7e1a0002-5f3c-4b8e-9a61-2f0c3d4e5a01';
const map = (m: Record<string, unknown>): BleCharacteristicMapping =>
  BleCharacteristicMappingSchema.parse({ characteristic: VENDOR_CHAR, metric: 'x', ...m });

/** an independent encoder: Node's Buffer writers, not DataView */
function encode(type: GattFieldType, endian: 'little' | 'big', raw: number): Buffer {
  const b = Buffer.alloc(GATT_FIELD_SIZES[type]);
  const le = endian === 'little';
  switch (type) {
    case 'int8':
      b.writeInt8(raw);
      break;
    case 'uint8':
      b.writeUInt8(raw);
      break;
    case 'int16':
      le ? b.writeInt16LE(raw) : b.writeInt16BE(raw);
      break;
    case 'uint16':
      le ? b.writeUInt16LE(raw) : b.writeUInt16BE(raw);
      break;
    case 'int32':
      le ? b.writeInt32LE(raw) : b.writeInt32BE(raw);
      break;
    case 'uint32':
      le ? b.writeUInt32LE(raw) : b.writeUInt32BE(raw);
      break;
    case 'float32':
      le ? b.writeFloatLE(raw) : b.writeFloatBE(raw);
      break;
  }
  return b;
}

describe('profile-mapped GATT characteristics (decoder)', () => {
  test('each type in both byte orders, with scale and offset', () => {
    const cases: [GattFieldType, number][] = [
      ['int8', -5],
      ['uint8', 200],
      ['int16', -1234],
      ['uint16', 60000],
      ['int32', -2_000_000_000],
      ['uint32', 4_000_000_000],
      ['float32', 23.12],
    ];
    for (const [type, raw] of cases) {
      for (const endian of ['little', 'big'] as const) {
        const bytes = encode(type, endian, raw);
        expect(decodeMapped(map({ type, endian }), bytes), `${type} ${endian}`).toEqual({
          value: raw,
          error: null,
        });
        expect(decodeMapped(map({ type, endian, scale: 0.5, offset: -10 }), bytes).value).toBeCloseTo(
          raw * 0.5 - 10,
          6,
        );
      }
    }
    // big-endian int16 0x0929 = 2345 → 23.45 mm/s at 0.01, without float noise
    expect(
      decodeMapped(map({ type: 'int16', endian: 'big', scale: 0.01 }), Buffer.from([0x09, 0x29])),
    ).toEqual({
      value: 23.45,
      error: null,
    });
    // the same bytes little-endian are 0x2909
    expect(decodeMapped(map({ type: 'int16', scale: 0.01 }), Buffer.from([0x09, 0x29])).value).toBe(105.05);
  });

  test('packed values: byteOffset picks the field; length must match exactly when given', () => {
    const speed = map({ type: 'uint16', endian: 'big', byteOffset: 2, length: 4 });
    expect(decodeMapped(speed, Buffer.from([0, 0, 0x05, 0xdc]))).toEqual({ value: 1500, error: null });
    expect(decodeMapped(speed, Buffer.from([0, 0, 0x05, 0xdc, 0])).error).toMatch(/expected 4 bytes, got 5/);
    expect(decodeMapped(speed, Buffer.from([0, 0, 0x05])).error).toMatch(/expected 4 bytes, got 3/);
    const open = map({ type: 'uint16', byteOffset: 2 });
    expect(decodeMapped(open, Buffer.from([9, 9, 1, 0, 7, 7])).value).toBe(1);
    expect(decodeMapped(open, Buffer.from([9, 9, 1])).error).toMatch(/at least 4 bytes, got 3/);
    // a view into a bigger buffer decodes from its own start
    const big = Buffer.from([0xaa, 0xbb, 0, 0, 0x05, 0xdc]);
    expect(decodeMapped(speed, big.subarray(2))).toEqual({ value: 1500, error: null });
  });

  test('"not known" sentinel is null; NaN and Infinity are errors', () => {
    const v = map({ type: 'int16', endian: 'big', scale: 0.01, notAvailable: -32768 });
    expect(decodeMapped(v, Buffer.from([0x80, 0x00]))).toEqual({ value: null, error: null });
    const f = map({ type: 'float32' });
    expect(decodeMapped(f, encode('float32', 'little', Number.NaN)).error).toMatch(/not a finite number/);
    expect(decodeMapped(f, encode('float32', 'little', Number.POSITIVE_INFINITY)).error).toMatch(/finite/);
    // a huge scale can overflow a finite raw value
    expect(
      decodeMapped(map({ type: 'float32', scale: 1e308 }), encode('float32', 'little', 3e38)).error,
    ).toMatch(/scaled value is not finite/);
  });

  test('the mapping schema: UUIDs normalised, defaults, bad mappings refused', () => {
    const m = map({
      type: 'uint8',
      service: '0x181A',
      characteristic: '00002A6E-0000-1000-8000-00805F9B34FB',
    });
    expect(m).toMatchObject({
      service: '181a',
      characteristic: '2a6e',
      endian: 'little',
      byteOffset: 0,
      scale: 1,
    });
    expect(map({ type: 'int16' }).characteristic).toBe('7e1a00025f3c4b8e9a612f0c3d4e5a01');
    const bad = (extra: Record<string, unknown>) =>
      BleCharacteristicMappingSchema.safeParse({
        characteristic: VENDOR_CHAR,
        metric: 'x',
        type: 'int16',
        ...extra,
      }).success;
    expect(bad({})).toBe(true);
    expect(bad({ type: 'int64' })).toBe(false);
    expect(bad({ scale: 0 })).toBe(false);
    expect(bad({ length: 3, byteOffset: 2 })).toBe(false);
    expect(bad({ characteristic: 'zz' })).toBe(false);
    expect(bad({ characteristic: '12345' })).toBe(false);
    expect(bad({ surprise: 1 })).toBe(false);
  });

  test('a profile must map onto its own metrics, in their unit', () => {
    const profile = (ble: unknown) =>
      DeviceProfileSchema.safeParse({
        id: 'tag',
        name: 'Tag',
        metrics: { vibration: { unit: 'mm/s', min: 0, max: 50 } },
        ble,
      });
    const ok = profile({
      characteristics: [{ characteristic: VENDOR_CHAR, metric: 'vibration', type: 'int16' }],
    });
    expect(ok.success).toBe(true);
    const unknown = profile({
      characteristics: [{ characteristic: VENDOR_CHAR, metric: 'speed', type: 'int16' }],
    });
    expect(unknown.error?.issues[0]).toMatchObject({
      path: ['ble', 'characteristics', 0, 'metric'],
      message: 'no metric "speed" in metrics',
    });
    const unit = profile({
      characteristics: [{ characteristic: VENDOR_CHAR, metric: 'vibration', type: 'int16', unit: 'in/s' }],
    });
    expect(unit.error?.issues[0]?.message).toMatch(/unit "in\/s" differs/);
    expect(
      profile({ characteristics: [{ characteristic: VENDOR_CHAR, metric: 'toString', type: 'int16' }] })
        .success,
    ).toBe(false);
  });

  test('mappingsFor matches the characteristic, and the service when the mapping names one', () => {
    const profile = {
      characteristics: [
        map({ type: 'int16', service: 'aaaa' }),
        map({ type: 'uint16', byteOffset: 2 }),
        map({ type: 'uint8', characteristic: 'bbbb' }),
      ],
    };
    expect(mappingsFor(profile, 'AAAA', VENDOR_CHAR.toUpperCase()).map((m) => m.type)).toEqual([
      'int16',
      'uint16',
    ]);
    expect(mappingsFor(profile, 'cccc', VENDOR_CHAR).map((m) => m.type)).toEqual(['uint16']);
    expect(mappingsFor(profile, 'cccc', '0xBBBB').map((m) => m.type)).toEqual(['uint8']);
    expect(mappingsFor(undefined, 'aaaa', VENDOR_CHAR)).toEqual([]);
  });

  test('fuzz: random mappings and random or short bytes never throw; a value or a counted error, never both', () => {
    const mapping = fc.record({
      type: fc.constantFrom(...(Object.keys(GATT_FIELD_SIZES) as GattFieldType[])),
      endian: fc.constantFrom('little', 'big'),
      byteOffset: fc.nat(8),
      scale: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((s) => s !== 0),
      offset: fc.double({ noNaN: true, noDefaultInfinity: true }),
      notAvailable: fc.option(fc.integer({ min: -1, max: 255 }), { nil: undefined }),
    });
    let errors = 0;
    let values = 0;
    fc.assert(
      fc.property(mapping, fc.uint8Array({ maxLength: 16 }), fc.nat(4), (raw, bytes, pad) => {
        const m = map(raw);
        const big = new Uint8Array(bytes.length + pad);
        big.set(bytes, pad);
        const out = decodeMapped(m, big.subarray(pad));
        if (out.error !== null) {
          errors++;
          expect(out.value).toBeNull();
          expect(typeof out.error).toBe('string');
          const short = bytes.length < m.byteOffset + GATT_FIELD_SIZES[m.type];
          if (short) expect(out.error).toMatch(/at least/);
        } else {
          if (out.value !== null) values++;
          expect(out.value === null || Number.isFinite(out.value)).toBe(true);
          expect(bytes.length).toBeGreaterThanOrEqual(m.byteOffset + GATT_FIELD_SIZES[m.type]);
        }
        // independent of where the bytes sit in memory
        expect(decodeMapped(m, Uint8Array.from(bytes))).toEqual(out);
      }),
      { numRuns: 10_000, seed: 11 },
    );
    // both outcomes really happened, so the property checked something
    expect(errors).toBeGreaterThan(1000);
    expect(values).toBeGreaterThan(1000);
    // not even a non-buffer throws
    expect(decodeMapped(map({ type: 'int8' }), 'oops' as unknown as Uint8Array).error).toMatch(
      /not a byte buffer/,
    );
  });
});
