/**
 * Device profiles end to end at 1024×700: the built headless host with the demo site and
 * a real Chromium. A profile is made in the editor (its mistakes named at their fields
 * first), assigned to a demo device in the registry, its unit shows on the device's chart
 * and in the fleet, and its export is the JSON that was entered.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppWithRpc, ensureArtifactsDir, openAppWithRpc, tempDataDir } from './harness';

let app: AppWithRpc | undefined;
let page: Page;
const pageErrors: string[] = [];
let deviceId = '';

/** what the editor is filled with below, in the resources/profiles format */
const expected = {
  id: 'line-pressure',
  name: 'Line pressure (kPa)',
  metrics: {
    pressure: { unit: 'kPa', label: 'Line pressure', min: 0, max: 2500, maxRatePerSec: 500 },
    battery: { unit: '%', min: 0, max: 100 },
  },
  ble: {
    characteristics: [{ characteristic: '2A6D', metric: 'pressure', type: 'uint32', scale: 0.001 }],
  },
  firmware: { espIdf: { chip: 'ESP32-C3', project: 'line-pressure-fw' } },
};

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir: tempDataDir('profiles'),
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
    hash: '#/profiles',
  });
  ({ page } = app);
  const devices = await app.rpc.request<{ id: string; profile: string }[]>('devices.list');
  deviceId = devices.find((d) => d.profile === 'pressure-sensor')?.id ?? '';
  expect(deviceId).not.toBe('');
}, 60_000);

afterAll(() => app?.close());

const fill = (testId: string, value: string) => page.getByTestId(testId).fill(value);

describe('device profiles in the browser', () => {
  test('the built-ins are listed read-only', async () => {
    await page.waitForSelector('[data-testid="profile-row"][data-profile-id="pressure-sensor"]');
    expect(await page.locator('[data-testid="profile-row"]').count()).toBe(5);
    await page.locator('[data-profile-id="pressure-sensor"] a').click();
    await page.waitForSelector('[data-testid="profile-editor"]');
    expect(await page.getByTestId('profile-editor').textContent()).toContain(
      'Built-in profiles are read-only',
    );
    expect(await page.getByTestId('profile-save').count()).toBe(0);
    // the model's hardware, for matching firmware to it
    expect(await page.getByTestId('profile-firmware-kind').inputValue()).toBe('mcuboot');
    expect(await page.getByTestId('profile-firmware-classId').inputValue()).toBe(
      'b09a6f29-c731-5c02-8f19-15fa59388995',
    );
  });

  test('a new profile: mistakes are named at their fields, then it is created', async () => {
    // keyboard: the New button is reached and pressed without the mouse
    await page.getByTestId('profile-new').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="profile-id"]:not([readonly])');
    await fill('profile-id', expected.id);
    await fill('profile-name', expected.name);
    await fill('metric-0-name', 'pressure');
    await fill('metric-0-label', 'Line pressure');
    await fill('metric-0-unit', 'kPa');
    await fill('metric-0-min', '2500');
    await fill('metric-0-max', '0');
    await fill('metric-0-maxRatePerSec', '500');
    await page.getByTestId('profile-add-metric').click();
    await fill('metric-1-name', 'battery');
    await fill('metric-1-unit', '%');
    await fill('metric-1-min', '0');
    await fill('metric-1-max', '100');
    await page.getByTestId('profile-add-mapping').click();
    await fill('mapping-0-characteristic', '2A6');
    await page.getByTestId('mapping-0-type').selectOption('uint32');
    await fill('mapping-0-scale', '0.001');
    await page.getByTestId('profile-firmware-kind').selectOption('espIdf');
    await fill('profile-firmware-chip', 'ESP32-C3');
    await page.getByTestId('profile-save').click();
    await page.waitForSelector('[data-testid="metric-0-max"][aria-invalid="true"]');
    const editor = page.getByTestId('profile-editor');
    expect(await editor.textContent()).toContain('must be above min');
    expect(await editor.textContent()).toContain('a 16-bit UUID like 2A6E');
    expect(await page.getByTestId('profile-firmware-project').getAttribute('aria-invalid')).toBe('true');
    expect(await editor.textContent()).toContain('the ESP-IDF project name, 1 to 31 characters');
    await page.screenshot({
      path: path.join(ensureArtifactsDir(), 'profiles-editor-errors.png'),
      fullPage: true,
    });

    await fill('metric-0-min', '0');
    await fill('metric-0-max', '2500');
    await fill('mapping-0-characteristic', '2A6D');
    await fill('profile-firmware-project', 'line-pressure-fw');
    await page.getByTestId('profile-save').click();
    await expect.poll(() => page.url()).toContain('#/profiles/line-pressure');
    await page.waitForSelector('[data-testid="profile-row"][data-profile-id="line-pressure"]');
    expect(await app!.rpc.request('profiles.get', { id: 'line-pressure' })).toMatchObject({
      builtIn: false,
      definition: expected,
    });
  });

  test('assigned to a demo device in the registry, its unit shows on the chart and in the fleet', async () => {
    await page.evaluate(`location.hash = ${JSON.stringify(`#/registry/${deviceId}`)}`);
    await page.waitForSelector('[data-testid="edit-profile"] option[value="line-pressure"]', {
      state: 'attached',
    });
    await page.getByTestId('edit-profile').selectOption('line-pressure');
    await page.getByTestId('device-edit').locator('button[type="submit"]').click();
    await page.waitForSelector('[data-testid="device-edit"] .form-ok');
    const audit = await app!.rpc.request<{ entries: { after: { profile?: string } }[] }>('audit.list', {
      subject: deviceId,
      action: 'device.updated',
    });
    expect(audit.entries[0]?.after.profile).toBe('line-pressure');

    await page.evaluate(`location.hash = ${JSON.stringify(`#/device/${deviceId}`)}`);
    const legend = page.locator('[data-testid="metric-chart"][data-metric="pressure"] .u-legend');
    await expect.poll(() => legend.textContent(), { timeout: 15_000 }).toContain('pressure (kPa)');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'profiles-device-chart.png') });

    await page.evaluate('location.hash = "#/"');
    const row = page.locator(`[data-testid="device-row"][data-device-id="${deviceId}"]`);
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('kPa');
  });

  test('an unknown profile is refused with the known ones listed', async () => {
    const reply = await app!.rpc.call('registry.update', { deviceId, profile: 'line-presure' });
    expect((reply.error as { message?: string } | undefined)?.message).toBe(
      'unknown profile "line-presure"; known: ble-vibration-tag, env-sensor, line-pressure, power-meter, pressure-sensor, pump',
    );
  });

  test('exported from the list, the file is the JSON entered, and the profile cannot be deleted while used', async () => {
    await page.evaluate('location.hash = "#/profiles"');
    await page.waitForSelector('[data-testid="profile-export-line-pressure"]');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('profile-export-line-pressure').click(),
    ]);
    expect(download.suggestedFilename()).toBe('line-pressure.json');
    const file = path.join(ensureArtifactsDir(), 'line-pressure.json');
    await download.saveAs(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(expected);

    await page.getByTestId('profile-delete-line-pressure').click();
    await page.getByTestId('profile-delete-dialog-confirm').click();
    await page.waitForSelector('[data-testid="profile-delete-dialog"] [role="alert"]');
    expect(await page.getByTestId('profile-delete-dialog').textContent()).toContain(
      `profile "line-pressure" is used by 1 device (${deviceId})`,
    );
    await page.keyboard.press('Escape');
  });

  test('an import names each bad field by item, and a good file lands in the list', async () => {
    const input = page.getByTestId('profile-import-file');
    const bad = [
      { id: 'tank', name: 'Tank', metrics: { level: { unit: 'm', min: 4, max: 0 } } },
      { id: 'pump', name: 'mine', metrics: {} },
    ];
    await input.setInputFiles({
      name: 'bad.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(bad)),
    });
    await page.waitForSelector('[data-testid="profiles-status"][role="alert"]');
    expect(await page.getByTestId('profiles-status').textContent()).toBe(
      'Could not import bad.json: the import is invalid: 0.metrics.level: min must not exceed max; ' +
        '1.id: "pump" is a built-in profile and cannot be replaced',
    );
    const good = { id: 'tank', name: 'Tank', metrics: { level: { unit: 'm', min: 0, max: 4 } } };
    await input.setInputFiles({
      name: 'tank.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(good)),
    });
    await page.waitForSelector('[data-testid="profile-row"][data-profile-id="tank"]');
    expect(await page.getByTestId('profiles-status').textContent()).toBe('Imported tank.');
    expect(pageErrors).toEqual([]);
  });
});
