/**
 * Flashing a Bluetooth LE device from its page in Chromium at 1024×700: the built headless
 * host with a simulated Bluetooth adapter (--simulated-ble) carrying a simulated Zephyr
 * MCUboot device that serves SMP on its GATT characteristic (--simulated-mcuboot), a BLE
 * connector added over RPC that connects it (so it is in the fleet as a BLE device). The
 * page reads its slots over the air, flashes the signed image with progress (step, bytes/s,
 * time left), the device resets, the engine reconnects to it when it advertises again,
 * checks the new image runs, confirms it, and the page shows the result.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectByLabelPrefix, wizardDriver } from './commissioning-wizard';
import { prepareFirmware, signedImage } from './flash-fixture';
import { type AppWithRpc, openAppWithRpc, tempDataDir, waitFor } from './harness';

const dataDir = tempDataDir('flash-ble');
/** --simulated-mcuboot's device: "Zephyr MCUboot" at c0:ff:ee:00:b1:e0 (main/server/simulated-ble.ts) */
const DEVICE_ID = 'zephyr-mcuboot-b1e0';
const NEW = signedImage(3, 96_000);
const NEXT = signedImage(4, 48_000);

let app: AppWithRpc | undefined;
let newSha = '';
let nextSha = '';
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir,
    args: ['--no-demo', '--simulated-ble', '--simulated-mcuboot'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
  });
  [newSha = '', nextSha = ''] = await prepareFirmware(app.rpc, [NEW, NEXT]);
  const rpc = app.rpc;
  await rpc.request('connectors.add', {
    kind: 'ble',
    config: { id: 'bench-ble', scan: { namePrefix: 'Zephyr' } },
  });
  await waitFor(`${DEVICE_ID} in the fleet`, async () => {
    const devices = await rpc.request<{ id: string; transport: string }[]>('devices.list');
    return devices.some((d) => d.id === DEVICE_ID && d.transport === 'ble') ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe('flash a device over Bluetooth LE from its page', () => {
  test('slots over the air, progress, reset and reconnect, result, confirmed on the device', async () => {
    const page = app!.page;
    await page.evaluate(`location.hash = ${JSON.stringify(`#/device/${DEVICE_ID}`)}`);
    const panel = page.getByTestId('firmware-panel');
    await panel.waitFor();
    expect(await panel.textContent()).toContain('Flashed over Bluetooth LE');

    await page.getByTestId('flash-read-slots').click();
    await expect
      .poll(() => page.getByTestId('flash-slot-0').textContent(), { timeout: 10_000 })
      .toContain('1.0.0');
    expect(await page.getByTestId('flash-slot-0').textContent()).toContain('running, confirmed');
    await page.getByTestId('flash-image').selectOption(newSha);

    // its profile (the BLE connector's) and the image name the same hardware: no override asked
    expect(await page.getByTestId('flash-target-unknown').count()).toBe(0);
    await page.getByTestId('flash-start').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('flash-progress').waitFor();
    await expect
      .poll(
        () =>
          page
            .getByTestId('flash-rate')
            .textContent({ timeout: 1000 })
            .catch(() => ''),
        {
          timeout: 10_000,
        },
      )
      .toMatch(/^[\d.]+ KiB of 94 KiB · [\d.]+ KiB\/s · \d+ s left$/);
    expect(await page.getByTestId('flash-step').textContent()).toBe('Uploading the image…');
    expect(await page.getByTestId('flash-cancel').isVisible()).toBe(true);
    await page.screenshot({ path: 'test-results/flash-ble-progress.png' });

    const result = page.getByTestId('flash-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toBe('2.3.0 is installed and confirmed.');
    expect(await page.getByTestId('flash-job').getAttribute('data-outcome')).toBe('installed');

    const job = await app!.rpc.request<{ link: string; deviceId: string }>('flash.status');
    expect(job).toMatchObject({ link: 'ble', deviceId: DEVICE_ID });
    const started = await app!.rpc.request<{ entries: { subject: string; after: unknown }[] }>('audit.list', {
      action: 'firmware.flash.start',
    });
    expect(started.entries[0]).toMatchObject({ subject: DEVICE_ID, after: { sha256: newSha } });
    expect(started.entries[0]?.after).not.toHaveProperty('targetOverride');
    const audit = await app!.rpc.request<{ entries: { subject: string; after: unknown }[] }>('audit.list', {
      action: 'firmware.flash',
    });
    expect(audit.entries[0]).toMatchObject({
      subject: DEVICE_ID,
      after: { outcome: 'installed', sha256: newSha, link: 'ble' },
    });

    // read back over the air: the new image runs, confirmed
    await page.getByTestId('flash-read-slots').click();
    await expect
      .poll(() => page.getByTestId('flash-slot-0').textContent(), { timeout: 10_000 })
      .toContain('2.3.0');
    expect(await page.getByTestId('flash-slot-0').textContent()).toContain('running, confirmed');
    await page.emulateMedia({ colorScheme: 'dark' });
    await panel.screenshot({ path: 'test-results/flash-ble-dark.png' });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  test('the Commission wizard flashes a Bluetooth LE device on its link', async () => {
    const page = app!.page;
    const w = wizardDriver(page);
    await page.evaluate("location.hash = '#/commission'");
    await page.getByTestId('commission-start').click();
    await page.getByTestId('wizard').waitFor({ timeout: 10_000 });
    await page.getByTestId('connect-kind-ble').check();
    const adapter = page.getByTestId('connect-ble-adapter');
    await expect
      .poll(() => adapter.locator('option[value="bench-ble"]').count(), { timeout: 15_000 })
      .toBe(1);
    await adapter.selectOption('bench-ble');
    const peripherals = page.getByTestId('connect-ble-peripheral').locator('option');
    await expect.poll(() => peripherals.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await selectByLabelPrefix(page, 'connect-ble-peripheral', 'Zephyr');
    await w.run('connect');
    await w.done('connect');
    await w.view('identify');

    const panel = page.getByTestId('firmware-panel');
    await panel.waitFor();
    expect(await panel.textContent()).toContain('Flashed over Bluetooth LE');
    await panel.getByTestId('flash-read-slots').click();
    await expect
      .poll(() => panel.getByTestId('flash-slot-0').textContent(), { timeout: 10_000 })
      .toContain('running');
    await panel.getByTestId('flash-image').selectOption(nextSha);
    // the peripheral is a registry device whose profile names the image's hardware: no override
    expect(await panel.getByTestId('flash-target-unknown').count()).toBe(0);
    await panel.getByTestId('flash-start').click();
    await panel.getByTestId('flash-progress').waitFor();
    const result = panel.getByTestId('flash-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toBe('2.4.0 is installed and confirmed.');
    const job = await app!.rpc.request<{ link: string; sha256: string }>('flash.status');
    expect(job).toMatchObject({ link: 'ble', sha256: nextSha });
    await page.screenshot({ path: 'test-results/flash-ble-wizard.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
