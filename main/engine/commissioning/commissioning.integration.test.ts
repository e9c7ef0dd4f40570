/**
 * The whole commissioning path through the engine's RPC, with nothing faked but the
 * device's firmware: a simulated factory-fresh device on a real socat pty pair speaking
 * Improv and the configuration protocol, the project CA in a real SQLite file, and a real
 * mosquitto that trusts only that CA. The device is commissioned, gets its own
 * certificate, joins "Wi-Fi", connects to the broker with mutual TLS and reports; its
 * telemetry comes back through Fieldline's own MQTT connector and completes verify.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CommissioningSession, StepInput } from '../../../common/commissioning-contract';
import { SessionSchema } from '../../../common/commissioning-contract';
import { RegistryDeviceSchema } from '../../../common/registry-contract';
import { sleep } from '../connectors/mqtt/mosquitto-harness';
import { PtyPair } from '../connectors/serial/pty-pair';
import { type ImprovFraming, SimulatedProvisionableDevice } from '../provisioning/simulated-device';
import { TestPlant, WIFI } from './test-plant';

const plant = new TestPlant();
const ptys: PtyPair[] = [];
const devices: SimulatedProvisionableDevice[] = [];
let firstSessionId = '';
const call = <T = unknown>(method: string, params?: unknown) => plant.call<T>(method, params);
const step = (session: CommissioningSession, run: StepInput, timeoutMs?: number) =>
  plant.step(session, run, timeoutMs);

/** A factory-fresh device on the far end of a new pty pair; returns the path Fieldline opens. */
async function plugInDevice(
  serialNumber: string,
  options: { uplink?: boolean; improvFraming?: ImprovFraming } = {},
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-commission-pty-'));
  const pty = new PtyPair(path.join(dir, 'ttyUSB0'), path.join(dir, 'device'));
  await pty.start();
  ptys.push(pty);
  const device = new SimulatedProvisionableDevice({
    serialNumber,
    networks: [WIFI, { ssid: 'guest', password: 'guest', rssi: -80 }],
    wifiJoinMs: 50,
    brokerRetryMs: 200,
    ...(options.uplink === false ? { uplink: false } : {}),
    ...(options.improvFraming ? { improvFraming: options.improvFraming } : {}),
  });
  devices.push(device);
  await device.attachSerial(pty.b);
  return { device, pty, path: pty.a };
}

/** details, an x509 certificate and the plant's Wi-Fi and broker, after identify */
async function throughNetwork(s: CommissioningSession, deviceId: string, name: string) {
  s = await step(s, {
    step: 'details',
    input: { deviceId, name, site: '', profile: 'env-sensor', tags: [] },
  });
  s = await step(s, { step: 'credentials', input: { kind: 'x509', validityDays: 30 } });
  return await step(s, { step: 'network', input: plant.networkInput() });
}

beforeAll(() => plant.start(), 60_000);

afterAll(async () => {
  await plant.stop();
  for (const d of devices) await d.close().catch(() => {});
  for (const p of ptys) await p.stop();
}, 30_000);

describe('commissioning over USB serial (simulated device on a real pty, real mosquitto with mutual TLS)', () => {
  test('box to reporting: every step, a wrong Wi-Fi password diagnosed and fixed, the registry and the report', async () => {
    const { device, path: port } = await plugInDevice('SN-ENV-0001');
    let s = await plant.startSession();
    expect(s.technician).toBe('Dana (field tech)');

    s = await step(s, { step: 'connect', link: { kind: 'serial', path: port, baudRate: 115_200 } });
    expect(s.steps.connect).toMatchObject({ state: 'done' });
    expect(s.linkOpen).toBe(true);

    s = await step(s, { step: 'identify' });
    expect(s.steps.identify.error).toBeNull();
    expect(s.identity).toMatchObject({ serialNumber: 'SN-ENV-0001', improv: true, configProtocol: true });

    const networks = await call<{ ssid: string; rssi: number }[]>('commissioning.wifiScan', {
      sessionId: s.id,
    });
    expect(networks.map((n) => n.ssid)).toEqual(['plant-floor', 'guest']);

    s = await step(s, {
      step: 'details',
      input: {
        deviceId: 'env-001',
        name: 'Env 001',
        site: 'North plant',
        profile: 'env-sensor',
        tags: ['hall-2'],
      },
    });
    expect(s.steps.details.state).toBe('done');

    s = await step(s, { step: 'credentials', input: { kind: 'x509', validityDays: 365 } });
    expect(s.steps.credentials.error).toBeNull();
    expect(s.credentials?.fingerprint).toBe(device.credentialFingerprint());

    // the technician mistypes the Wi-Fi password: Improv says it could not connect
    const network = { ssid: WIFI.ssid, brokerUrl: plant.broker.deviceUrl, reportingIntervalS: 1 };
    s = await step(s, { step: 'network', input: { ...network, password: 'wrong' } });
    expect(s.steps.network.state).toBe('failed');
    expect(s.steps.network.diagnosis).toMatch(/password/i);
    // the refused password is not kept: leaving it out now is asked for, not silently reused
    s = await step(s, { step: 'network', input: network });
    expect(s.steps.network.error).toMatch(/no Wi-Fi password/);
    s = await step(s, { step: 'network', input: { ...network, password: WIFI.password } });
    expect(s.steps.network.error).toBeNull();
    expect(s.network).toMatchObject({ ssid: WIFI.ssid, verified: true });

    s = await step(s, { step: 'verify', input: { timeoutS: 30 } }, 40_000);
    expect(s.steps.verify.error).toBeNull();
    expect(s.verify?.firstTelemetryAt).not.toBeNull();
    expect(s.verify?.heartbeatAt).not.toBeNull();

    s = await step(s, { step: 'record', input: { notes: 'mounted on pillar B4' } });
    expect(s.status).toBe('done');
    firstSessionId = s.id;

    const registered = RegistryDeviceSchema.parse(await call('registry.get', { deviceId: 'env-001' }));
    expect(registered).toMatchObject({
      name: 'Env 001',
      site: 'North plant',
      profile: 'env-sensor',
      serialNumber: 'SN-ENV-0001',
      credential: { kind: 'x509', fingerprint: s.credentials?.fingerprint },
    });
    expect(['commissioned', 'active']).toContain(registered.lifecycle);
    expect(registered.configDiff).toEqual([]);

    const audit = await call<{ entries: { action: string; actor: string }[] }>('audit.list', {
      subject: 'env-001',
    });
    expect(audit.entries.map((e) => e.action)).toContain('device.commissioned');
    expect(audit.entries.find((e) => e.action === 'device.commissioned')?.actor).toBe('Dana (field tech)');

    const csv = await call<{ content: string }>('commissioning.report', { sessionId: s.id, format: 'csv' });
    expect(csv.content).toContain('env-001');
    expect(csv.content).toContain(s.credentials!.fingerprint);
    const html = await call<{ content: string; mime: string }>('commissioning.report', {
      sessionId: s.id,
      format: 'html',
    });
    expect(html.mime).toBe('text/html');
    expect(html.content).toContain('COMMISSIONED');
    expect(html.content).toContain('Dana (field tech)');

    // rotation over the same cable: a new certificate on the device, the old one revoked
    const old = s.credentials!.serialHex!;
    const rotated = await call<{ newSerialHex: string; revokedSerialHex: string }>(
      'commissioning.rotateCredentials',
      {
        deviceId: 'env-001',
        link: { kind: 'serial', path: port },
      },
    );
    expect(rotated.revokedSerialHex).toBe(old);
    expect(device.credentialFingerprint()).not.toBe(s.credentials!.fingerprint);
    const certs = await call<{ serialHex: string; revokedAt: number | null }[]>('pki.certificates', {
      deviceId: 'env-001',
    });
    expect(certs.find((c) => c.serialHex === old)?.revokedAt).not.toBeNull();
    expect(certs.find((c) => c.serialHex === rotated.newSerialHex)?.revokedAt).toBeNull();
    const brokerConfig = await call<{ mosquittoConf: string; crlPem: string }>('pki.brokerConfig');
    expect(brokerConfig.mosquittoConf).toMatch(/require_certificate true/);
    expect(brokerConfig.crlPem).toMatch(/BEGIN X509 CRL/);
  }, 120_000);

  test('batch mode: the next device in one click, with the same settings and its id counted up', async () => {
    const { device, path: port } = await plugInDevice('SN-ENV-0010');
    const next = SessionSchema.parse(
      await call('commissioning.next', {
        sessionId: firstSessionId,
        link: { kind: 'serial', path: port },
        run: true,
      }),
    );
    expect(next.carried?.details).toMatchObject({
      deviceId: 'env-002',
      name: 'Env 002',
      site: 'North plant',
    });
    expect(next.carried?.network).toMatchObject({ ssid: WIFI.ssid, hasPassword: true });
    const deadline = Date.now() + 40_000;
    let s = next;
    while (s.status === 'in-progress' && !Object.values(s.steps).some((x) => x.state === 'failed')) {
      if (Date.now() > deadline) throw new Error(`batch run stuck at ${s.step}`);
      await sleep(100);
      s = SessionSchema.parse(await call('commissioning.get', { sessionId: next.id }));
    }
    expect(Object.values(s.steps).map((x) => x.error)).toEqual(Array(7).fill(null));
    expect(s.status).toBe('done');
    expect(s.batchId).toBe(firstSessionId);
    expect(device.config().deviceId).toBe('env-002');
    const batch = await call<{ content: string }>('commissioning.report', {
      batchId: firstSessionId,
      format: 'csv',
    });
    const rows = batch.content.trim().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain('env-001');
    expect(rows[2]).toContain('env-002');
    // the first device's certificate was rotated in the previous test; the batch device has its own
    expect(s.credentials?.fingerprint).toBe(device.credentialFingerprint());

    // the same device again (nobody swapped it): the run stops at details instead of making a second device
    const again = SessionSchema.parse(await call('commissioning.next', { sessionId: s.id, run: true }));
    let t = again;
    const until = Date.now() + 20_000;
    while (t.steps.details.state !== 'failed' && t.status === 'in-progress' && Date.now() < until) {
      await sleep(100);
      t = SessionSchema.parse(await call('commissioning.get', { sessionId: again.id }));
    }
    expect(t.steps.details.state).toBe('failed');
    expect(t.steps.details.error).toMatch(/already commissioned as "env-002"/);
    await call('commissioning.abandon', { sessionId: again.id });
  }, 60_000);

  test('a pre-shared key instead of a certificate: per device, refused until the broker has the exported psk_file, then reporting over TLS-PSK', async () => {
    const { device, path: port } = await plugInDevice('SN-ENV-0030');
    let s = await plant.startSession();
    s = await step(s, { step: 'connect', link: { kind: 'serial', path: port, baudRate: 115_200 } });
    s = await step(s, { step: 'identify' });
    s = await step(s, {
      step: 'details',
      input: { deviceId: 'env-030', name: 'Env 030', site: '', profile: 'env-sensor', tags: [] },
    });
    s = await step(s, { step: 'credentials', input: { kind: 'psk', validityDays: 365 } });
    expect(s.steps.credentials.error).toBeNull();
    expect(s.credentials).toMatchObject({ kind: 'psk', serialHex: null });
    expect(s.credentials?.fingerprint).toBe(device.credentialFingerprint());

    const network = {
      ssid: WIFI.ssid,
      password: WIFI.password,
      brokerUrl: plant.broker.pskUrl,
      reportingIntervalS: 1,
    };
    s = await step(s, { step: 'network', input: network });
    expect(s.steps.network.error).toBeNull();
    // the plant's broker was set up before this device had a key: the handshake fails, and the wizard says why
    s = await step(s, { step: 'verify', input: { timeoutS: 5 } }, 20_000);
    expect(s.steps.verify.state).toBe('failed');
    expect(s.steps.verify.diagnosis).toMatch(/pre-shared key.*psk_file/);
    expect(device.status()).toMatchObject({ broker: 'tls-refused' });

    // the site engineer exports the psk_file (with the PSK listener) and reloads mosquitto
    const exported = await call<{ mosquittoConf: string; pskFile: string }>('pki.brokerConfig', {
      pskPort: 8884,
    });
    expect(exported.mosquittoConf).toMatch(/^psk_hint fieldline$/m);
    expect(exported.pskFile).toMatch(/^env-030:[0-9a-f]{64}$/m);
    plant.broker.writePskFile(exported.pskFile);
    await plant.broker.reload();

    s = await step(s, { step: 'verify', input: { timeoutS: 30 } }, 40_000);
    expect(s.steps.verify.error).toBeNull();
    expect(s.verify?.firstTelemetryAt).not.toBeNull();
    expect(s.verify?.heartbeatAt).not.toBeNull();
    // TLS-PSK, identity as username: the broker logged the device id as the user
    expect(plant.broker.output).toMatch(/u'env-030'/);
    s = await step(s, { step: 'record', input: { notes: '' } });
    expect(s.status).toBe('done');
    const registered = RegistryDeviceSchema.parse(await call('registry.get', { deviceId: 'env-030' }));
    expect(registered).toMatchObject({
      serialNumber: 'SN-ENV-0030',
      credential: { kind: 'psk', fingerprint: s.credentials?.fingerprint },
    });
  }, 90_000);

  test('a device framing Improv as current ESPHome does (a 0x00 after every result): identify, scan and network succeed', async () => {
    const { device, path: port } = await plugInDevice('SN-ENV-0040', { improvFraming: 'esphome' });
    let s = await plant.startSession();
    s = await step(s, { step: 'connect', link: { kind: 'serial', path: port, baudRate: 115_200 } });
    s = await step(s, { step: 'identify' });
    expect(s.steps.identify.error).toBeNull();
    expect(s.identity).toMatchObject({
      serialNumber: 'SN-ENV-0040',
      firmwareName: 'fieldline-env',
      improv: true,
      improvState: 'authorized',
    });
    const networks = await call<{ ssid: string }[]>('commissioning.wifiScan', { sessionId: s.id });
    expect(networks.map((n) => n.ssid)).toEqual(['plant-floor', 'guest']);
    s = await throughNetwork(s, 'env-040', 'Env 040');
    expect(s.steps.network.error).toBeNull();
    expect(s.network).toMatchObject({ ssid: WIFI.ssid, verified: true });
    expect(device.status()).toMatchObject({ wifi: 'connected', ssid: WIFI.ssid });
    await call('commissioning.abandon', { sessionId: s.id });
  }, 60_000);

  test('broker unreachable: verify fails with a diagnosis naming the broker, not a bare timeout', async () => {
    const { path: port } = await plugInDevice('SN-ENV-0002', { uplink: false });
    let s = await plant.startSession();
    s = await step(s, { step: 'connect', link: { kind: 'serial', path: port, baudRate: 115_200 } });
    s = await step(s, { step: 'identify' });
    s = await throughNetwork(s, 'env-020', 'Env 020');
    expect(s.steps.network.error).toBeNull();
    s = await step(s, { step: 'verify', input: { timeoutS: 6 } }, 20_000);
    expect(s.steps.verify.state).toBe('failed');
    expect(s.steps.verify.diagnosis).toMatch(/unreachable/i);
    expect(s.step).toBe('verify');
  }, 60_000);

  test('a cable pull is diagnosed, the session survives an engine restart, and Retry reconnects', async () => {
    const { pty, path: port } = await plugInDevice('SN-ENV-0003');
    let s = await plant.startSession();
    s = await step(s, { step: 'connect', link: { kind: 'serial', path: port, baudRate: 115_200 } });
    await pty.stop(); // the cable comes out
    await sleep(200);
    s = await step(s, { step: 'identify' });
    expect(s.steps.identify.state).toBe('failed');
    expect(s.steps.identify.diagnosis).toMatch(/connection to the device dropped/i);

    // the app restarts with the session half done
    await plant.restartEngine();
    const resumed = (
      await call<CommissioningSession[]>('commissioning.list', { status: 'in-progress' })
    ).find((x) => x.id === s.id);
    expect(resumed?.step).toBe('identify');
    expect(resumed?.steps.connect.state).toBe('done');

    // the cable goes back in (the same port path), a new device process answers
    await pty.start();
    const device = new SimulatedProvisionableDevice({ serialNumber: 'SN-ENV-0003', networks: [WIFI] });
    devices.push(device);
    await device.attachSerial(pty.b);
    s = await step(resumed!, { step: 'identify' });
    expect(s.steps.identify.error).toBeNull();
    expect(s.identity?.serialNumber).toBe('SN-ENV-0003');
  }, 60_000);

  test('steps out of order are refused; going back marks later steps pending again', async () => {
    const { path: port } = await plugInDevice('SN-ENV-0004');
    let s = await plant.startSession();
    const refused = await plant.reply('commissioning.run', { sessionId: s.id, run: { step: 'identify' } });
    expect((refused.error as { message: string }).message).toMatch(/finish "connect"/);
    s = await step(s, { step: 'connect', link: { kind: 'serial', path: port, baudRate: 115_200 } });
    s = await step(s, { step: 'identify' });
    s = await step(s, {
      step: 'details',
      input: { deviceId: 'env-004', name: 'Env 004', site: '', profile: 'env-sensor', tags: [] },
    });
    expect(s.steps.details.state).toBe('done');
    s = await step(s, { step: 'identify' });
    expect(s.steps.details.state).toBe('pending');
    expect(s.step).toBe('details');
    // the wizard refuses a device id that another commissioned device holds
    s = await step(s, {
      step: 'details',
      input: { deviceId: 'env-001', name: 'x', site: '', profile: 'env-sensor', tags: [] },
    });
    expect(s.steps.details.state).toBe('failed');
    expect(s.steps.details.error).toMatch(/belongs to another device/);
    const abandoned = SessionSchema.parse(await call('commissioning.abandon', { sessionId: s.id }));
    expect(abandoned.status).toBe('abandoned');
  }, 60_000);
  test('decommissioning retires the credentials: certificates revoked, and the broker refuses the device once it has the new CRL', async () => {
    const device = devices.find((d) => d.config().deviceId === 'env-002');
    expect(device?.status().broker).toBe('connected');
    const after = RegistryDeviceSchema.parse(
      await call('registry.setLifecycle', {
        deviceId: 'env-002',
        lifecycle: 'decommissioned',
        reason: 'replaced',
      }),
    );
    expect(after.lifecycle).toBe('decommissioned');
    expect(after.credential).toBeNull();
    const certs = await call<{ revokedAt: number | null; revocationReason: string | null }[]>(
      'pki.certificates',
      {
        deviceId: 'env-002',
      },
    );
    expect(certs.length).toBeGreaterThan(0);
    expect(certs.every((c) => c.revokedAt !== null && c.revocationReason === 'cessationOfOperation')).toBe(
      true,
    );
    const audit = await call<{ entries: { action: string }[] }>('audit.list', { subject: 'env-002' });
    expect(audit.entries.map((e) => e.action).slice(0, 2)).toEqual(['device.credential', 'device.lifecycle']);

    // the site copies the new CRL to its broker and restarts it: the device is shut out
    const { crlPem } = await call<{ crlPem: string }>('pki.brokerConfig');
    plant.broker.writeCrl(crlPem);
    await plant.broker.stop();
    await plant.broker.start();
    const deadline = Date.now() + 15_000;
    while (device!.status().broker !== 'tls-refused' && Date.now() < deadline) await sleep(100);
    expect(device!.status().broker).toBe('tls-refused');
  }, 60_000);
});
