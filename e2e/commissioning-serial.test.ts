/**
 * The commissioning wizard over USB serial end to end, with a failure at every step and
 * the technician's way out of it, all through the page: the built headless host
 * (--no-demo) over a real SQLite data folder, a simulated factory-fresh device (Improv +
 * the configuration protocol) on a real socat pty pair driven from this test process, a
 * real mosquitto with mutual TLS trusting the project CA (created in the data folder
 * before the host starts, as a site sets up its broker), and Chromium.
 *
 * connect: a port that does not exist → pick the right one; identify: cable pulled →
 * replug → Retry; details: an id another commissioned device holds → change it; (page
 * reload, resume from the in-progress list); credentials: cable pulled → host restart on
 * the same data folder, resume, replug → Retry; network: wrong Wi-Fi password → retype;
 * verify: broker URL unreachable → back to Network, fix it → verify passes; record.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PlantBroker } from '../main/engine/commissioning/plant-broker';
import { freePort } from '../main/engine/connectors/mqtt/mosquitto-harness';
import { PtyPair } from '../main/engine/connectors/serial/pty-pair';
import { DeviceCredentials } from '../main/engine/pki/device-credentials';
import { SimulatedProvisionableDevice } from '../main/engine/provisioning/simulated-device';
import { seededDevice, seedFleet } from '../main/engine/registry/seed-fleet';
import { loadOrCreateMasterKeyFile } from '../main/engine/secrets/master-key';
import { SecretStore } from '../main/engine/secrets/secret-store';
import { openDatabase } from '../main/engine/store/database';
import { silent } from '../main/engine/store/test-fixtures';
import { wizardDriver } from './commissioning-wizard';
import { connectRpc, launchChromium, type RunningHost, startHost, tempDataDir } from './harness';

const WIFI = { ssid: 'plant-floor', password: 'correct horse', rssi: -48 };
const SERIAL_NUMBER = 'SN-E2E-0001';
const TECHNICIAN = 'Dana (e2e)';

const dataDir = tempDataDir('commission-serial');
const broker = new PlantBroker();
const ptyDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-e2e-pty-'));
const pty = new PtyPair(path.join(ptyDir, 'ttyUSB0'), path.join(ptyDir, 'device'));
const devices: SimulatedProvisionableDevice[] = [];
/** a registry device already commissioned on this site, seeded before the host starts */
const taken = seededDevice(2);

let host: RunningHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Powers a factory-fresh device up on the device end of the pty (a replug gets a fresh one, as USB power does). */
async function plugDevice(): Promise<SimulatedProvisionableDevice> {
  const device = new SimulatedProvisionableDevice({
    serialNumber: SERIAL_NUMBER,
    networks: [WIFI, { ssid: 'guest', password: 'guest', rssi: -80 }],
    wifiJoinMs: 50,
    brokerRetryMs: 200,
  });
  devices.push(device);
  await device.attachSerial(pty.b);
  return device;
}

async function pullCable(): Promise<void> {
  await pty.stop();
  await Promise.all(devices.map((d) => d.close().catch(() => {})));
}

async function replug(): Promise<SimulatedProvisionableDevice> {
  await pty.start();
  return await plugDevice();
}

async function rpcCall<T>(method: string, params?: unknown): Promise<T> {
  const rpc = await connectRpc(host);
  try {
    return await rpc.request<T>(method, params);
  } finally {
    rpc.close();
  }
}

async function openHost(): Promise<void> {
  host = await startHost({ dataDir, args: ['--no-demo'] });
  await page.goto(host.url);
}

beforeAll(async () => {
  // the site before any device: the project CA in the data folder, its broker trusting it,
  // and one device already commissioned under an id the technician will mistakenly reuse
  const { db } = openDatabase({ dataDir, log: silent });
  const secrets = new SecretStore(db, loadOrCreateMasterKeyFile(dataDir));
  const ca = await DeviceCredentials.open({ db, secrets, projectName: path.basename(dataDir), log: silent });
  await broker.configure(ca);
  seedFleet(db, 3);
  db.close();
  expect(['commissioned', 'active']).toContain(taken.lifecycle);
  await broker.start();
  await pty.start();
  await plugDevice();

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await openHost();
  await rpcCall('operator.set', { name: TECHNICIAN });
  await rpcCall('connectors.add', {
    kind: 'mqtt',
    config: {
      id: 'plant',
      url: broker.localUrl,
      subscriptions: [{ topicTemplate: 'fieldline/{deviceId}/{metric}' }],
    },
  });
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await Promise.all(devices.map((d) => d.close().catch(() => {})));
  await pty.stop();
  await broker.stop();
});

describe('commissioning over USB serial (simulated device on a socat pty, real mosquitto with mutual TLS)', () => {
  test('a failure at every step, each recovered through the wizard; reload and host restart resume the session', async () => {
    const started = Date.now();
    const w = wizardDriver(page);
    const timings: string[] = [];
    const lap = (what: string) => timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);

    await page.evaluate("location.hash = '#/commission'");
    await page.getByTestId('commission-start').click();
    await page.getByTestId('wizard').waitFor({ timeout: 10_000 });
    const sessionId = await w.sessionId();

    // connect: a port that is not there, then the right one
    expect(await page.getByTestId('connect-kind-serial').isChecked()).toBe(true);
    await page.getByTestId('connect-path').fill(path.join(ptyDir, 'ttyUSB9'));
    await w.run('connect');
    expect(await w.settled('connect')).toBe('failed');
    const noPort = await w.failure('connect');
    expect(noPort.error).toContain(`no serial port at ${path.join(ptyDir, 'ttyUSB9')}`);
    expect(noPort.diagnosis).toMatch(/There is no port .*ttyUSB9/);
    await w.screenshot('serial-connect-failed');
    await page.getByTestId('connect-path').fill(pty.a);
    await w.retry('connect');
    await w.done('connect');
    lap('connect');

    // identify: the cable comes out first
    await pullCable();
    await w.run('identify');
    expect(await w.settled('identify')).toBe('failed');
    const pulled = await w.failure('identify');
    expect(pulled.diagnosis).toMatch(/connection to the device dropped/i);
    await w.screenshot('serial-identify-failed');
    await replug();
    await w.retry('identify');
    await w.done('identify');
    await w.view('identify');
    expect(await w.step('identify').locator('dl.facts').textContent()).toContain(SERIAL_NUMBER);
    await w.view('details');
    lap('identify');

    // details: an id that belongs to a device already commissioned
    await page.getByTestId('details-deviceId').fill(taken.id);
    await page.getByTestId('details-name').fill('Line env 01');
    await page.getByTestId('details-site').fill('North plant');
    await expect
      .poll(() => page.getByTestId('details-profile').locator('option[value="env-sensor"]').count(), {
        timeout: 10_000,
      })
      .toBe(1);
    await page.getByTestId('details-profile').selectOption('env-sensor');
    await w.run('details');
    expect(await w.settled('details')).toBe('failed');
    expect((await w.failure('details')).error).toContain(`"${taken.id}" belongs to another device`);
    await w.screenshot('serial-details-failed');
    await page.getByTestId('details-deviceId').fill('line-env-01');
    await w.retry('details');
    await w.done('details');
    lap('details');

    // the page is reloaded mid-wizard: the same session comes back, and is listed to resume
    await page.reload();
    await page.getByTestId('wizard').waitFor({ timeout: 15_000 });
    expect(await w.sessionId()).toBe(sessionId);
    await w.step('credentials').waitFor();
    await page.evaluate("location.hash = '#/commission'");
    const row = page.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('Credentials');
    await row.getByTestId('session-resume').click();
    await w.step('credentials').waitFor({ timeout: 10_000 });

    // credentials: the cable is pulled, then the host restarts on the same data folder
    await pullCable();
    await w.run('credentials');
    expect(await w.settled('credentials', 30_000)).toBe('failed');
    const interrupted = await w.failure('credentials');
    expect(interrupted.diagnosis).toMatch(/connection to the device dropped/i);
    await host.stop();
    await openHost();
    await page.evaluate("location.hash = '#/commission'");
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('Credentials (failed)');
    await row.getByTestId('session-resume').click();
    await w.step('credentials').getByTestId('step-error').waitFor({ timeout: 10_000 });
    await replug();
    await w.retry('credentials');
    await w.done('credentials', 30_000);
    lap('credentials (with a host restart)');

    // network: the device's own Wi-Fi scan, a mistyped password, and a broker nobody listens on
    const deadBroker = `mqtts://127.0.0.1:${await freePort()}`;
    await page.getByTestId('wifi-scan').click();
    await page.getByTestId('wifi-network').filter({ hasText: WIFI.ssid }).click();
    expect(await page.getByTestId('network-ssid').inputValue()).toBe(WIFI.ssid);
    await page.getByTestId('network-password').fill('correct hose');
    await page.getByTestId('network-brokerUrl').fill(deadBroker);
    await page.getByTestId('network-reportingIntervalS').fill('1');
    await w.run('network');
    expect(await w.settled('network', 30_000)).toBe('failed');
    expect((await w.failure('network')).diagnosis).toMatch(/password/i);
    await w.screenshot('serial-network-failed');
    // the refused password is not offered again
    expect(await page.getByTestId('network-reuse-password').count()).toBe(0);
    await page.getByTestId('network-password').fill(WIFI.password);
    await w.retry('network');
    await w.done('network', 30_000);
    lap('network');

    // verify: the broker URL leads nowhere
    await page.getByTestId('verify-timeout').fill('6');
    await w.run('verify');
    expect(await w.settled('verify', 20_000)).toBe('failed');
    const unreachable = await w.failure('verify');
    expect(unreachable.diagnosis).toMatch(/unreachable/i);
    expect(unreachable.diagnosis).toContain(deadBroker);
    await w.screenshot('serial-verify-failed');
    await page.getByTestId('wizard-back').click();
    await w.step('network').waitFor();
    // the password typed before is sealed in the engine; the form offers to reuse it
    expect(await page.getByTestId('network-reuse-password').isChecked()).toBe(true);
    await page.getByTestId('network-brokerUrl').fill(broker.deviceUrl);
    await w.run('network');
    await expect
      .poll(() => page.getByTestId('wizard-nav-verify').getAttribute('data-mark'), { timeout: 30_000 })
      .toBe('current');
    await w.step('verify').waitFor();
    await page.getByTestId('verify-timeout').fill('30');
    await w.run('verify');
    await w.done('verify', 40_000);
    lap('verify');

    // record
    await page.getByTestId('record-notes').fill('every failure recovered (e2e)');
    await w.run('record');
    await expect
      .poll(() => page.getByTestId('session-status').textContent(), { timeout: 15_000 })
      .toBe('done');
    await w.screenshot('serial-done');
    lap('record');

    const session = await rpcCall<{
      technician: string;
      credentials: { fingerprint: string };
      network: { brokerUrl: string; ssid: string };
    }>('commissioning.get', { sessionId });
    expect(session).toMatchObject({
      technician: TECHNICIAN,
      network: { brokerUrl: broker.deviceUrl, ssid: WIFI.ssid },
    });
    const device = devices[devices.length - 1]!;
    expect(session.credentials.fingerprint).toBe(device.credentialFingerprint());
    expect(device.config()).toMatchObject({ deviceId: 'line-env-01', brokerUrl: broker.deviceUrl });
    const registered = await rpcCall<{ lifecycle: string; serialNumber: string }>('registry.get', {
      deviceId: 'line-env-01',
    });
    expect(['commissioned', 'active']).toContain(registered.lifecycle);
    expect(registered.serialNumber).toBe(SERIAL_NUMBER);
    // the other device kept its id
    expect(await rpcCall<{ serialNumber: string }>('registry.get', { deviceId: taken.id })).toMatchObject({
      serialNumber: taken.serialNumber,
    });

    expect(pageErrors).toEqual([]);
    console.log(`[commissioning e2e] serial with a failure at every step: ${timings.join(', ')}`);
  }, 90_000);
});
