/**
 * The demo as a newcomer meets it, end to end on the built headless host and Chromium:
 * the serial Monitor and the Bluetooth Devices explorer on the demo's own connectors, a
 * week of history from the first start, the demo's separate data folder said in the UI,
 * and removing a device (confirm dialog, keep or purge, audited).
 */
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppWithRpc, ensureArtifactsDir, openAppWithRpc, tempDataDir } from './harness';

let app: AppWithRpc | undefined;
let page: Page;
const pageErrors: string[] = [];
const dataDir = tempDataDir('e2e-demo-first-run');

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir,
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
  });
  ({ page } = app);
}, 60_000);

afterAll(() => app?.close());

const rpc = () => app!.rpc;
const connectorRow = (id: string): Locator =>
  page.locator(`[data-testid="connector-row"][data-connector-id="${id}"]`);
const characteristic = (uuid: string): Locator =>
  page.locator(`[data-testid="gatt-characteristic"][data-uuid="${uuid}"]`);

async function openTool(connectorId: string, tool: string): Promise<void> {
  await page.evaluate(`location.hash = '#/connections'`);
  await expect.poll(() => connectorRow(connectorId).count(), { timeout: 15_000 }).toBe(1);
  await connectorRow(connectorId).getByRole('link', { name: tool }).click();
}

describe('the demo on first run (headless host + Chromium, 1024x700)', () => {
  test('the demo says it runs on data of its own, in its own folder', async () => {
    const info = await rpc().request<{ dataDir: string; demo: boolean }>('engine.info');
    expect(info).toEqual(expect.objectContaining({ demo: true, dataDir: path.join(dataDir, 'demo') }));
    await expect.poll(() => page.getByTestId('demo-data-badge').count(), { timeout: 15_000 }).toBe(1);
    await page.evaluate(`location.hash = '#/storage'`);
    await expect
      .poll(() => page.getByTestId('data-folder').textContent(), { timeout: 15_000 })
      .toContain('Demo data (separate folder)');
  });

  test('Monitor on demo-serial: the JSON lines arrive, a sent line is answered, the plot has fields', async () => {
    await openTool('demo-serial', 'Monitor');
    await page.getByTestId('serial-monitor').waitFor();
    const log = page.getByTestId('serial-log');
    await expect.poll(() => log.textContent(), { timeout: 15_000 }).toContain('"dev":"th-101"');
    await page.getByTestId('serial-send-input').fill('help');
    await page.getByTestId('serial-send-input').press('Enter');
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('console: commands: help');
    await expect
      .poll(() => page.getByTestId('serial-plot').getAttribute('data-fields'), { timeout: 10_000 })
      .toContain('temperature');
    await page.screenshot({
      path: path.join(ensureArtifactsDir(), 'demo-serial-monitor.png'),
      fullPage: true,
    });
  });

  test('Devices on demo-ble: the simulated sensors, their standard services, and a read', async () => {
    await openTool('demo-ble', 'Devices');
    await page.getByTestId('ble-explorer').waitFor();
    const row = page
      .getByTestId('ble-peripheral')
      .filter({ has: page.getByRole('cell', { name: 'Office', exact: true }) });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await row.click();
    const services = page.getByTestId('gatt-service');
    await expect.poll(() => services.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    const uuids = await services.evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid')));
    expect(uuids).toEqual(expect.arrayContaining(['181a', '180f', '180a']));
    const temperature = characteristic('2a6e');
    await temperature.getByRole('button', { name: 'Read' }).click();
    await expect
      .poll(() => temperature.getByTestId('gatt-value').textContent(), { timeout: 10_000 })
      .toMatch(/temperature: -?\d+(\.\d+)?\s*°C/);
    const maker = characteristic('2a29');
    await maker.getByRole('button', { name: 'Read' }).click();
    await expect
      .poll(() => maker.getByTestId('gatt-value').textContent(), { timeout: 10_000 })
      .toContain('Fieldline Demo');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'demo-ble-devices.png'), fullPage: true });
  });

  test('a week of history is there from the first start', async () => {
    const to = Date.now();
    const from = to - 7 * 86_400_000;
    const week = await waitForWeek('th-101', from, to);
    expect(week.ts.at(-1)! - week.ts[0]!).toBeGreaterThan(6.9 * 86_400_000);
  });

  test('Remove device: the dialog asks, Escape keeps it, "delete readings" removes it and is audited', async () => {
    await page.evaluate(`location.hash = '#/device/th-102'`);
    await page.getByTestId('remove-device').click();
    const dialog = page.getByTestId('remove-device-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('shows up again');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);

    await page.getByTestId('remove-device').click();
    // keyboard only: the first choice has the focus; arrow to "delete", tab to the button
    await expect
      .poll(() => page.evaluate("document.activeElement?.getAttribute('data-testid')"))
      .toBe('remove-keep');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByTestId('remove-purge').isChecked()).toBe(true);
    await page.getByTestId('remove-device-confirm').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url(), { timeout: 10_000 }).toMatch(/#\/?$|#\/fleet/);

    const audit = await rpc().request<{ entries: { actor: string; after: { readings: string } }[] }>(
      'audit.list',
      { subject: 'th-102', action: 'device.removed' },
    );
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]!.after).toMatchObject({ readings: 'purge' });
    // still reporting, it is discovered again, as the dialog said, without the old history
    const back = await waitForDevice('th-102');
    expect(back.kind).toBe('discovered');
    const old = await rpc().request<{ ts: number[] }>('readings.query', {
      deviceId: 'th-102',
      metric: 'temperature',
      from: Date.now() - 7 * 86_400_000,
      to: Date.now() - 3_600_000,
      pixelWidth: 500,
    });
    expect(old.ts).toEqual([]);
  });

  test('Remove device from the registry, keeping its readings', async () => {
    await page.evaluate(`location.hash = '#/registry/th-112'`);
    const detail = page.getByTestId('device-detail');
    await detail.waitFor({ timeout: 15_000 });
    await detail.getByTestId('remove-device').click();
    await page.getByTestId('remove-keep').check();
    await page.getByTestId('remove-device-confirm').click();
    await expect.poll(() => page.getByTestId('device-detail').count(), { timeout: 10_000 }).toBe(0);
    const audit = await rpc().request<{ entries: { after: { readings: string } }[] }>('audit.list', {
      subject: 'th-112',
      action: 'device.removed',
    });
    expect(audit.entries[0]!.after).toMatchObject({ readings: 'keep' });
    const kept = await rpc().request<{ ts: number[] }>('readings.query', {
      deviceId: 'th-112',
      metric: 'temperature',
      from: Date.now() - 7 * 86_400_000,
      to: Date.now() - 3_600_000,
      pixelWidth: 500,
    });
    expect(kept.ts.length).toBeGreaterThan(100);
    expect(pageErrors).toEqual([]);
  });
});

async function waitForWeek(deviceId: string, from: number, to: number): Promise<{ ts: number[] }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const week = await rpc().request<{ ts: number[] }>('readings.query', {
      deviceId,
      metric: 'temperature',
      from,
      to,
      pixelWidth: 1000,
    });
    if (week.ts.length > 100 || Date.now() > deadline) return week;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitForDevice(deviceId: string): Promise<{ kind: string }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const devices = await rpc().request<{ id: string; kind: string }[]>('devices.list');
    const found = devices.find((d) => d.id === deviceId);
    if (found || Date.now() > deadline) return found ?? { kind: 'absent' };
    await new Promise((r) => setTimeout(r, 250));
  }
}
