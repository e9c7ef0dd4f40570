/**
 * Commissioning over Bluetooth LE: Improv's GATT service and the configuration service on
 * a simulated factory-fresh peripheral, reached through real noble driven by the
 * simulated binding (no radio exists here), then the same real mosquitto with mutual TLS
 * as the USB path.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SimulatedBleBinding } from '../connectors/ble/simulated-binding';
import { SimulatedProvisionableDevice } from '../provisioning/simulated-device';
import { TestPlant, WIFI } from './test-plant';

const binding = new SimulatedBleBinding({ peripherals: [], advertiseIntervalMs: 50 });
const plant = new TestPlant({
  bleBinding: { description: 'simulated BLE binding (test)', create: () => binding },
});
const device = new SimulatedProvisionableDevice({
  serialNumber: 'SN-BLE-0001',
  networks: [WIFI],
  wifiJoinMs: 50,
  brokerRetryMs: 200,
});

beforeAll(async () => {
  await plant.start();
  await plant.call('connectors.add', { kind: 'ble', config: { id: 'radio', autoConnect: false } });
}, 60_000);

afterAll(async () => {
  await plant.stop();
  await device.close();
}, 30_000);

describe('commissioning over BLE (simulated BLE binding behind real noble)', () => {
  test('Improv GATT and the config service take a peripheral from advertising to reporting', async () => {
    const peripheralId = device.attachBle(binding, {
      address: 'c0:ff:ee:00:00:01',
      name: 'FL-ENV setup',
      rssi: -55,
    });
    const deadline = Date.now() + 10_000;
    let heard: { id: string; name: string | null }[] = [];
    while (!heard.some((p) => p.id === peripheralId)) {
      if (Date.now() > deadline) throw new Error(`the peripheral was not heard: ${JSON.stringify(heard)}`);
      heard = await plant.call('ble.peripherals', { connectorId: 'radio' });
      await new Promise((r) => setTimeout(r, 100));
    }
    const link = { kind: 'ble' as const, connectorId: 'radio', peripheralId };
    let s = await plant.startSession();
    s = await plant.step(s, { step: 'connect', link });
    expect(s.steps.connect.error).toBeNull();
    s = await plant.step(s, { step: 'identify' });
    expect(s.steps.identify.error).toBeNull();
    expect(s.identity).toMatchObject({ serialNumber: 'SN-BLE-0001', improv: true, configProtocol: true });
    s = await plant.step(s, {
      step: 'details',
      input: { deviceId: 'ble-env-1', name: 'BLE env 1', site: 'Harbour', profile: 'env-sensor', tags: [] },
    });
    s = await plant.step(s, { step: 'credentials', input: { kind: 'x509', validityDays: 90 } });
    expect(s.steps.credentials.error).toBeNull();
    expect(s.credentials?.fingerprint).toBe(device.credentialFingerprint());
    s = await plant.step(s, { step: 'network', input: plant.networkInput() });
    expect(s.steps.network.error).toBeNull();
    s = await plant.step(s, { step: 'verify', input: { timeoutS: 30 } }, 40_000);
    expect(s.steps.verify.error).toBeNull();
    s = await plant.step(s, { step: 'record', input: { notes: '' } });
    expect(s.status).toBe('done');
    const registered = await plant.call<{ serialNumber: string; credential: { fingerprint: string } }>(
      'registry.get',
      { deviceId: 'ble-env-1' },
    );
    expect(registered.serialNumber).toBe('SN-BLE-0001');
    expect(registered.credential.fingerprint).toBe(s.credentials?.fingerprint);
  }, 90_000);
});
