/**
 * The demo plant, through the engine's RPC as the wizard uses it: a demo BLE device is
 * commissioned with the hints engine.info gives (Wi-Fi, broker URL), and its telemetry
 * reaches Fieldline through the in-process aedes broker over mutual TLS. The devices are
 * simulated Improv/config peripherals on the simulated BLE binding behind real noble (no
 * radio exists here); the broker, TLS, certificates, SQLite and mqtt.js are real.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type EngineInfo, EngineInfoSchema } from '../../../common/contract';
import { TestPlant } from '../commissioning/test-plant';
import { createEngine } from '../engine';
import { DeviceCredentials } from '../pki/device-credentials';
import { loadOrCreateMasterKeyFile } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openDatabase } from '../store/database';
import { silent } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';
import { DEMO_BLE_CONNECTOR_ID, DEMO_MQTT_CONNECTOR_ID } from './demo-plant';

const plant = new TestPlant({ demo: true });
let demo: NonNullable<EngineInfo['demoPlant']>;
/** the same project CA as the engine's, opened on the same data folder: the rogue's issuer */
let projectCa: DeviceCredentials;
let closeProjectDb: () => void = () => {};
const clients = new Set<MqttClient>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Connects as a device would; resolves with the client, or with why the broker said no. */
function tryConnect(
  url: string,
  tlsOptions: { cert: string; key: string; ca: string },
  clientId: string,
): Promise<{ client: MqttClient } | { refused: string }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, {
      ...tlsOptions,
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      rejectUnauthorized: true,
    });
    clients.add(client);
    const timer = setTimeout(() => done({ refused: 'no answer in 6 s' }), 6_000);
    let settled = false;
    const done = (r: { client: MqttClient } | { refused: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if ('refused' in r) client.end(true);
      resolve(r);
    };
    client.once('connect', () => done({ client }));
    client.once('error', (e) => done({ refused: e.message }));
    client.once('close', () => done({ refused: 'closed before CONNACK' }));
  });
}

async function rawReadings(deviceId: string, metric: string): Promise<number[]> {
  const r = await plant.call<{ values: (number | null)[] }>('readings.raw', {
    deviceId,
    metric,
    from: 0,
    to: Date.now() + 60_000,
  });
  return r.values.filter((v): v is number => v !== null);
}

beforeAll(async () => {
  await plant.startEngine();
  await plant.call('operator.set', { name: 'Demo tester' });
  demo = await until('the demo broker', async () => {
    const info = EngineInfoSchema.parse(await plant.call('engine.info'));
    if (info.demoPlant?.error) throw new Error(info.demoPlant.error);
    return info.demoPlant?.brokerUrl ? info.demoPlant : undefined;
  });
  const { db } = openDatabase({ dataDir: plant.dataDir, log: silent });
  closeProjectDb = () => db.close();
  const secrets = new SecretStore(db, loadOrCreateMasterKeyFile(plant.dataDir));
  projectCa = await DeviceCredentials.open({ db, secrets, projectName: 'ignored: it exists', log: silent });
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.end(true);
  closeProjectDb();
  await plant.stop();
}, 30_000);

describe('demo plant (simulated BLE binding behind real noble, in-process aedes broker with mutual TLS)', () => {
  test('engine.info tells the wizard what to type, and the demo connectors are listed', async () => {
    expect(demo.brokerUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.wifi).toContainEqual({ ssid: 'Demo-Plant', password: 'fieldline-demo' });
    expect(demo.wifi.map((w) => w.ssid)).toContain('Demo-Guest');
    expect(demo.bleConnectorId).toBe(DEMO_BLE_CONNECTOR_ID);
    const connectors =
      await plant.call<{ id: string; kind: string; label: string; state: string }[]>('connectors.list');
    const ble = connectors.find((c) => c.id === DEMO_BLE_CONNECTOR_ID);
    const broker = connectors.find((c) => c.id === DEMO_MQTT_CONNECTOR_ID);
    expect(ble).toMatchObject({ kind: 'ble', label: expect.stringMatching(/^Demo Bluetooth/) });
    expect(ble?.label.toLowerCase()).toContain('demo');
    expect(broker?.kind).toBe('mqtt');
    expect(broker?.label.toLowerCase()).toContain('demo');
    await until('the demo connector on the broker', async () => {
      const list = await plant.call<{ id: string; state: string }[]>('connectors.list');
      return list.find((c) => c.id === DEMO_MQTT_CONNECTOR_ID && c.state === 'connected');
    });
    // demo connectors are not the user's: nothing to edit, nothing saved
    const edit = await plant.reply('connectors.get', { id: DEMO_BLE_CONNECTOR_ID });
    expect(edit.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  test('a demo BLE device is commissioned with those hints and reports through the demo broker', async () => {
    const peripherals = await until('three demo peripherals', async () => {
      const heard = await plant.call<{ id: string; name: string | null }[]>('ble.peripherals', {
        connectorId: demo.bleConnectorId,
      });
      return heard.length >= 3 ? heard : undefined;
    });
    expect(peripherals).toHaveLength(3);
    const outdoor = peripherals.find((p) => p.name === 'FL-ENV-2 Outdoor setup');
    expect(outdoor).toBeDefined();

    let s = await plant.startSession();
    s = await plant.step(s, {
      step: 'connect',
      link: { kind: 'ble', connectorId: demo.bleConnectorId, peripheralId: outdoor!.id },
    });
    expect(s.steps.connect.error).toBeNull();
    s = await plant.step(s, { step: 'identify' });
    expect(s.steps.identify.error).toBeNull();
    expect(s.identity).toMatchObject({ serialNumber: 'FL-DEMO-0002', model: 'FL-ENV-2 Outdoor' });
    s = await plant.step(s, {
      step: 'details',
      input: { deviceId: 'demo-env-2', name: 'Outdoor 2', site: 'Demo', profile: 'env-sensor', tags: [] },
    });
    s = await plant.step(s, { step: 'credentials', input: { kind: 'x509', validityDays: 30 } });
    expect(s.steps.credentials.error).toBeNull();
    const wifi = demo.wifi[0]!;
    s = await plant.step(s, {
      step: 'network',
      input: { ssid: wifi.ssid, password: wifi.password, brokerUrl: demo.brokerUrl!, reportingIntervalS: 1 },
    });
    expect(s.steps.network.error).toBeNull();
    s = await plant.step(s, { step: 'verify', input: { timeoutS: 30 } }, 40_000);
    expect(s.steps.verify.error).toBeNull();
    s = await plant.step(s, { step: 'record', input: { notes: 'demo plant test' } });
    expect(s.status).toBe('done');

    const registered = await plant.call<{
      serialNumber: string;
      lifecycle: string;
      credential: { fingerprint: string };
    }>('registry.get', { deviceId: 'demo-env-2' });
    expect(registered.serialNumber).toBe('FL-DEMO-0002');
    expect(['commissioned', 'active']).toContain(registered.lifecycle);
    expect(registered.credential.fingerprint).toBe(s.credentials?.fingerprint);
    // the telemetry came in through the demo connector, so it is stored like any other
    expect((await rawReadings('demo-env-2', 'temperature')).length).toBeGreaterThan(0);
  }, 90_000);

  test('a certificate from another CA is refused at the TLS handshake', async () => {
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-other-ca-'));
    const { db } = openDatabase({ dataDir: otherDir, log: silent });
    try {
      const other = await DeviceCredentials.open({
        db,
        secrets: new SecretStore(db, loadOrCreateMasterKeyFile(otherDir)),
        projectName: 'someone-else',
        log: silent,
      });
      // same CN as a commissioned device: only the issuer differs
      const forged = await other.issueCertificate('demo-env-2');
      const outcome = await tryConnect(
        demo.brokerUrl!,
        { cert: forged.certificatePem, key: forged.privateKeyPem, ca: projectCa.caPem },
        'demo-env-2',
      );
      if (!('refused' in outcome)) throw new Error('a certificate from another CA was accepted');
      // refused before any MQTT was spoken: not a CONNACK "not authorized" from the ledger check
      expect(outcome.refused).not.toMatch(/not authorized/i);
    } finally {
      db.close();
    }
  });

  test('a device of the project CA may publish only under fieldline/<its CN>/', async () => {
    const issued = await projectCa.issueCertificate('demo-rogue');
    const creds = { cert: issued.certificatePem, key: issued.privateKeyPem, ca: projectCa.caPem };

    // its own topic: accepted, and it reaches the store through the demo connector
    const first = await tryConnect(demo.brokerUrl!, creds, 'demo-rogue');
    if (!('client' in first)) throw new Error(`the project's own certificate was refused: ${first.refused}`);
    first.client.publish('fieldline/demo-rogue/temperature', JSON.stringify({ ts: Date.now(), value: 12.5 }));
    await until('the rogue device reading', async () =>
      (await rawReadings('demo-rogue', 'temperature')).includes(12.5) ? true : undefined,
    );

    // another device's topic: refused, and the client is disconnected
    const closed = new Promise<void>((resolve) => first.client.once('close', () => resolve()));
    first.client.publish(
      'fieldline/demo-env-2/temperature',
      JSON.stringify({ ts: Date.now(), value: -33.25 }),
    );
    await Promise.race([
      closed,
      sleep(5_000).then(() => {
        throw new Error('the broker kept the client after a publish outside its topics');
      }),
    ]);
    await sleep(600); // more than an ingest batch: the spoofed value would be stored by now
    expect(await rawReadings('demo-env-2', 'temperature')).not.toContain(-33.25);

    // a client id other than the certificate's CN is refused (no taking over another's session)
    const impostor = await tryConnect(demo.brokerUrl!, creds, 'demo-env-2');
    expect(impostor).toMatchObject({ refused: expect.stringMatching(/not authorized/i) });
  }, 30_000);

  test('revoking a certificate disconnects its device and refuses it from then on', async () => {
    const issued = await projectCa.issueCertificate('demo-revoked');
    const creds = { cert: issued.certificatePem, key: issued.privateKeyPem, ca: projectCa.caPem };
    const before = await tryConnect(demo.brokerUrl!, creds, 'demo-revoked');
    if (!('client' in before)) throw new Error(`refused before revocation: ${before.refused}`);
    const dropped = new Promise<void>((resolve) => before.client.once('close', () => resolve()));
    await plant.call('pki.revoke', { serialHex: issued.serialHex, reason: 'keyCompromise' });
    const after = await tryConnect(demo.brokerUrl!, creds, 'demo-revoked');
    expect(after).toHaveProperty('refused');
    // the new connection made the broker notice the revocation and re-read its CRL
    await Promise.race([
      dropped,
      sleep(5_000).then(() => {
        throw new Error('the revoked device stayed connected');
      }),
    ]);
    // by now the TLS listener has the new CRL: the certificate is refused at the handshake
    const later = await tryConnect(demo.brokerUrl!, creds, 'demo-revoked');
    if (!('refused' in later)) throw new Error('a revoked certificate was accepted');
    expect(later.refused).not.toMatch(/not authorized/i);
  }, 30_000);

  test('nothing of the demo plant is saved: without --demo it is gone', async () => {
    await plant.engine?.close();
    const engine = await createEngine({ dataDir: plant.dataDir, demo: false, host: 'test', log: silent });
    try {
      const [server, clientEnd] = transportPair();
      engine.connect(server);
      const client = rawClient(clientEnd);
      expect((await client.call('connectors.list')).result).toEqual([]);
      expect(EngineInfoSchema.parse((await client.call('engine.info')).result).demoPlant).toBeNull();
    } finally {
      await engine.close();
    }
  });
});
