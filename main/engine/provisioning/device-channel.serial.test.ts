/**
 * The device channel over a real serial line: a socat pty pair with the simulated
 * factory-fresh device on the far end, printing its log between the answers.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { DeviceChannel } from './device-channel';
import { ptyPairPerTest } from './pty-fixture';
import { type SimulatedDeviceOptions, SimulatedProvisionableDevice } from './simulated-device';

let device: SimulatedProvisionableDevice | undefined;
const pty = ptyPairPerTest(async () => {
  await device?.close();
  device = undefined;
});

const networks = [
  { ssid: 'PlantNet', password: 'correct horse', rssi: -52 },
  { ssid: 'Guest', password: '', rssi: -75 },
];

async function withDevice(options: SimulatedDeviceOptions = {}): Promise<DeviceChannel> {
  device = new SimulatedProvisionableDevice({
    ...options,
    serialNumber: 'FL-0042',
    networks,
    logIntervalMs: 20,
    wifiJoinMs: 100,
    redirectUrl: 'http://192.168.1.77/',
  });
  await device.attachSerial(pty.pair.b);
  return await pty.openChannel();
}

describe('device channel over a socat pty with the simulated device', () => {
  test('Improv: state, device info, scan, wrong password, then the right one; logs come through on the side', async () => {
    const ch = await withDevice();
    const logs: string[] = [];
    ch.onLog((l) => logs.push(l));
    expect(await ch.improv.currentState()).toBe('authorized');
    expect(await ch.improv.deviceInfo()).toEqual({
      firmwareName: 'fieldline-env',
      firmwareVersion: '2.3.1',
      chipFamily: 'ESP32-C3',
      deviceName: 'FL-ENV-2',
      extra: [],
    });
    const scan = await ch.improv.scanWifi();
    expect(scan).toEqual([
      { ssid: 'PlantNet', rssi: -52, auth: 'YES', secured: true },
      { ssid: 'Guest', rssi: -75, auth: 'NO', secured: false },
    ]);
    const wrong = await ch.improv.sendWifi('PlantNet', 'wrong').catch((e: unknown) => e);
    expect(wrong).toMatchObject({ name: 'ImprovError', kind: 'unable-to-connect', improvCode: 3 });
    expect(String((wrong as Error).message)).toMatch(/PlantNet.*wrong password/);
    expect(await ch.config.status()).toMatchObject({ wifi: 'wrong-password', broker: 'disconnected' });
    const missing = await ch.improv.sendWifi('Elsewhere', 'x').catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: 'unable-to-connect' });
    expect(await ch.config.status()).toMatchObject({ wifi: 'no-network' });
    expect(await ch.improv.sendWifi('PlantNet', 'correct horse')).toEqual({
      redirectUrl: 'http://192.168.1.77/',
    });
    expect(await ch.improv.currentState()).toBe('provisioned');
    expect(await ch.config.status()).toMatchObject({ wifi: 'connected', ssid: 'PlantNet', rssi: -52 });
    expect(logs.some((l) => l.includes('[D][sensor]'))).toBe(true);
    expect(logs.some((l) => l.includes("connected to 'PlantNet'"))).toBe(true);
    expect(logs.every((l) => !l.startsWith('FLCFG1') && !l.includes('IMPROV'))).toBe(true);
  });

  test('ESPHome framing (a 0x00 after every result): state, device info, scan and the redirect URL all read', async () => {
    const ch = await withDevice({ improvFraming: 'esphome' });
    expect(await ch.improv.currentState()).toBe('authorized');
    expect(await ch.improv.deviceInfo()).toMatchObject({
      firmwareName: 'fieldline-env',
      deviceName: 'FL-ENV-2',
    });
    expect((await ch.improv.scanWifi()).map((n) => n.ssid)).toEqual(['PlantNet', 'Guest']);
    await expect(ch.improv.sendWifi('PlantNet', 'wrong')).rejects.toMatchObject({
      kind: 'unable-to-connect',
    });
    expect(await ch.improv.sendWifi('PlantNet', 'correct horse')).toEqual({
      redirectUrl: 'http://192.168.1.77/',
    });
  });

  test('config protocol: info, set, read back, credentials fingerprint, bad values refused, reboot', async () => {
    const ch = await withDevice();
    expect(await ch.config.info()).toMatchObject({
      serialNumber: 'FL-0042',
      model: 'FL-ENV-2',
      deviceId: null,
    });
    await ch.config.setConfig({
      deviceId: 'pump-07',
      brokerUrl: 'mqtt://127.0.0.1:1',
      reportingIntervalS: 5,
    });
    expect(await ch.config.getConfig()).toEqual({
      deviceId: 'pump-07',
      brokerUrl: 'mqtt://127.0.0.1:1',
      reportingIntervalS: 5,
      topicPrefix: 'fieldline',
    });
    await expect(ch.config.setConfig({ brokerUrl: 'http://nope' })).rejects.toMatchObject({
      kind: 'device',
      code: 'invalid-value',
    });
    await expect(ch.config.setConfig({ colour: 'red' })).rejects.toMatchObject({ code: 'invalid-value' });
    const psk = await ch.config.setCredentials({ kind: 'psk', identity: 'pump-07', keyHex: 'ab'.repeat(32) });
    expect(psk.fingerprint).toBe(device!.credentialFingerprint());
    await expect(
      ch.config.setCredentials({
        kind: 'x509',
        certificatePem: 'not a cert',
        privateKeyPem: 'x',
        caPem: 'y',
      }),
    ).rejects.toMatchObject({ code: 'invalid-value', message: /certificatePem/ });
    expect(await ch.config.info()).toMatchObject({ deviceId: 'pump-07' });
    await ch.config.reboot();
    const after = await ch.config.status();
    expect(after.uptimeS).toBeLessThan(2);
  });

  test('a silent device: every call times out within its bound', async () => {
    const channel = await pty.openChannel();
    const start = Date.now();
    await expect(channel.improv.currentState(300)).rejects.toMatchObject({ kind: 'timeout' });
    await expect(channel.improv.scanWifi(300)).rejects.toMatchObject({
      kind: 'timeout',
      message: /Wi-Fi scan/,
    });
    await expect(channel.config.info()).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - start).toBeLessThan(5_000 + 2_000);
  });

  test('cable pull mid-command: a clear link error, not a timeout', async () => {
    const ch = await withDevice();
    await ch.improv.currentState();
    const closed = new Promise<string>((resolve) => ch.onClose(resolve));
    const pending = ch.improv.scanWifi(10_000).catch((e: unknown) => e);
    const pendingConfig = ch.config.status().catch((e: unknown) => e);
    await device!.close(); // the device stops answering, then the cable goes
    await pty.pair.stop();
    const started = Date.now();
    expect(await pending).toMatchObject({ name: 'ImprovError', kind: 'link' });
    expect(await pendingConfig).toMatchObject({ kind: 'link' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await closed).toMatch(/host/);
    await expect(ch.improv.currentState()).rejects.toMatchObject({ kind: 'link' });
  });

  test('opening a missing port says so', async () => {
    await expect(pty.openChannel(path.join(pty.dir, 'nothing-here'))).rejects.toMatchObject({
      name: 'DeviceLinkError',
      kind: 'not-found',
      message: /plugged in/,
    });
  });
});
