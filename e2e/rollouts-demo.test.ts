/**
 * What a new user does on the demo site: open Rollouts in the built headless host (demo
 * mode, nothing set up), pick the demo image that fails its health check, preview, start,
 * and watch the rollout stop at the first wave with that device rolled back; the device's
 * page then lists the failed update and the rollback in its firmware history.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppInBrowser, openAppInBrowser, tempDataDir, waitFor } from './harness';

let app: AppInBrowser | undefined;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  app = await openAppInBrowser({
    dataDir: tempDataDir('rollouts-demo'),
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
    hash: '#/rollouts',
  });
  page = app.page;
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const text = async (testId: string) => (await page.getByTestId(testId).first().textContent()) ?? '';
const until = (what: string, check: () => Promise<boolean>, ms = 20_000) =>
  waitFor(what, async () => ((await check()) ? true : undefined), ms);

describe('Rollouts on the demo site', () => {
  test('the failing demo image stops at the first wave and rolls back', async () => {
    await until('the demo job broker', async () =>
      /connected to mqtt:\/\/127\.0\.0\.1/.test(await text('rollout-broker-status')),
    );
    await page.getByTestId('rollout-new').click();
    await until('the demo images', async () => (await page.getByTestId('rollout-demo-image').count()) === 2);
    await page.getByTestId('rollout-demo-image').filter({ hasText: 'fails its health check' }).click();
    expect(await page.getByTestId('rollout-version').inputValue()).toBe('1.2.0');
    await page.getByTestId('rollout-preview-button').click();
    await page.getByTestId('rollout-preview').waitFor();
    expect(await text('rollout-preview')).toMatch(/\d+ devices match/);
    await page.getByTestId('rollout-start').click();
    await page.getByTestId('rollout-start-confirm-confirm').click();
    await page.getByTestId('rollout-detail').waitFor();
    await until('the rollout halts', async () => /halted/.test(await text('rollout-detail')));
    await until('the device rolled back', async () => /rolled back to/.test(await text('rollout-devices')));
    expect(await text('rollout-reason')).toMatch(/1 of 1 finished devices failed/);
    const waves = await page.getByTestId('rollout-waves').locator('tbody tr').allTextContents();
    expect(waves.slice(1).every((w) => /waiting/.test(w))).toBe(true);

    // the rolled-back device's page: its firmware history has the failure and the rollback
    const row = page.getByTestId('rollout-devices').locator('tbody tr').filter({ hasText: 'rolled back to' });
    const deviceId = (await row.locator('td').first().textContent()) ?? '';
    await page.evaluate(`location.hash = ${JSON.stringify(`#/device/${encodeURIComponent(deviceId)}`)}`);
    const entries = page.getByTestId('firmware-history-entry');
    await until('the firmware history', async () => (await entries.count()) === 2);
    expect(await entries.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')))).toEqual([
      'rolled_back',
      'failed',
    ]);
    expect(await entries.first().textContent()).toMatch(/→ 1\.2\.0rollout “.+”rolled back.*rolled back to/);
    const history = page.getByRole('region', { name: 'Firmware history' });
    await history.scrollIntoViewIfNeeded();
    await history.screenshot({ path: 'test-results/firmware-history.png' });
    await page.emulateMedia({ colorScheme: 'dark' });
    await history.screenshot({ path: 'test-results/firmware-history-dark.png' });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
