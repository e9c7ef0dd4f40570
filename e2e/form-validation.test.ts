/**
 * Form validation end to end in Chromium on the built headless host: an invalid connector
 * form shows every field's problem at once, beside its field, in plain words with the
 * allowed range (the quick checks in the page and the engine's own INVALID_PARAMS issues),
 * and the engine answers a bad config with all its issues in plain words.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppWithRpc, openAppWithRpc, tempDataDir } from './harness';

let app: AppWithRpc | undefined;
let page: Page;
const pageErrors: string[] = [];
const LIBRARY_WORDING = /Too big|Too small|Invalid input|expected string|expected number/;

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir: tempDataDir('forms'),
    args: ['--no-demo'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
    hash: '#/connections',
  });
  page = app.page;
});

afterAll(async () => {
  await app?.close();
});

const fieldError = (label: string) => page.locator(`[data-testid="field-error"][data-field="${label}"]`);

async function openForm(kind: 'serial' | 'mqtt' | 'ble'): Promise<void> {
  await page.getByTestId('add-connector').click();
  await page.getByTestId(`kind-${kind}`).check();
}

describe('connector form validation', () => {
  test('serial: every field error at once, beside its field, in plain words', async () => {
    await openForm('serial');
    await expect.poll(() => page.getByTestId('connector-label').getAttribute('maxlength')).toBe('200');
    expect(await page.getByTestId('connector-id').getAttribute('maxlength')).toBe('200');
    expect(await page.getByTestId('serial-path').getAttribute('maxlength')).toBe('1000');

    await page.getByTestId('serial-baud-rate').fill('12.5');
    await page.getByTestId('add-connector-submit').click();
    await expect.poll(() => page.getByTestId('field-error').count()).toBe(2);
    expect(await fieldError('Path').textContent()).toBe('pick a port or type its path (e.g. /dev/ttyUSB0)');
    expect(await fieldError('Baud rate').textContent()).toBe('a whole number from 50 to 20000000');
    expect(await page.getByTestId('serial-baud-rate').getAttribute('aria-invalid')).toBe('true');
    const summary = await page.getByTestId('add-connector-error').textContent();
    expect(summary).toContain('Path: pick a port');
    expect(summary).toContain('Baud rate: a whole number from 50 to 20000000');

    // what only the engine judges lands beside its field too
    await page.getByTestId('serial-path').fill('/dev/ttyFIELDLINE-none');
    await page.getByTestId('serial-baud-rate').fill('115200');
    await page.getByTestId('serial-device-id').fill('has spaces');
    await page.getByTestId('add-connector-submit').click();
    await expect
      .poll(() => fieldError('Device id').textContent(), { timeout: 10_000 })
      .toBe('letters, digits and _ . : - only, at most 200 characters');
    expect(await page.getByTestId('field-error').count()).toBe(1);
    expect(await page.getByTestId('add-connector-error').textContent()).not.toMatch(LIBRARY_WORDING);
  });

  // Core Spec Vol 3 Part B §2.5.1: 16-bit 180F / 0x180F, 128-bit with the Bluetooth Base UUID
  test('ble: a malformed service UUID is named and the accepted forms explained', async () => {
    await page.getByTestId('kind-ble').check();
    await page.getByTestId('ble-service-uuids').fill('0x180F, 18F, 0000181a-0000-1000-8000-00805f9b34fb');
    await page.getByTestId('add-connector-submit').click();
    await expect
      .poll(() => fieldError('Service UUIDs').textContent())
      .toBe(
        '18F is not a Bluetooth UUID: use 16-bit like 180F or 0x180F, or 128-bit like 0000180f-0000-1000-8000-00805f9b34fb',
      );
    expect(pageErrors).toEqual([]);
  });
});

describe('the engine reports every issue in plain words', () => {
  test('connectors.add with several bad fields: all of them, with the allowed ranges', async () => {
    const reply = (await app!.rpc.call('connectors.add', {
      kind: 'serial',
      config: { id: '', label: 'x'.repeat(300), path: '', baudRate: 70_000_000, dataBits: 9 },
    })) as { error?: { code: string; message: string; details?: unknown } };
    expect(reply.error?.code).toBe('INVALID_PARAMS');
    expect(reply.error?.details).toEqual([
      { path: 'id', message: 'required' },
      { path: 'label', message: 'at most 200 characters' },
      { path: 'path', message: 'required' },
      { path: 'baudRate', message: 'a whole number from 50 to 20000000' },
      { path: 'dataBits', message: 'one of 5, 6, 7 or 8' },
    ]);
    expect(reply.error?.message).not.toMatch(LIBRARY_WORDING);
  });

  test('BLE UUIDs in a connector config and in the GATT explorer calls', async () => {
    const bad = (await app!.rpc.call('connectors.add', {
      kind: 'ble',
      config: { id: 'ble-x', scan: { serviceUuids: ['180F', '18F'] } },
    })) as { error?: { details?: unknown } };
    expect(bad.error?.details).toEqual([
      {
        path: 'scan.serviceUuids.1',
        message:
          'a Bluetooth UUID: 16-bit like 180F or 0x180F, or 128-bit like 0000180f-0000-1000-8000-00805f9b34fb',
      },
    ]);
    const read = (await app!.rpc.call('ble.read', {
      connectorId: 'none',
      peripheralId: 'p',
      service: '180F',
      characteristic: 'battery level',
    })) as { error?: { code: string; details?: unknown } };
    expect(read.error).toMatchObject({
      code: 'INVALID_PARAMS',
      details: [{ path: 'characteristic', message: expect.stringContaining('16-bit like 180F') }],
    });
  });
});
