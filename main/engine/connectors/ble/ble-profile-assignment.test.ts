/**
 * The registry gives a BLE device a profile (or a profile is edited) while it is
 * connected: the connector reconnects it and maps its vendor characteristic by the new
 * profile. Real noble over the simulated binding.
 */
import { describe, expect, test } from 'vitest';
import { type DeviceProfile, DeviceProfileSchema } from '../../profiles/profile';
import type { SimulatedPeripheralSpec } from './simulated-binding';
import { simulatedBleConnector, waitFor } from './test-helpers';

const ADDRESS = 'c0:ff:ee:00:00:81';
const SERVICE = 'a1b20001-0000-4000-8000-00000000c0de';
const LEVEL = 'a1b20002-0000-4000-8000-00000000c0de';

/** a tank gauge's level: uint16 little-endian, millimetres */
const spec: SimulatedPeripheralSpec = {
  address: ADDRESS,
  name: 'TANK-1',
  drift: false,
  values: { battery: 90 },
  extraServices: [
    {
      uuid: SERVICE,
      characteristics: [
        { uuid: LEVEL, properties: ['read', 'notify'], value: Uint8Array.from([0xe8, 0x03]) },
      ],
    },
  ],
};

const tankProfile = (scale: number, unit: string): DeviceProfile =>
  DeviceProfileSchema.parse({
    id: 'tank-gauge',
    name: 'Tank gauge',
    metrics: { level: { unit, min: 0, max: 10_000 } },
    ble: {
      characteristics: [{ service: SERVICE, characteristic: LEVEL, metric: 'level', type: 'uint16', scale }],
    },
  });

describe('a profile assigned to a connected BLE device', () => {
  test('maps its vendor characteristic after the assignment, and again after the profile is edited', async () => {
    const profiles = new Map<string, DeviceProfile>([['tank-gauge', tankProfile(1, 'mm')]]);
    const assigned = new Map<string, string>();
    const { connector, sink } = simulatedBleConnector(
      { devices: [{ name: 'TANK-1', deviceId: 'tank-1' }] },
      { peripherals: [spec], notifyIntervalMs: 30 },
      { profiles: (id) => profiles.get(id), assignedProfile: (id) => assigned.get(id) },
    );
    const levels = () => sink.all.filter((r) => r.deviceId === 'tank-1' && r.metric === 'level');
    connector.start();
    await waitFor('battery from the standard service', () =>
      sink.all.some((r) => r.deviceId === 'tank-1' && r.metric === 'battery'),
    );
    expect(levels()).toEqual([]);

    assigned.set('tank-1', 'tank-gauge');
    connector.profilesChanged();
    await waitFor('the level mapped by the assigned profile', () => levels().at(-1)?.value === 1000);
    expect(sink.devices.filter((d) => d.id === 'tank-1').at(-1)?.profile).toBe('tank-gauge');

    profiles.set('tank-gauge', tankProfile(0.001, 'm'));
    connector.profilesChanged();
    await waitFor('the level by the edited scale', () => levels().at(-1)?.value === 1);
  });
});
