import { describe, expect, test } from 'vitest';
import { BLE_UUID_MESSAGE, BleUuidSchema, isBleUuid } from './ble-uuid';

// Core Spec v5.4 Vol 3 Part B §2.5.1: 16- and 32-bit UUIDs are shorthand for
// xxxxxxxx-0000-1000-8000-00805F9B34FB (the Bluetooth Base UUID); Battery Service is 0x180F
describe('BLE UUID validator', () => {
  test('accepts 16-, 32- and 128-bit forms in any case', () => {
    for (const u of [
      '180F',
      '180f',
      '0x180F',
      '0X2a6e',
      '0000180F',
      '0000180f-0000-1000-8000-00805f9b34fb',
      '0000180F-0000-1000-8000-00805F9B34FB',
      '6E400001-B5A3-F393-E0A9-E50E24DCCA9E',
      '0000180f00001000800000805f9b34fb',
      ' 181a ',
    ]) {
      expect(isBleUuid(u), u).toBe(true);
    }
  });

  test('refuses near misses', () => {
    for (const u of [
      '',
      '18F',
      '180F0',
      '0x',
      'battery',
      '0x-180F',
      '0000180f-0000-1000-8000-00805f9b34f',
      '0000180f-0000-1000-8000-00805f9b34fbb',
      '0000180f00001000-8000-00805f9b34fb',
      'g00f',
      '180F,181A',
    ]) {
      expect(isBleUuid(u), u).toBe(false);
    }
  });

  test('the schema says which forms are accepted', () => {
    const r = BleUuidSchema.safeParse('18F');
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe(BLE_UUID_MESSAGE);
    expect(BleUuidSchema.parse('0x180F')).toBe('0x180F');
  });
});
