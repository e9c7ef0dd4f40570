/**
 * A fleet rollout end to end: the built headless host on a registry of 20 devices, a real
 * mosquitto as the plant broker, a simulated fleet on it that speaks the job protocol and
 * whose new firmware fails its health check, and the Rollouts view in Chromium at
 * 1024x700. The operator sets the broker and the HTTPS image server, previews the waves,
 * starts the rollout after confirming, and watches it stop at the first wave with the failed
 * device rolled back. The devices hold certificates from the host's project CA and fetch the
 * image over HTTPS with mutual TLS, resuming a cut download with Range.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, MosquittoBroker } from '../main/engine/connectors/mqtt/mosquitto-harness';
import { createLogger } from '../main/engine/log';
import { DeviceCredentials } from '../main/engine/pki/device-credentials';
import { seededDevice, seedFleet } from '../main/engine/registry/seed-fleet';
import type { DeviceTls } from '../main/engine/rollouts/image-https-client';
import { SimulatedMqttFleet } from '../main/engine/rollouts/simulated-mqtt-fleet';
import { loadOrCreateMasterKeyFile } from '../main/engine/secrets/master-key';
import { SecretStore } from '../main/engine/secrets/secret-store';
import { openDatabase } from '../main/engine/store/database';
import { prepareFirmware, signedImage } from './flash-fixture';
import { type AppWithRpc, ensureArtifactsDir, openAppWithRpc, tempDataDir, waitFor } from './harness';

const DEVICES = 20;
let SHA = '';
let app: AppWithRpc | undefined;
let page: Page;
let broker: MosquittoBroker;
let fleet: SimulatedMqttFleet;
let imagePort = 0;
const pageErrors: string[] = [];

beforeAll(async () => {
  broker = new MosquittoBroker({ extra: ['set_tcp_nodelay true'] });
  await broker.start();
  const dataDir = tempDataDir('rollouts');
  const { db } = openDatabase({ dataDir, log: createLogger({ level: 'warn' }) });
  seedFleet(db, DEVICES);
  const deviceIds = Array.from({ length: DEVICES }, (_, i) => seededDevice(i).id);
  // the devices were commissioned with certificates from this data folder's project CA
  const credentials = await DeviceCredentials.open({
    db,
    secrets: new SecretStore(db, loadOrCreateMasterKeyFile(dataDir)),
    projectName: path.basename(dataDir),
  });
  const certs = new Map<string, DeviceTls>();
  for (const id of deviceIds) {
    const issued = await credentials.issueCertificate(id);
    certs.set(id, {
      certificatePem: issued.certificatePem,
      privateKeyPem: issued.privateKeyPem,
      caPem: issued.caPem,
    });
  }
  db.close();
  imagePort = await freePort();
  fleet = new SimulatedMqttFleet({
    brokerUrl: broker.url,
    deviceIds,
    behaviourOf: () => 'fail-health',
    version: '1.0.0',
    stepMs: 20,
    tlsOf: (id) => certs.get(id),
    cutHttpsAfterBytes: 5000,
  });
  await fleet.start();
  app = await openAppWithRpc({
    dataDir,
    args: ['--no-demo'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
    hash: '#/rollouts',
  });
  page = app.page;
  // a signed image in the library, as a user imports it in the Firmware view
  [SHA = ''] = await prepareFirmware(app.rpc, [signedImage(5, 12_000)]);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await fleet?.close();
  await broker?.stop();
});

const text = async (testId: string) => (await page.getByTestId(testId).first().textContent()) ?? '';
const until = (what: string, check: () => Promise<boolean>, ms = 15_000) =>
  waitFor(what, async () => ((await check()) ? true : undefined), ms);

describe('Rollouts view', () => {
  test('a bad release stops at the first wave and rolls back, watched live in the browser', async () => {
    await page.getByTestId('rollouts-view').waitFor();
    await until('no broker yet', async () => /no broker set/.test(await text('rollout-broker-status')));

    expect(await text('rollout-image-status')).toMatch(/off: devices fetch images in chunks over MQTT/);
    await page.getByTestId('rollout-broker-url').fill(broker.url);
    await page.getByTestId('rollout-image-host').fill('0.0.0.0');
    await page.getByTestId('rollout-image-port').fill(String(imagePort));
    await page.getByTestId('rollout-broker-url').press('Enter');
    await until('the wildcard refused', async () =>
      /not a wildcard/.test((await page.getByTestId('field-error').allTextContents()).join(' ')),
    );
    await page.getByTestId('rollout-image-host').fill('127.0.0.1');
    await page.getByTestId('rollout-image-host').press('Enter');
    await until('connected', async () => /connected to mqtt:/.test(await text('rollout-broker-status')));
    expect(await text('rollout-image-status')).toContain(`https://127.0.0.1:${imagePort}/firmware/`);

    await page.getByTestId('rollout-new').click();
    await page.getByTestId('rollout-name').fill('Bad 9.9.9');
    await page.getByTestId('rollout-version').fill('9.9.9');
    await page.getByTestId('rollout-sha256').fill('not a hash');
    await page.getByTestId('rollout-preview-button').click();
    await until('the hash error', async () =>
      /64 hex digits/.test((await page.getByTestId('field-error').allTextContents()).join(' ')),
    );
    await page.getByTestId('rollout-sha256').fill(SHA);
    // the simulated fleet's devices have no profile naming their hardware: the audited override
    await page.getByTestId('rollout-allow-unknown-target').check();
    await page.getByTestId('rollout-preview-button').click();
    await page.getByTestId('rollout-preview').waitFor();
    expect(await text('rollout-preview')).toContain(`${DEVICES} devices match`);
    const rows = await page.getByTestId('rollout-preview').locator('tbody tr').allTextContents();
    // ceil(1 %, 10 %, 50 %, 100 % of 20) = 1, 2, 10, 20 → waves of 1, 1, 8, 10
    expect(rows.map((r) => /%(\d+)/.exec(r)?.[1])).toEqual(['1', '1', '8', '10']);

    await page.getByTestId('rollout-start').click();
    await page.getByTestId('rollout-start-confirm').waitFor();
    await page.getByTestId('rollout-start-confirm-confirm').click();
    await page.getByTestId('rollout-detail').waitFor();

    await until('the campaign halts', async () => /halted/.test(await text('rollout-detail')));
    expect(await text('rollout-reason')).toMatch(/1 of 1 finished devices failed/);
    await until('the failed device rolled back', async () =>
      /rolled back/.test((await page.getByTestId('rollout-devices').textContent()) ?? ''),
    );
    expect(await text('rollout-devices')).toMatch(
      /self-test failed after boot; MCUboot reverted; rolled back to 1\.\d\.\d/,
    );
    const waves = await page.getByTestId('rollout-waves').locator('tbody tr').allTextContents();
    expect(waves[0]).toMatch(/halted/);
    expect(waves.slice(1).every((w) => /waiting/.test(w))).toBe(true);
    // only the first wave's device ever installed the image, fetched over HTTPS: cut once, resumed with Range
    const installed = fleet.devices.filter((d) => d.installs > 0);
    expect(installed.map((d) => d.https)).toEqual([{ requests: 2, resumed: 1 }]);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'rollouts-halted.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({
      path: path.join(ensureArtifactsDir(), 'rollouts-halted-dark.png'),
      fullPage: true,
    });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
