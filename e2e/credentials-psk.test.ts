/**
 * The Credentials panel's psk_file export in Chromium against the built headless host: a
 * data folder whose project CA already issued two device PSKs; the panel names the devices
 * but keeps the keys off the screen until "Show keys", warns that the file is secret, and
 * the TLS-PSK listener option adds the PSK listener to the mosquitto snippet.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../main/engine/log';
import { DeviceCredentials, type IssuedPsk } from '../main/engine/pki/device-credentials';
import { loadOrCreateMasterKeyFile } from '../main/engine/secrets/master-key';
import { SecretStore } from '../main/engine/secrets/secret-store';
import { openDatabase } from '../main/engine/store/database';
import { type AppInBrowser, openAppInBrowser, tempDataDir, waitFor } from './harness';

let app: AppInBrowser | undefined;
let page: Page;
const pageErrors: string[] = [];
let psks: IssuedPsk[] = [];

beforeAll(async () => {
  const dataDir = tempDataDir('credentials-psk');
  const log = createLogger({ level: 'warn' });
  const { db } = openDatabase({ dataDir, log });
  const secrets = new SecretStore(db, loadOrCreateMasterKeyFile(dataDir));
  const credentials = await DeviceCredentials.open({ db, secrets, projectName: 'e2e site', log });
  psks = [credentials.issuePsk('pump-41'), credentials.issuePsk('pump-42')];
  db.close();
  app = await openAppInBrowser({
    dataDir,
    args: ['--no-demo'],
    viewport: { width: 1300, height: 900 },
    pageErrors,
    hash: '#/credentials',
  });
  ({ page } = app);
}, 60_000);

afterAll(() => app?.close());

const text = (testId: string) => page.getByTestId(testId).textContent();

describe('Credentials panel: the psk_file export', () => {
  test('keys hidden until asked for, a secret warning, and the PSK listener on request', async () => {
    await page.getByTestId('broker-config-load').click();
    await page.getByTestId('broker-psk-file').waitFor({ timeout: 15_000 });
    const hidden = (await text('broker-fieldline.psk')) ?? '';
    expect(hidden).toContain('pump-41:');
    expect(hidden).toContain('pump-42:');
    for (const p of psks) expect(hidden).not.toContain(p.keyHex);
    expect(await text('broker-psk-file')).toMatch(
      /anyone holding this file can connect as any of these 2 devices/,
    );
    expect(await text('broker-fieldline.conf')).not.toContain('psk_hint');

    await page.getByTestId('broker-psk-reveal').check();
    const shown = (await text('broker-fieldline.psk')) ?? '';
    for (const p of psks) expect(shown).toContain(`${p.identity}:${p.keyHex}`);

    await page.getByTestId('broker-psk-listener').check();
    await waitFor(
      'the PSK listener in the snippet',
      async () => ((await text('broker-fieldline.conf'))?.includes('psk_hint fieldline') ? true : undefined),
      10_000,
    );
    expect(await text('broker-fieldline.conf')).toMatch(
      /listener 8884\s*psk_hint fieldline\s*psk_file \/etc\/mosquitto\/fieldline.psk/,
    );
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
