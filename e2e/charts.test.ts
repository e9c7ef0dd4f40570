/**
 * Charts end to end: the built headless host with the demo site, driven by Chromium.
 * Presets switch the stored resolution the engine answers from, a drag zooms and leaves
 * live mode, L returns, CSV export downloads the raw readings of the window, and the
 * storage panel and the compare view render real engine figures.
 *
 * The demo site has run only since the host started, so a week shows minutes of data:
 * what is checked is that the engine answers a week from rollups and a minute raw.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureArtifactsDir, launchChromium, type RunningHost, startHost, tempDataDir } from './harness';

let host: RunningHost;
let browser: Browser;
let page: Page;
let deviceId = '';
const pageErrors: string[] = [];

beforeAll(async () => {
  host = await startHost({ dataDir: tempDataDir('e2e-charts') });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

const firstChart = (p: Page): Locator => p.locator('[data-testid="metric-chart"]').first();
const points = async (chart: Locator) => Number((await chart.getAttribute('data-points')) ?? '0');
const liveState = (p: Page) => p.getByTestId('live-toggle').getAttribute('aria-pressed');

describe('charts: zoom, live, export, compare, storage', () => {
  test('a device page answers a minute from raw readings and a week from rollups', async () => {
    await page.goto(host.url);
    const row = page.locator('[data-testid="device-row"]').first();
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    deviceId = (await row.getAttribute('data-device-id')) ?? '';
    expect(deviceId).not.toBe('');
    await row.click();
    await expect
      .poll(() => page.locator('[data-testid="metric-chart"]').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);

    await page.getByTestId('preset-60000').click();
    await expect.poll(() => liveState(page)).toBe('true');
    await expect
      .poll(() => firstChart(page).getAttribute('data-resolution'), { timeout: 10_000 })
      .toBe('raw');
    await expect.poll(() => points(firstChart(page)), { timeout: 15_000 }).toBeGreaterThan(0);

    await page.getByTestId('preset-604800000').click();
    await expect
      .poll(() => firstChart(page).getAttribute('data-resolution'), { timeout: 10_000 })
      .toMatch(/^(1m|1h|1d)$/);
    await expect(firstChart(page).getByTestId('chart-resolution').textContent()).resolves.toMatch(/rollups/);
    // every chart on the page follows the one window
    const resolutions = await page
      .locator('[data-testid="metric-chart"]')
      .evaluateAll((charts) => charts.map((c) => c.getAttribute('data-resolution')));
    expect(new Set(resolutions).has('raw')).toBe(false);
  });

  test('a drag on the plot zooms in and leaves live mode; L goes back to live', async () => {
    await page.getByTestId('preset-60000').click();
    await expect
      .poll(() => firstChart(page).getAttribute('data-resolution'), { timeout: 10_000 })
      .toBe('raw');
    await expect.poll(() => points(firstChart(page)), { timeout: 15_000 }).toBeGreaterThan(5);

    const box = await firstChart(page).locator('.u-over').boundingBox();
    if (!box) throw new Error('the plot has no box');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.4, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.95, y, { steps: 8 });
    await page.mouse.up();

    await expect.poll(() => liveState(page)).toBe('false');
    await expect(page.getByTestId('back-to-live').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('window-range').textContent()).resolves.toContain('–');
    await expect.poll(() => points(firstChart(page)), { timeout: 10_000 }).toBeGreaterThan(0);
    // a fixed window does not slide: the same range a second later
    const range = await page.getByTestId('window-range').textContent();
    await page.waitForTimeout(1200);
    expect(await page.getByTestId('window-range').textContent()).toBe(range);

    // the press on the plot focused the chart area, so the keyboard drives it
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByTestId('window-range').textContent()).not.toBe(range);
    await page.keyboard.press('l');
    await expect.poll(() => liveState(page)).toBe('true');
    await expect(page.getByTestId('back-to-live').count()).resolves.toBe(0);
  });

  test('Export CSV downloads the raw readings of the visible window', async () => {
    const chart = firstChart(page);
    const metric = (await chart.getAttribute('data-metric')) ?? '';
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      chart.getByTestId('export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^fieldline_.*\.csv$/);
    const file = await download.path();
    const text = await readFile(file, 'utf8');
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('time_iso,ts_ms,device,metric,value,quality');
    expect(lines.length).toBeGreaterThan(1);
    const [iso, ms, device, name, , quality] = (lines[1] ?? '').split(',');
    expect(new Date(iso ?? '').getTime()).toBe(Number(ms));
    expect(device).toBe(deviceId);
    expect(name).toBe(metric);
    expect(quality).toMatch(/^(good|null|out-of-range|suspect)$/);
    await expect(chart.getByTestId('export-status').textContent()).resolves.toMatch(/Exported \d/);
  });

  test('two series ticked on the device page open as one compare chart', async () => {
    const boxes = page.getByTestId('compare-checkbox');
    expect(await boxes.count()).toBeGreaterThanOrEqual(2);
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByTestId('compare-link').click();
    await expect.poll(() => page.url()).toContain('#/compare?s=');
    const compare = page.getByTestId('compare-chart');
    await expect.poll(() => compare.getAttribute('data-series'), { timeout: 10_000 }).toBe('2');
    await expect.poll(async () => points(compare), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => compare.getAttribute('data-resolution'), { timeout: 10_000 }).toBe('raw');
    await page.waitForTimeout(1500); // a few live frames, for the picture
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'compare-view.png'), fullPage: true });
  });

  test('the storage panel shows the cache size and its oldest data', async () => {
    await page.goto(`${host.origin}/#/storage`);
    await expect.poll(() => page.getByTestId('storage-panel').count(), { timeout: 10_000 }).toBe(1);
    await expect
      .poll(async () => ((await page.getByTestId('store-size').textContent()) ?? '').trim(), {
        timeout: 10_000,
      })
      .toMatch(/^\d+(\.\d)? (B|KiB|MiB|GiB)$/);
    // readings not yet compacted into blocks do not count as "oldest raw" (the engine's
    // choice), so a young cache may say "none compacted yet" there; the newest is a date
    await expect(page.getByTestId('oldest-raw').textContent()).resolves.toMatch(/\d{4}-\d\d-\d\d|none/);
    await expect
      .poll(() => page.getByTestId('newest').textContent(), { timeout: 10_000 })
      .toMatch(/\d{4}-\d\d-\d\d/);
    await expect(page.getByTestId('store-error').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'storage-panel.png'), fullPage: true });
  });

  test('the page raised no errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
