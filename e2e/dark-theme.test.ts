/**
 * The dark theme end to end on the built headless host and Chromium at 1024x700: an OS in
 * dark mode gets the dark palette without asking (page, panels, charts), the Storage
 * page's theme picker switches to Light and the choice survives a reload, and System follows the
 * OS live. Screenshots of the fleet, a device's charts and the MQTT Topics page in dark go
 * to test-results/ for a human eye.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppWithRpc, ensureArtifactsDir, openAppWithRpc, tempDataDir } from './harness';

let app: AppWithRpc | undefined;
let page: Page;
const pageErrors: string[] = [];

// the palettes in renderer/styles.css, as computed styles report them
const DARK = {
  bg: 'rgb(15, 20, 25)',
  panel: 'rgb(23, 29, 36)',
  ink: 'rgb(227, 232, 238)',
  series1: '#6ea8f7',
};
const LIGHT = {
  bg: 'rgb(244, 245, 247)',
  panel: 'rgb(255, 255, 255)',
  ink: 'rgb(27, 31, 36)',
  series1: '#1d5fbf',
};

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir: tempDataDir('e2e-dark-theme'),
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
    load: false,
  });
  ({ page } = app);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(app.host.url);
}, 60_000);

afterAll(() => app?.close());

const shot = (name: string) =>
  page.screenshot({ path: path.join(ensureArtifactsDir(), name), fullPage: false });

interface Colors {
  background: string;
  color: string;
  scheme: string;
}

// page code as strings: the e2e tsconfig has no DOM types
const colorsOf = (selector: string) =>
  page.evaluate<Colors | null>(`(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    if (!el) return null;
    const style = getComputedStyle(el);
    return { background: style.backgroundColor, color: style.color, scheme: style.colorScheme };
  })()`);

const themeAttr = () => page.evaluate<string | null>('document.documentElement.dataset.theme ?? null');

const storedChoice = () => page.evaluate<string | null>("localStorage.getItem('fieldline.theme')");

/** the legend marker of the first series: its inline border is the colour the chart was built with */
const legendMarker = () =>
  page
    .locator('[data-testid="metric-chart"] .u-legend .u-series')
    .nth(1)
    .locator('.u-marker')
    .getAttribute('style');

const hexToRgb = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

async function openStorage(): Promise<void> {
  await page.evaluate(`location.hash = '#/storage'`);
  await page.getByTestId('theme-picker').waitFor({ timeout: 15_000 });
}

async function openDeviceCharts(): Promise<void> {
  const devices = await app!.rpc.request<{ id: string }[]>('devices.list');
  const id = devices[0]?.id;
  expect(id).toBeTruthy();
  await page.evaluate(`location.hash = '#/device/${id}'`);
  const chart = page.locator('[data-testid="metric-chart"]').first();
  await expect
    .poll(async () => Number((await chart.getAttribute('data-points')) ?? '0'), { timeout: 15_000 })
    .toBeGreaterThan(0);
}

describe('dark theme (headless host + Chromium, 1024x700)', () => {
  test('an OS in dark mode gets the dark palette by default: page, panels, form controls', async () => {
    await page.locator('table.grid').first().waitFor({ timeout: 15_000 });
    expect(await themeAttr()).toBe('dark');
    expect(await colorsOf('html')).toEqual({ background: DARK.bg, color: DARK.ink, scheme: 'dark' });
    await expect.poll(() => page.locator('table.grid').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect((await colorsOf('table.grid'))?.background).toBe(DARK.panel);
    // the filter box is a form control: dark field, light text (color-scheme: dark)
    const filter = await colorsOf('input.filter');
    expect(filter?.background).toBe(DARK.panel);
    expect(filter?.scheme).toBe('dark');
    await expect
      .poll(() => page.locator('[data-testid="device-row"], table.grid tbody tr').count())
      .toBeGreaterThan(0);
    await shot('dark-theme-fleet.png');
  });

  test('charts draw in the dark palette', async () => {
    await openDeviceCharts();
    expect(await legendMarker()).toContain(hexToRgb(DARK.series1));
    expect((await colorsOf('[data-testid="metric-chart"]'))?.color).toBe(DARK.ink);
    await shot('dark-theme-device.png');
  });

  test('the MQTT Topics page in dark', async () => {
    await page.evaluate(`location.hash = '#/mqtt/demo-mqtt'`);
    await page.getByTestId('mqtt-browser').waitFor({ timeout: 10_000 });
    const metricNode = page.locator('[data-testid="topic-node"][data-topic^="plant/"]');
    await expect.poll(() => metricNode.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await metricNode.last().locator('.topic-select').click();
    await page.getByTestId('plot-field').selectOption('value');
    const plot = page.getByTestId('topic-plot');
    await expect
      .poll(async () => Number(await plot.getAttribute('data-points')), { timeout: 10_000 })
      .toBeGreaterThan(1);
    expect((await colorsOf('[data-testid="topic-detail"]'))?.color).toBe(DARK.ink);
    await shot('dark-theme-topics.png');
  });

  test('on the Storage page the picker switches to Light by keyboard, and the choice survives a reload', async () => {
    await openStorage();
    const picker = page.getByTestId('theme-picker');
    expect(await picker.inputValue()).toBe('system');
    expect(await page.locator('.theme-picker').textContent()).toContain(
      'follows the operating system (now dark)',
    );
    await picker.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => picker.inputValue()).toBe('light');
    expect(await themeAttr()).toBe('light');
    expect(await colorsOf('html')).toEqual({ background: LIGHT.bg, color: LIGHT.ink, scheme: 'light' });
    expect(await storedChoice()).toBe('light');

    await page.reload();
    await picker.waitFor({ timeout: 15_000 });
    expect(await picker.inputValue()).toBe('light');
    expect(await themeAttr()).toBe('light');
    expect(await colorsOf('html')).toEqual({ background: LIGHT.bg, color: LIGHT.ink, scheme: 'light' });
    // the OS is still dark: the chosen Light wins on every page, charts included
    await openDeviceCharts();
    expect(await legendMarker()).toContain(hexToRgb(LIGHT.series1));
  });

  test('Dark on a light OS; System follows the OS as it changes, open charts redrawn', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await openStorage();
    const picker = page.getByTestId('theme-picker');
    await picker.selectOption('dark');
    expect(await themeAttr()).toBe('dark');
    await page.reload();
    await picker.waitFor({ timeout: 15_000 });
    expect(await themeAttr()).toBe('dark');
    expect((await colorsOf('html'))?.background).toBe(DARK.bg);

    await picker.selectOption('system');
    expect(await themeAttr()).toBe('light');
    expect(await storedChoice()).toBeNull();
    await openDeviceCharts();
    expect(await legendMarker()).toContain(hexToRgb(LIGHT.series1));
    // the OS turns dark while a chart is on screen: page and chart follow without a reload
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(themeAttr).toBe('dark');
    expect((await colorsOf('html'))?.background).toBe(DARK.bg);
    await expect.poll(legendMarker).toContain(hexToRgb(DARK.series1));
    expect(pageErrors).toEqual([]);
  });
});
