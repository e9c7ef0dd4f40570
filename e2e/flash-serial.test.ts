/**
 * Flashing a device from its page in Chromium at 1024×700: the built headless host
 * (--no-demo), a simulated MCUboot device on a real socat pty that also prints JSON
 * telemetry on the same UART (so it appears as a serial device), a serial connector added
 * over RPC. The page reads the slots, offers only the image signed with the pinned key
 * (the unsigned one is listed as not offered), flashes it with progress (step, bytes/s,
 * time left) while the connector is paused, shows the result, and the device runs the new
 * image confirmed (after the health check counted its readings), and the update is in the
 * device's firmware history. Then a device whose new image does not boot, and one whose new
 * image prints insane readings: both reverted and said so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NewImageReadings } from '../main/engine/smp/simulated-telemetry';
import { wizardDriver } from './commissioning-wizard';
import { type BenchDevice, benchDevice, prepareFirmware, signedImage } from './flash-fixture';
import { type AppWithRpc, openAppWithRpc, tempDataDir, waitFor } from './harness';

const dataDir = tempDataDir('flash-serial');
const OLD = signedImage(1, 3000);
const NEW = signedImage(3, 96_000);
/** signed with the fleet key, but older than what the bench devices run */
const OLDER = signedImage(0, 2500);
/** signed and newer, but for other hardware (another UUID_CID) */
const OTHER_BOARD = '5c0f3a1e-8d2b-5e47-9a60-1b2c3d4e5f60';
const FOREIGN = signedImage(4, 2500, OTHER_BOARD);

let app: AppWithRpc | undefined;
let bench: BenchDevice | undefined;
let newSha = '';
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir,
    args: ['--no-demo'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
  });
  // an unsigned image never gets this far: the library refuses it at import (e2e/firmware-library)
  [newSha = ''] = await prepareFirmware(app.rpc, [NEW, OLDER, FOREIGN]);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await bench?.close();
});

/** A bench device on a new pty, with a serial connector on it and one telemetry line so it is in the fleet. */
async function plug(
  id: string,
  options: { newImageFailsToBoot?: boolean; newImage?: NewImageReadings } = {},
): Promise<BenchDevice> {
  await bench?.close();
  const { newImage, ...rest } = options;
  bench = await benchDevice({
    initialImage: OLD,
    bufSize: 2048,
    flashDelayMs: 40,
    telemetry: { deviceId: id, ...(newImage ? { newImage } : {}) },
    ...rest,
  });
  const rpc = app!.rpc;
  await rpc.request('connectors.add', {
    kind: 'serial',
    // the shipped pump profile says which hardware it is (the FL-2 node), so images are matched to it
    config: { id: `bench-${id}`, path: bench.pty.a, format: 'json-lines', deviceId: id, profile: 'pump' },
  });
  const printer = bench;
  await waitFor(`${id} in the fleet`, async () => {
    await printer.print(JSON.stringify({ dev: id, temperature: 21.5 }));
    const devices = await rpc.request<{ id: string }[]>('devices.list');
    return devices.some((d) => d.id === id) ? true : undefined;
  });
  return bench;
}

async function openDevicePage(page: Page, id: string) {
  await page.evaluate(`location.hash = ${JSON.stringify(`#/device/${encodeURIComponent(id)}`)}`);
  await page.getByTestId('firmware-panel').waitFor();
}

describe('flash a device over serial from its page', () => {
  test('slots, compatible images only, progress, result, confirmed on the device', async () => {
    const page = app!.page;
    const device = await plug('pump-7');
    await openDevicePage(page, 'pump-7');

    await page.getByTestId('flash-read-slots').click();
    await expect.poll(() => page.getByTestId('flash-slot-0').textContent()).toContain('2.1.0');
    expect(await page.getByTestId('flash-slot-0').textContent()).toContain('running, confirmed');

    // the downgrade is not offered once the slots say what runs
    const options = await page.getByTestId('flash-image').locator('option').allTextContents();
    expect(options).toEqual([expect.stringContaining('2.3.0')]);
    expect(await page.getByTestId('flash-image').inputValue()).toBe(newSha);
    const refused = page.getByTestId('flash-refused-images');
    expect(await refused.textContent()).toContain('2 images not offered');
    await refused.locator('summary').click();
    const reasons = await refused.locator('li').allTextContents();
    expect(reasons.sort()).toEqual([
      '2.0.0: older than the running 2.1.0',
      `2.4.0: the image is for hardware class ${OTHER_BOARD}, the device is hardware class b09a6f29-c731-5c02-8f19-15fa59388995`,
    ]);
    // the pump's profile and the image agree on the hardware: no override asked
    expect(await page.getByTestId('flash-target-unknown').count()).toBe(0);

    // keyboard: focus Flash and press Enter
    await page.getByTestId('flash-start').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('flash-progress').waitFor();
    const rate = page.getByTestId('flash-rate');
    await expect
      .poll(() => rate.textContent({ timeout: 1000 }).catch(() => ''), { timeout: 10_000 })
      .toMatch(/^[\d.]+ KiB of 94 KiB · [\d.]+ KiB\/s · \d+ s left$/);
    expect(await page.getByTestId('flash-cancel').isVisible()).toBe(true);
    expect(await page.getByTestId('flash-step').textContent()).toBe('Uploading the image…');
    await page.screenshot({ path: 'test-results/flash-serial-progress.png' });

    // the new image booted: confirmed only once its readings come in sane
    await expect
      .poll(
        () =>
          page
            .getByTestId('flash-step')
            .textContent({ timeout: 1000 })
            .catch(() => ''),
        {
          timeout: 20_000,
          interval: 50,
        },
      )
      .toMatch(/^Health check: waiting for readings \([0-2] so far\)…$/);
    const result = page.getByTestId('flash-result');
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toBe('2.3.0 is installed and confirmed.');
    expect(await page.getByTestId('flash-job').getAttribute('data-outcome')).toBe('installed');

    const audit = await app!.rpc.request<{ entries: { action: string; subject: string; after: unknown }[] }>(
      'audit.list',
      { action: 'firmware.flash' },
    );
    expect(audit.entries[0]).toMatchObject({
      subject: 'pump-7',
      after: { outcome: 'installed', sha256: newSha },
    });

    // the serial connector got its port back
    await waitFor('the connector to reconnect', async () => {
      const list = await app!.rpc.request<{ id: string; state: string }[]>('connectors.list');
      return list.find((c) => c.id === 'bench-pump-7')?.state === 'connected' ? true : undefined;
    });
    await page.getByTestId('flash-read-slots').click();
    await expect.poll(() => page.getByTestId('flash-slot-0').textContent()).toContain('2.3.0');
    expect(await page.getByTestId('flash-slot-0').textContent()).toContain('running, confirmed');
    expect(await page.getByTestId('flash-image').locator('option').allTextContents()).toEqual([
      expect.stringMatching(/^2\.3\.0 .*, running now$/),
    ]);
    expect(device.device.boots).toEqual(['swapped to 2.3.0 (test)']);
    // the device's firmware history has the update, and the registry its new version
    const history = page.getByTestId('firmware-history-entry');
    await expect.poll(() => history.count(), { timeout: 10_000 }).toBe(1);
    expect(await history.getAttribute('data-outcome')).toBe('installed');
    expect(await history.textContent()).toContain('unknown → 2.3.0flashed over USBinstalled');
    const registered = await app!.rpc.request<{ firmwareVersion: string | null }>('registry.get', {
      deviceId: 'pump-7',
    });
    expect(registered.firmwareVersion).toBe('2.3.0');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByTestId('firmware-panel').screenshot({ path: 'test-results/flash-serial-dark.png' });
    await page.emulateMedia({ colorScheme: 'light' });
  }, 60_000);

  test('an image that does not boot is reverted and the page says so', async () => {
    const page = app!.page;
    await plug('pump-8', { newImageFailsToBoot: true });
    await openDevicePage(page, 'pump-8');
    await page.getByTestId('flash-image').selectOption(newSha);
    await page.getByTestId('flash-start').click();
    const result = page.getByTestId('flash-result');
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toBe(
      'The new image 2.3.0 did not boot; the device reverted to 2.1.0.',
    );
    expect(await page.getByTestId('flash-job').getAttribute('data-outcome')).toBe('reverted');
  }, 60_000);

  test('a new image whose readings are not sane is not confirmed: reverted, and the page says why', async () => {
    const page = app!.page;
    const device = await plug('pump-10', { newImage: 'insane' });
    await openDevicePage(page, 'pump-10');
    await page.getByTestId('flash-image').selectOption(newSha);
    await page.getByTestId('flash-start').click();
    const result = page.getByTestId('flash-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toMatch(
      /^Health check failed: temperature reported no number; 2\.3\.0 booted but was not confirmed; the device reverted to 2\.1\.0\.?$/,
    );
    expect(await page.getByTestId('flash-job').getAttribute('data-outcome')).toBe('reverted');
    expect(device.device.boots).toEqual(['swapped to 2.3.0 (test)', 'reverted to 2.1.0']);
    const audit = await app!.rpc.request<{ entries: { subject: string; after: unknown }[] }>('audit.list', {
      action: 'firmware.flash.health-failed',
    });
    expect(audit.entries[0]).toMatchObject({
      subject: 'pump-10',
      after: { version: '2.3.0', reason: 'temperature reported no number' },
    });
  }, 60_000);

  test('Cancel during the upload, then Resume continues where the device stopped', async () => {
    const page = app!.page;
    const device = await plug('pump-9');
    await openDevicePage(page, 'pump-9');
    await page.getByTestId('flash-image').selectOption(newSha);
    await page.getByTestId('flash-start').click();
    const rate = page.getByTestId('flash-rate');
    await expect
      .poll(
        async () =>
          Number(
            /^([\d.]+) KiB of/.exec((await rate.textContent({ timeout: 1000 }).catch(() => '')) ?? '')?.[1] ??
              0,
          ),
        {
          timeout: 10_000,
        },
      )
      .toBeGreaterThan(20);
    await page.getByTestId('flash-cancel').click();
    const result = page.getByTestId('flash-result');
    await result.waitFor({ timeout: 10_000 });
    expect(await result.textContent()).toBe(
      'Cancelled during the upload; Resume continues it. The device runs 2.1.0.',
    );
    expect(device.device.boots).toEqual([]);

    await page.getByTestId('flash-resume').click();
    await expect
      .poll(() => result.textContent({ timeout: 1000 }).catch(() => ''), { timeout: 20_000 })
      .toBe('2.3.0 is installed and confirmed.');
    const job = await app!.rpc.request<{ result: { firstOffset: number } }>('flash.status');
    expect(job.result.firstOffset).toBeGreaterThan(20 * 1024);
    expect(device.device.boots).toEqual(['swapped to 2.3.0 (test)']);
  }, 60_000);

  test('the Commission wizard flashes the device on its link (the session link is released for it)', async () => {
    const page = app!.page;
    await bench?.close();
    bench = await benchDevice({ initialImage: OLD, bufSize: 2048, flashDelayMs: 5 });
    const w = wizardDriver(page);
    await page.evaluate("location.hash = '#/commission'");
    await page.getByTestId('commission-start').click();
    await page.getByTestId('wizard').waitFor({ timeout: 10_000 });
    await page.getByTestId('connect-path').fill(bench.pty.a);
    await w.run('connect');
    await w.done('connect');
    await w.view('identify');
    const panel = page.getByTestId('firmware-panel');
    await panel.waitFor();
    await panel.getByTestId('flash-read-slots').click();
    await expect.poll(() => panel.getByTestId('flash-slot-0').textContent()).toContain('2.1.0');
    await panel.getByTestId('flash-image').selectOption(newSha);
    // a bare port is no registry device: its hardware is unknown, so Flash waits for the override
    expect(await panel.getByTestId('flash-target-unknown').textContent()).toContain(
      'is not a device in the registry, so its hardware is not known',
    );
    expect(await panel.getByTestId('flash-start').isDisabled()).toBe(true);
    await panel.getByTestId('flash-target-override').check();
    await panel.getByTestId('flash-start').click();
    const result = panel.getByTestId('flash-result');
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toBe('2.3.0 is installed and confirmed.');
    expect(bench.device.boots).toEqual(['swapped to 2.3.0 (test)']);
    // the session's link was closed for the flash; the next step reopens it
    const session = await app!.rpc.request<{ linkOpen: boolean }>('commissioning.get', {
      sessionId: await w.sessionId(),
    });
    expect(session.linkOpen).toBe(false);
    await w.screenshot('flash-identify');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
