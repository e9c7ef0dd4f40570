import { describe, expect, test } from 'vitest';
import { decodeGatt, GATT_CHARACTERISTICS } from './gatt';

const decode = (uuid: string, ...bytes: number[]) =>
  decodeGatt(GATT_CHARACTERISTICS[uuid]!, Uint8Array.from(bytes));

/*
 * Vectors from the Bluetooth GATT Specification Supplement (GSS v5):
 * §3.204 Temperature (0x2A6E): sint16, 0.01 °C, "Allowed range is: -273.15 to 327.67.
 *   A value of 0x8000 represents 'value is not known'. All other values are prohibited."
 * §3.124 Humidity (0x2A6F): uint16, 0.01 %, "Allowed range is: 0.00 to 100.00. A value of
 *   0xFFFF represents 'value is not known'. All other values are prohibited."
 * §3.27 Battery Level (0x2A19): uint8, percentage 0..100; 101..255 Reserved for Future Use.
 * Little-endian on the wire (Core Spec Vol 3 Part G, GSS §2.2).
 */
describe('GATT prohibited and reserved values (GSS)', () => {
  test('Temperature: the allowed range decodes, 0x8000 is not known, 0x8001 is prohibited', () => {
    expect(decode('2a6e', 0xff, 0x7f)).toEqual({ value: 327.67, quality: 'good', reason: null });
    expect(decode('2a6e', 0x4d, 0x95)).toEqual({ value: -273.15, quality: 'good', reason: null }); // 0x954D
    expect(decode('2a6e', 0x00, 0x80)).toEqual({ value: null, quality: 'null', reason: null });
    expect(decode('2a6e', 0x01, 0x80)).toEqual({
      value: null,
      quality: 'invalid',
      reason: 'reserved value 0x8001',
    });
    // -273.16 °C, one step below absolute zero
    expect(decode('2a6e', 0x4c, 0x95)).toEqual({
      value: null,
      quality: 'invalid',
      reason: 'reserved value 0x954C',
    });
  });

  test('Humidity: 0..100.00 % decodes, 0xFFFF is not known, 0x2711..0xFFFE are prohibited', () => {
    expect(decode('2a6f', 0x10, 0x27)).toEqual({ value: 100, quality: 'good', reason: null }); // 0x2710
    expect(decode('2a6f', 0x00, 0x00)).toEqual({ value: 0, quality: 'good', reason: null });
    expect(decode('2a6f', 0xff, 0xff)).toEqual({ value: null, quality: 'null', reason: null });
    expect(decode('2a6f', 0x11, 0x27)).toEqual({
      value: null,
      quality: 'invalid',
      reason: 'reserved value 0x2711',
    });
    expect(decode('2a6f', 0xfe, 0xff)).toEqual({
      value: null,
      quality: 'invalid',
      reason: 'reserved value 0xFFFE',
    });
  });

  test('Battery Level: 0..100 % decodes, 101..255 are reserved', () => {
    expect(decode('2a19', 100)).toEqual({ value: 100, quality: 'good', reason: null });
    expect(decode('2a19', 0)).toEqual({ value: 0, quality: 'good', reason: null });
    expect(decode('2a19', 101)).toEqual({ value: null, quality: 'invalid', reason: 'reserved value 0x65' });
    expect(decode('2a19', 0xff)).toEqual({ value: null, quality: 'invalid', reason: 'reserved value 0xFF' });
  });

  test('the plain decoders never hand out a prohibited value as a number', () => {
    expect(GATT_CHARACTERISTICS['2a6e']!.decode(Uint8Array.of(0x01, 0x80))).toBeNull();
    expect(GATT_CHARACTERISTICS['2a6f']!.decode(Uint8Array.of(0xfe, 0xff))).toBeNull();
    expect(GATT_CHARACTERISTICS['2a19']!.decode(Uint8Array.of(0xff))).toBeNull();
  });

  test('Pressure (0x2A6D, uint32 0.1 Pa) has no reserved values in GSS: the full range decodes', () => {
    expect(decode('2a6d', 0xff, 0xff, 0xff, 0xff)).toEqual({
      value: 4294967.295,
      quality: 'good',
      reason: null,
    });
  });

  test('a wrong length is still a decode error, not an invalid value', () => {
    expect(() => decode('2a6e', 0x01)).toThrow(/2 bytes/);
    expect(() => decode('2a19')).toThrow(/1 byte/);
  });
});
