/**
 * The simulated device against a real mosquitto: provisioned over a socat pty through the
 * device channel, it publishes telemetry and heartbeats, and its status tells an
 * unreachable broker, a certificate the broker refuses and refused credentials apart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { quietLogger } from '../connectors/ble/test-helpers';
import { freePort, MosquittoBroker, waitFor } from '../connectors/mqtt/mosquitto-harness';
import { PtyPair } from '../connectors/serial/pty-pair';
import { mosquittoPskFile, mosquittoPskListenerConf } from '../pki/mosquitto-conf';
import { type DeviceChannel, openDeviceChannel } from './device-channel';
import { SimulatedProvisionableDevice } from './simulated-device';

let broker: MosquittoBroker;
let dir: string;
let pair: PtyPair | undefined;
let device: SimulatedProvisionableDevice | undefined;
let channel: DeviceChannel | undefined;

beforeAll(async () => {
  broker = new MosquittoBroker({ tls: true });
  await broker.start();
}, 30_000);
afterAll(async () => {
  await broker.stop();
});
afterEach(async () => {
  await channel?.close();
  await device?.close();
  await pair?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  channel = undefined;
  device = undefined;
  pair = undefined;
});

async function provisioned(): Promise<DeviceChannel> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-prov-mqtt-'));
  pair = new PtyPair(path.join(dir, 'host'), path.join(dir, 'device'));
  await pair.start();
  device = new SimulatedProvisionableDevice({
    serialNumber: 'FL-MQTT-1',
    networks: [{ ssid: 'PlantNet', password: 'pw-123456', rssi: -58 }],
    wifiJoinMs: 50,
    logIntervalMs: 0,
    brokerRetryMs: 300,
    brokerConnectTimeoutMs: 2_000,
  });
  await device.attachSerial(pair.b);
  channel = await openDeviceChannel(
    { kind: 'serial', path: pair.a, baudRate: 115200 },
    { log: quietLogger() },
  );
  await channel.improv.sendWifi('PlantNet', 'pw-123456');
  return channel;
}

async function brokerStateBecomes(
  ch: DeviceChannel,
  want: string,
  ms = 8_000,
): Promise<Awaited<ReturnType<DeviceChannel['config']['status']>>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await ch.config.status();
    if (s.broker === want) return s;
    if (Date.now() > deadline)
      throw new Error(`broker state stayed ${s.broker} (${s.lastError}), wanted ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('simulated device and a real mosquitto', () => {
  test('after provisioning it publishes telemetry and heartbeats to fieldline/<deviceId>/<metric>', async () => {
    const watcher = await mqtt.connectAsync(broker.url);
    const seen = new Map<string, { ts: number; value: number }[]>();
    watcher.on('message', (topic, payload) => {
      seen.set(topic, [
        ...(seen.get(topic) ?? []),
        JSON.parse(payload.toString()) as { ts: number; value: number },
      ]);
    });
    await watcher.subscribeAsync('fieldline/pump-07/#');
    try {
      const ch = await provisioned();
      await ch.config.setCredentials({ kind: 'psk', identity: 'pump-07', keyHex: '0f'.repeat(16) });
      await ch.config.setConfig({ deviceId: 'pump-07', brokerUrl: broker.url, reportingIntervalS: 0.2 });
      await brokerStateBecomes(ch, 'connected');
      await waitFor(
        () => (seen.get('fieldline/pump-07/temperature')?.length ?? 0) >= 3,
        'three temperature readings',
      );
      for (const metric of ['temperature', 'humidity', 'uptime', 'rssi']) {
        const got = seen.get(`fieldline/pump-07/${metric}`);
        expect(got?.length, metric).toBeGreaterThan(0);
        expect(Math.abs(got![0]!.ts - Date.now())).toBeLessThan(10_000);
        expect(typeof got![0]!.value).toBe('number');
      }
      expect(seen.get('fieldline/pump-07/rssi')![0]!.value).toBeGreaterThan(-65);
      expect((await ch.config.status()).lastError).toBeNull();
    } finally {
      await watcher.endAsync();
    }
  });

  test('a closed port is reported as unreachable', async () => {
    const ch = await provisioned();
    const closedPort = await freePort();
    await ch.config.setConfig({ deviceId: 'pump-08', brokerUrl: `mqtt://127.0.0.1:${closedPort}` });
    const s = await brokerStateBecomes(ch, 'unreachable');
    expect(s.lastError).toMatch(/ECONNREFUSED|unreachable/);
  });

  test('mutual TLS: its own certificate connects; a foreign-CA certificate is tls-refused', async () => {
    const pki = broker.pki!;
    const ch = await provisioned();
    const url = `mqtts://127.0.0.1:${broker.mtlsPort}`;
    await ch.config.setCredentials({
      kind: 'x509',
      certificatePem: pki.clientCert,
      privateKeyPem: pki.clientKey,
      caPem: pki.caPem,
    });
    await ch.config.setConfig({ deviceId: 'env-1', brokerUrl: url, reportingIntervalS: 1 });
    await brokerStateBecomes(ch, 'connected');
    await ch.config.setCredentials({
      kind: 'x509',
      certificatePem: pki.strangerCert,
      privateKeyPem: pki.strangerKey,
      caPem: pki.caPem,
    });
    const s = await brokerStateBecomes(ch, 'tls-refused');
    expect(s.lastError).toMatch(/TLS|certificate|handshake/i);
  });

  test('TLS-PSK: its own key connects over mqtts:// as its identity; a wrong key is tls-refused', async () => {
    const pskDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-psk-'));
    const keyHex = '3c'.repeat(32);
    writeFileSync(path.join(pskDir, 'psk'), mosquittoPskFile([{ identity: 'pump-10', keyHex }]));
    const pskPort = await freePort();
    const pskBroker = new MosquittoBroker({
      extra: [
        'log_type notice',
        ...mosquittoPskListenerConf({
          pskPort,
          pskFile: path.join(pskDir, 'psk'),
          bindAddress: '127.0.0.1',
        }).split('\n'),
      ],
    });
    await pskBroker.start();
    const watcher = await mqtt.connectAsync(pskBroker.url);
    let seen = 0;
    watcher.on('message', () => seen++);
    await watcher.subscribeAsync('fieldline/pump-10/#');
    try {
      const ch = await provisioned();
      await ch.config.setCredentials({ kind: 'psk', identity: 'pump-10', keyHex });
      await ch.config.setConfig({
        deviceId: 'pump-10',
        brokerUrl: `mqtts://127.0.0.1:${pskPort}`,
        reportingIntervalS: 0.2,
      });
      await brokerStateBecomes(ch, 'connected');
      await waitFor(() => seen >= 4, 'telemetry over TLS-PSK');
      // the broker took the PSK identity as the username (use_identity_as_username)
      expect(pskBroker.output).toMatch(/u'pump-10'/);
      await ch.config.setCredentials({ kind: 'psk', identity: 'pump-10', keyHex: '3d'.repeat(32) });
      const s = await brokerStateBecomes(ch, 'tls-refused');
      expect(s.lastError).toMatch(/TLS-PSK refused.*(bad record mac|decrypt error)/);
      await ch.config.setCredentials({ kind: 'psk', identity: 'pump-11', keyHex });
      expect((await brokerStateBecomes(ch, 'tls-refused')).lastError).toMatch(/unknown psk identity/);
    } finally {
      await watcher.endAsync();
      await pskBroker.stop();
      rmSync(pskDir, { recursive: true, force: true });
    }
  });

  test('refused credentials are auth-refused', async () => {
    // a broker that knows no user at all: every username/password is refused with CONNACK 5
    const pwDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-pw-'));
    writeFileSync(path.join(pwDir, 'passwords'), '');
    const secure = new MosquittoBroker({
      extra: ['allow_anonymous false', `password_file ${path.join(pwDir, 'passwords')}`],
    });
    await secure.start();
    try {
      const ch = await provisioned();
      await ch.config.setCredentials({ kind: 'psk', identity: 'pump-09', keyHex: 'aa'.repeat(16) });
      await ch.config.setConfig({ deviceId: 'pump-09', brokerUrl: secure.url });
      const s = await brokerStateBecomes(ch, 'auth-refused');
      expect(s.lastError).toMatch(/CONNACK 5|credentials/);
    } finally {
      await secure.stop();
      rmSync(pwDir, { recursive: true, force: true });
    }
  });
});
