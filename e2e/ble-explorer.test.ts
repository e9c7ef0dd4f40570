/**
 * The BLE GATT explorer end to end, on a simulated Bluetooth adapter (this machine has no
 * radio): the built headless host runs with --simulated-ble, so real noble drives the
 * simulated binding's standard GATT sensors, and real Chromium drives the real UI. A BLE
 * connector is added through the Connections form; the explorer lists the simulated
 * peripherals with name and RSSI, opens one, lists its services and characteristics,
 * reads and decodes the Battery Level, switches Notify on the Temperature and back off,
 * and the device's temperature readings arrive.
 */
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type AppInBrowser,
  ensureArtifactsDir,
  openAppInBrowser,
  type RunningHost,
  tempDataDir,
} from './harness';

const CONNECTOR_ID = 'e2e-sim-ble';

let app: AppInBrowser | undefined;
let host: RunningHost;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await openAppInBrowser({
    dataDir: tempDataDir('e2e-ble'),
    args: ['--simulated-ble', '--no-demo'],
    viewport: { width: 1280, height: 900 },
    pageErrors,
  });
  ({ host, page } = app);
});

afterAll(() => app?.close());

const peripheralRow = (name: string): Locator =>
  page.getByTestId('ble-peripheral').filter({ has: page.getByRole('cell', { name, exact: true }) });

const characteristic = (uuid: string): Locator =>
  page.locator(`[data-testid="gatt-characteristic"][data-uuid="${uuid}"]`);

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ensureArtifactsDir(), name), fullPage: true });
}

describe('BLE GATT explorer on a simulated adapter (--simulated-ble)', () => {
  test('the host says its Bluetooth is simulated', () => {
    expect(host.output()).toContain('Bluetooth: simulated adapter (--simulated-ble)');
  });

  test('add a BLE connector through the Connections form; the explorer says the adapter is simulated', async () => {
    await page.evaluate("location.hash = '#/connections'");
    await page.getByTestId('add-connector').click();
    await page.getByTestId('kind-ble').check();
    await page.getByTestId('connector-id').fill(CONNECTOR_ID);
    await page.getByTestId('ble-name-prefix').fill('Fieldline');
    await page.getByTestId('add-connector-submit').click();
    const row = page.locator(`[data-testid="connector-row"][data-connector-id="${CONNECTOR_ID}"]`);
    const error = page.getByTestId('add-connector-error');
    await expect
      .poll(
        async () => ((await error.count()) > 0 ? `error: ${await error.textContent()}` : await row.count()),
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    await row.getByRole('link', { name: 'Devices' }).click();
    await page.getByTestId('ble-explorer').waitFor();
    const status = page.getByTestId('ble-status');
    await expect
      .poll(() => status.textContent(), { timeout: 10_000 })
      .toContain('Simulated Bluetooth adapter');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 10_000 }).toBe('connected');
  });

  test('the simulated peripherals are listed with name, address and RSSI', async () => {
    for (const [name, address] of [
      ['Fieldline ENV-1', 'c0:ff:ee:00:00:01'],
      ['Fieldline ENV-2', 'c0:ff:ee:00:00:02'],
    ] as const) {
      const row = peripheralRow(name);
      await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
      expect(await row.getByTestId('ble-address').textContent()).toBe(address);
      const rssi = Number(await row.getAttribute('data-rssi'));
      // the simulated radio varies RSSI around -58 and -71 dBm
      expect(rssi).toBeGreaterThan(-100);
      expect(rssi).toBeLessThan(-30);
      expect(await row.getByTestId('ble-rssi').textContent()).toBe(`${rssi} dBm`);
      // advertised: Environmental Sensing and Battery
      expect(await row.getByTestId('ble-services').textContent()).toMatch(/181a.*180f|180f.*181a/);
    }
    await screenshot('ble-peripherals.png');
  });

  test('open a peripheral: its services and characteristics, by assigned-number name', async () => {
    await peripheralRow('Fieldline ENV-1').click();
    const services = page.getByTestId('gatt-services');
    await services.waitFor();
    const listed = page.getByTestId('gatt-service');
    await expect.poll(() => listed.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    const names = await listed.evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid')));
    expect(names).toEqual(expect.arrayContaining(['181a', '180f', '180a']));
    expect(await page.locator('[data-testid="gatt-service"][data-uuid="180f"]').textContent()).toContain(
      'Battery',
    );
    for (const uuid of ['2a6e', '2a6f', '2a6d', '2a19', '2a29']) {
      await expect.poll(() => characteristic(uuid).count()).toBe(1);
    }
    expect(await characteristic('2a19').textContent()).toContain('Battery Level');
    expect(await characteristic('2a6e').textContent()).toContain('Temperature');
  });

  test('read the Battery Level and see it decoded', async () => {
    const battery = characteristic('2a19');
    await battery.getByRole('button', { name: 'Read' }).click();
    const value = battery.getByTestId('gatt-value');
    await expect.poll(() => value.count(), { timeout: 10_000 }).toBe(1);
    const text = (await value.textContent()) ?? '';
    // one byte, 0..100 %: the simulated ENV-1 starts at 87 % and drains slowly
    const match = /battery: (\d+(?:\.\d+)?)\s*%/.exec(text);
    expect(match, text).not.toBeNull();
    const percent = Number(match?.[1]);
    expect(percent).toBeGreaterThan(50);
    expect(percent).toBeLessThanOrEqual(100);
    expect(text).toContain(Math.round(percent).toString(16).padStart(2, '0'));
    // the byte is a number, not text (87 is "W" in ASCII)
    expect(text).not.toMatch(/[“”]/);

    // a text characteristic from Device Information reads as text
    const manufacturer = characteristic('2a29');
    await manufacturer.getByRole('button', { name: 'Read' }).click();
    await expect
      .poll(() => manufacturer.getByTestId('gatt-value').textContent(), { timeout: 10_000 })
      .toContain('Fieldline Labs');
    await screenshot('ble-gatt.png');
  });

  test('Notify on the temperature: values arrive with their time; switched off, they stop', async () => {
    const temperature = characteristic('2a6e');
    const toggle = temperature.getByTestId('gatt-notify');
    // Battery Level notifies too; Manufacturer Name (read only) offers no toggle
    expect(await characteristic('2a19').getByTestId('gatt-notify').count()).toBe(1);
    expect(await characteristic('2a29').getByTestId('gatt-notify').count()).toBe(0);
    const startedAt = Date.now();
    await toggle.check();
    const entries = temperature.getByTestId('gatt-notification');
    // the simulated sensor notifies once a second
    await expect.poll(() => entries.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const texts = await entries.allTextContents();
    for (const text of texts)
      expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} temperature: -?\d+(\.\d+)?\s*°C [0-9a-f]{4}$/);
    const stamps = (await entries.evaluateAll((els) =>
      els.map((e) => Number(e.getAttribute('data-ts'))),
    )) as number[];
    // newest first, and stamped while we watched
    expect([...stamps].sort((a, b) => b - a)).toEqual(stamps);
    expect(Math.min(...stamps)).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect(Math.max(...stamps)).toBeLessThanOrEqual(Date.now() + 1_000);
    await screenshot('ble-notify.png');

    await toggle.uncheck();
    const panel = temperature.getByTestId('gatt-notifications');
    await expect.poll(() => panel.getAttribute('data-state')).toBe('off');
    const stopped = await entries.count();
    await page.waitForTimeout(2_500);
    expect(await entries.count()).toBe(stopped);
    expect(await panel.textContent()).toContain('stopped');

    // on again: a fresh list fills; the connector's own temperature subscription was never stopped
    await toggle.check();
    await expect.poll(() => entries.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await toggle.uncheck();
    expect(pageErrors).toEqual([]);
  });

  test('with "Connect automatically" off, opening a peripheral connects to it for the explorer', async () => {
    await page.evaluate("location.hash = '#/connections'");
    await page.getByTestId('add-connector').click();
    await page.getByTestId('kind-ble').check();
    await page.getByTestId('connector-id').fill(`${CONNECTOR_ID}-manual`);
    await page.getByTestId('ble-auto-connect').uncheck();
    await page.getByTestId('add-connector-submit').click();
    const row = page.locator(`[data-testid="connector-row"][data-connector-id="${CONNECTOR_ID}-manual"]`);
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.getByRole('link', { name: 'Devices' }).click();
    const peripheral = peripheralRow('Fieldline ENV-2');
    await expect.poll(() => peripheral.count(), { timeout: 10_000 }).toBe(1);
    expect(await peripheral.getByTestId('ble-link').textContent()).toBe('seen');
    await peripheral.click();
    await expect
      .poll(() => page.getByTestId('gatt-service').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(3);
    await expect
      .poll(() => peripheral.getByTestId('ble-link').textContent(), { timeout: 5_000 })
      .toBe('connected');
    const battery = characteristic('2a19');
    await battery.getByRole('button', { name: 'Read' }).click();
    // ENV-2 starts at 64 %
    await expect
      .poll(() => battery.getByTestId('gatt-value').textContent(), { timeout: 10_000 })
      .toMatch(/battery: \d+\s*%/);
  });

  test("the device's temperature readings arrive", async () => {
    await page.evaluate(`location.hash = '#/ble/${CONNECTOR_ID}'`);
    await page.getByTestId('ble-explorer').waitFor();
    const deviceLink = peripheralRow('Fieldline ENV-1').getByTestId('ble-device-link');
    await expect.poll(() => deviceLink.count(), { timeout: 10_000 }).toBe(1);
    const deviceId = (await deviceLink.textContent()) ?? '';
    expect(deviceId).toMatch(/^fieldline-env-1-/);
    await deviceLink.click();
    const chart = page.locator('[data-testid="metric-chart"][data-metric="temperature"]');
    await expect.poll(() => chart.count(), { timeout: 15_000 }).toBe(1);
    const points = async () => Number((await chart.getAttribute('data-points')) ?? '0');
    await expect.poll(points, { timeout: 15_000 }).toBeGreaterThan(0);
    const first = await points();
    // the simulated sensor notifies once a second: more arrive while we watch
    await expect.poll(points, { timeout: 15_000 }).toBeGreaterThan(first);
    await screenshot('ble-device.png');

    // and the fleet shows the device on BLE with a plausible temperature
    await page.evaluate("location.hash = '#/'");
    const row = page.locator(`[data-testid="device-row"][data-device-id="${deviceId}"]`);
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('.transport').textContent()).toBe('ble');
    const title = await row.locator('.reading[title^="temperature"]').getAttribute('title');
    const celsius = Number(/temperature: (-?\d+(?:\.\d+)?)/.exec(title ?? '')?.[1]);
    expect(celsius).toBeGreaterThan(10);
    expect(celsius).toBeLessThan(35);
    expect(pageErrors).toEqual([]);
  });
});
