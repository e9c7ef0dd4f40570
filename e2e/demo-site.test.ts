/**
 * The whole app, end to end: the built headless host with the demo site, driven by a
 * real Chromium through the same renderer the desktop window loads.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureArtifactsDir, launchChromium, type RunningHost, startHost, tempDataDir } from './harness';

let host: RunningHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  host = await startHost({ dataDir: tempDataDir('e2e') });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

async function chartPoints(p: Page, metric?: string): Promise<number> {
  const selector = metric
    ? `[data-testid="metric-chart"][data-metric="${metric}"]`
    : '[data-testid="metric-chart"]';
  const value = await p.locator(selector).first().getAttribute('data-points');
  return Number(value ?? '0');
}

describe('demo site in the browser (headless host + Chromium)', () => {
  test('the fleet overview lists the demo devices and updates live', async () => {
    await page.goto(host.url);
    await expect
      .poll(() => page.locator('[data-testid="device-row"]').count(), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(12);
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toMatch(/connected/i);
    // the token left the visible URL but stays for reloads
    expect(page.url()).not.toContain(host.token);
    const firstRowText = async () =>
      (await page.locator('[data-testid="device-row"]').first().textContent()) ?? '';
    const before = await firstRowText();
    await expect.poll(firstRowText, { timeout: 15_000 }).not.toBe(before);
  });

  test("a device page's chart grows over time, and a screenshot is saved", async () => {
    const row = page.locator('[data-testid="device-row"]').first();
    const deviceId = await row.getAttribute('data-device-id');
    expect(deviceId).toBeTruthy();
    await row.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain(`#/device/${deviceId}`);
    await expect
      .poll(() => page.locator('[data-testid="metric-chart"]').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => chartPoints(page), { timeout: 15_000 }).toBeGreaterThan(0);
    const first = await chartPoints(page);
    await expect.poll(() => chartPoints(page), { timeout: 15_000 }).toBeGreaterThan(first);
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'device-page.png'), fullPage: true });
  });

  test('a reload keeps working: same device, chart history comes back from the store', async () => {
    const url = page.url();
    await page.reload();
    expect(page.url()).toBe(url);
    await expect
      .poll(() => page.getByTestId('connection-state').textContent(), { timeout: 15_000 })
      .toMatch(/connected/i);
    await expect.poll(() => chartPoints(page), { timeout: 15_000 }).toBeGreaterThan(1);
  });

  test('the connections panel shows each demo connector', async () => {
    await page.goto(`${host.origin}/#/connections`);
    await expect
      .poll(() => page.locator('[data-testid="connector-row"]').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(3);
    const text = (await page.locator('[data-testid="connector-row"]').allTextContents()).join(' ');
    expect(text).toMatch(/serial/i);
    expect(text).toMatch(/ble|bluetooth/i);
    expect(text).toMatch(/mqtt/i);
    expect(text).toMatch(/connected/i);
    // the demo nodes' boot banners are firmware log lines, counted apart from decode errors
    const serial = page.locator('[data-testid="connector-row"][data-connector-id="demo-serial"]');
    await expect.poll(() => serial.getByTestId('log-lines').count(), { timeout: 15_000 }).toBe(1);
    expect(await serial.getByTestId('log-lines').textContent()).toMatch(/\d+ log lines/);
    expect(await serial.getByTestId('decode-errors').textContent()).toBe('0');
  });

  test('the page raised no errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
