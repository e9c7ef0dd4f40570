import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeGattValue, GATT_CHARACTERISTICS } from './gatt';
import { decodeGattString, GATT_EXTRA_CHARACTERISTICS, gattMetricFor, normalizeUuid } from './gatt-extra';

const ALL = { ...GATT_CHARACTERISTICS, ...GATT_EXTRA_CHARACTERISTICS };

describe('GATT decoders (standard and extra)', () => {
  test('extra Environmental Sensing values decode per the GATT Specification Supplement', () => {
    expect(gattMetricFor('2a76')!.decode(Uint8Array.from([7]))).toBe(7);
    expect(gattMetricFor('2a7b')!.decode(Uint8Array.from([0xfb]))).toBe(-5);
    expect(gattMetricFor('2a6c')!.decode(Uint8Array.from([0x18, 0xfc, 0xff]))).toBe(-10); // -1000 cm
    expect(gattMetricFor('2a6c')!.decode(Uint8Array.from([0x10, 0x27, 0x00]))).toBe(100);
    expect(gattMetricFor('2afb')!.decode(Uint8Array.from([0xff, 0xff, 0xff]))).toBeNull();
    expect(gattMetricFor('2afb')!.decode(Uint8Array.from([0x10, 0x27, 0x00]))).toBe(100);
    expect(gattMetricFor('2a1f')!.decode(Uint8Array.from([0xe7, 0x00]))).toBe(23.1);
    expect(gattMetricFor('0x2A6E')!.metric).toBe('temperature');
    expect(gattMetricFor('ffff')).toBeUndefined();
    expect(gattMetricFor('constructor')).toBeUndefined();
  });

  test('standard values round-trip through encodeGattValue', () => {
    for (const [uuid, value] of [
      ['2a6e', -12.34],
      ['2a6f', 55.5],
      ['2a6d', 1013.25],
      ['2a19', 42],
    ] as const) {
      expect(gattMetricFor(uuid)!.decode(encodeGattValue(uuid, value))).toBeCloseTo(value, 6);
    }
  });

  test('UUID normalisation to noble spelling', () => {
    expect(normalizeUuid('0x2A6E')).toBe('2a6e');
    expect(normalizeUuid('00002A6E-0000-1000-8000-00805F9B34FB')).toBe('2a6e');
    expect(normalizeUuid('00002a6e')).toBe('2a6e');
    expect(normalizeUuid('6E400001-B5A3-F393-E0A9-E50E24DCCA9E')).toBe('6e400001b5a3f393e0a9e50e24dcca9e');
  });

  test('Device Information strings are made safe', () => {
    expect(decodeGattString(Buffer.from('Acme\u0000\u0000'))).toBe('Acme');
    expect(decodeGattString(Uint8Array.from([0x41, 0xff, 0x1b, 0x42]))).toBe('A\ufffdB');
    expect(decodeGattString(Buffer.from('x'.repeat(500))).length).toBe(64);
  });

  test('fuzz: any bytes give a finite number, null or a thrown Error, never anything else', () => {
    const uuids = Object.keys(ALL);
    fc.assert(
      fc.property(
        fc.constantFrom(...uuids),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(8),
        (uuid, bytes, offset) => {
          // decoders must honour byteOffset of a view into a bigger buffer
          const big = new Uint8Array(bytes.length + offset);
          big.set(bytes, offset);
          const data = big.subarray(offset);
          let out: number | null;
          try {
            out = ALL[uuid]!.decode(data);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            return;
          }
          expect(out === null || Number.isFinite(out)).toBe(true);
          expect(ALL[uuid]!.decode(Uint8Array.from(bytes))).toBe(out);
        },
      ),
      { numRuns: 5_000, seed: 7 },
    );
  });

  test('fuzz: decodeGattString never throws and never returns control characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const s = decodeGattString(bytes);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: checking their absence
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(s)).toBe(false);
        expect(Array.from(s).length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 2_000, seed: 11 },
    );
  });
});
