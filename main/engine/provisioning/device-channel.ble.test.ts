/**
 * The device channel over Bluetooth LE: real noble (with-bindings) and the real BLE
 * connector on top of the simulated BLE binding, which stands in for the radio this
 * machine does not have; the simulated device serves the Improv and config services.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { type BleConnector, createBleConnector } from '../connectors/ble/ble-connector';
import type { SimulatedBleBinding } from '../connectors/ble/simulated-binding';
import {
  nobleWithSimulatedBinding,
  quietLogger,
  recordingSink,
  waitFor,
} from '../connectors/ble/test-helpers';
import { type DeviceChannel, openDeviceChannel } from './device-channel';
import { SimulatedProvisionableDevice } from './simulated-device';

let binding: SimulatedBleBinding | undefined;
let connector: BleConnector | undefined;
let device: SimulatedProvisionableDevice | undefined;
let channel: DeviceChannel | undefined;

afterEach(async () => {
  await channel?.close();
  await connector?.stop();
  await device?.close();
  binding?.close();
  channel = undefined;
  connector = undefined;
  device = undefined;
  binding = undefined;
});

async function setup(): Promise<{ peripheralId: string; ch: DeviceChannel }> {
  const sim = nobleWithSimulatedBinding({ peripherals: [] });
  binding = sim.binding;
  device = new SimulatedProvisionableDevice({
    serialNumber: 'FL-BLE-7',
    networks: [{ ssid: 'PlantNet', password: 'correct horse', rssi: -60 }],
    wifiJoinMs: 50,
  });
  const peripheralId = device.attachBle(binding, {
    address: 'c0:ff:ee:00:10:07',
    name: 'Fieldline FL-BLE-7',
  });
  connector = createBleConnector(
    { id: 'ble-1', autoConnect: false, gattTimeoutMs: 2_000 },
    recordingSink(),
    quietLogger(),
    () => sim.noble,
  );
  connector.start();
  await waitFor('peripheral heard', () => connector!.peripherals().some((p) => p.id === peripheralId));
  const heard = connector.peripherals().find((p) => p.id === peripheralId)!;
  expect(heard.serviceUuids).toContain('00467768622822724663277478268000');
  const c = connector;
  channel = await openDeviceChannel(
    { kind: 'ble', connectorId: 'ble-1', peripheralId },
    { log: quietLogger(), bleConnector: (id) => (id === 'ble-1' ? c : undefined) },
  );
  return { peripheralId, ch: channel };
}

describe('device channel over noble and the simulated BLE binding', () => {
  test('simulated BLE binding: Improv state, info, scan, wrong then right Wi-Fi password', async () => {
    const { ch } = await setup();
    expect(await ch.improv.currentState()).toBe('authorized');
    expect(await ch.improv.deviceInfo()).toMatchObject({
      firmwareName: 'fieldline-env',
      deviceName: 'FL-ENV-2',
    });
    expect(await ch.improv.scanWifi()).toEqual([{ ssid: 'PlantNet', rssi: -60, auth: 'YES', secured: true }]);
    await expect(ch.improv.sendWifi('PlantNet', 'nope')).rejects.toMatchObject({ kind: 'unable-to-connect' });
    expect(await ch.config.status()).toMatchObject({ wifi: 'wrong-password' });
    expect(await ch.improv.sendWifi('PlantNet', 'correct horse')).toEqual({ redirectUrl: null });
    expect(await ch.improv.currentState()).toBe('provisioned');
  });

  test('simulated BLE binding: config protocol with a credentials line far longer than the MTU', async () => {
    const { ch } = await setup();
    await ch.config.setConfig({
      deviceId: 'env-7',
      brokerUrl: 'mqtts://127.0.0.1:8883',
      reportingIntervalS: 30,
    });
    expect(await ch.config.getConfig()).toMatchObject({ deviceId: 'env-7', reportingIntervalS: 30 });
    const keyHex = 'c0'.repeat(64);
    const r = await ch.config.setCredentials({ kind: 'psk', identity: `env-7-${'x'.repeat(100)}`, keyHex });
    expect(r.fingerprint).toBe(device!.credentialFingerprint());
    expect(await ch.config.info()).toMatchObject({ serialNumber: 'FL-BLE-7', deviceId: 'env-7' });
  });

  test('simulated BLE binding: out of range mid-command is a link error', async () => {
    const { peripheralId, ch } = await setup();
    const pending = ch.improv.scanWifi(10_000).catch((e: unknown) => e);
    binding!.outOfRange(peripheralId);
    expect(await pending).toMatchObject({ kind: 'link', message: /out of range/ });
    await expect(ch.config.status()).rejects.toMatchObject({ kind: 'link' });
  });

  test('simulated BLE binding: a peripheral without the provisioning services says so', async () => {
    const sim = nobleWithSimulatedBinding();
    binding = sim.binding;
    connector = createBleConnector(
      { id: 'ble-1', autoConnect: false },
      recordingSink(),
      quietLogger(),
      () => sim.noble,
    );
    connector.start();
    await waitFor('peripherals', () => connector!.peripherals().length > 0);
    const c = connector;
    channel = await openDeviceChannel(
      { kind: 'ble', connectorId: 'ble-1', peripheralId: c.peripherals()[0]!.id },
      { log: quietLogger(), bleConnector: () => c },
    );
    await expect(channel.improv.currentState()).rejects.toMatchObject({ kind: 'unsupported' });
    await expect(channel.config.info()).rejects.toMatchObject({ kind: 'unsupported' });
    await expect(
      openDeviceChannel(
        { kind: 'ble', connectorId: 'nope', peripheralId: 'x' },
        { log: quietLogger(), bleConnector: () => undefined },
      ),
    ).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
