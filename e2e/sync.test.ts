/**
 * Cloud sync end to end: the reference receiver (in this process, 127.0.0.1, a bearer
 * token required), the built headless host with the demo site feeding readings, and the
 * Sync panel in a real Chromium. A sink added through the panel connects and drains; the
 * receiver switched off shows as an error with a growing backlog, which drains once it is
 * back; a 422 parks batches, Retry delivers one after the fault is cleared and Discard
 * drops the other after asking. Prints the figures the panel showed.
 */
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createReceiver, type Receiver } from '../main/cloud-receiver/receiver';
import {
  type AppInBrowser,
  connectRpc,
  ensureArtifactsDir,
  openAppInBrowser,
  type RunningHost,
  tempDataDir,
  waitFor,
} from './harness';

const TOKEN = 'e2e-sync-token';
let receiver: Receiver;
let app: AppInBrowser | undefined;
let host: RunningHost;
let page: Page;
const pageErrors: string[] = [];
const figures: Record<string, string | number> = {};

beforeAll(async () => {
  receiver = await createReceiver({
    dbFile: path.join(tempDataDir('sync-receiver'), 'receiver.sqlite'),
    host: '127.0.0.1',
    token: TOKEN,
  });
  app = await openAppInBrowser({
    dataDir: tempDataDir('sync-e2e'),
    viewport: { width: 1400, height: 1000 },
    pageErrors,
    consoleErrors: true,
    // a read of an element not there yet must not block a poll for Playwright's default 30 s
    setup: (p) => p.setDefaultTimeout(3000),
    hash: '#/sync',
  });
  ({ host, page } = app);
});

afterAll(async () => {
  console.log(`[sync e2e] ${JSON.stringify(figures)}`);
  await app?.close();
  await receiver?.close();
});

/** Polls until the value passes (vitest's expect.poll; the page's CSP forbids waitForFunction). */
const eventually = <T>(read: () => Promise<T> | T, timeout = 10_000) => expect.poll(read, { timeout });
const text = (l: Locator) => l.textContent().then((t) => t ?? '');

const card = (): Locator => page.getByTestId('sink-card').first();
const num = async (attribute: string): Promise<number> => Number(await card().getAttribute(attribute));

describe('the Sync panel against the reference receiver', () => {
  test('an HTTP sink added through the panel connects, drains, and the receiver counts readings', async () => {
    await expect.poll(() => page.getByTestId('sync-empty').isVisible(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId('add-sink').click();
    // keyboard: the form takes the focus, on its first control
    await expect
      .poll(() => page.evaluate('document.activeElement?.getAttribute("data-testid")'))
      .toBe('sink-kind-http');

    // a mistake is named at its field and nothing is sent
    await page.getByTestId('sink-name').fill('Reference receiver');
    await page.getByTestId('sink-url').fill('ftp://127.0.0.1/v1/batches');
    await page.getByTestId('sink-url').press('Enter');
    await eventually(() => text(page.getByTestId('sink-form-error'))).toMatch(/Fix the marked fields/);
    await eventually(() => page.getByText('must start with http:// or https://').isVisible()).toBe(true);
    expect(await page.getByTestId('sink-card').count()).toBe(0);

    await page.getByTestId('sink-url').fill(`${receiver.url}/v1/batches`);
    await page.getByTestId('sink-authorization').fill(`Bearer ${TOKEN}`);
    await page.getByTestId('sink-down-url').fill(`${receiver.url}/v1/down`);
    await page.getByTestId('sink-url').press('Enter');
    await eventually(() => page.getByTestId('sink-form').count()).toBe(0);

    await expect.poll(() => card().getAttribute('data-health'), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => num('data-delivered-readings'), { timeout: 15_000 }).toBeGreaterThan(0);
    const first = receiver.store.totalReadings();
    expect(first).toBeGreaterThan(0);
    await expect.poll(() => receiver.store.totalReadings(), { timeout: 10_000 }).toBeGreaterThan(first);
    // live figures: the panel moves without a reload
    const sent = await num('data-delivered-readings');
    await expect.poll(() => num('data-delivered-readings'), { timeout: 10_000 }).toBeGreaterThan(sent);
    await eventually(() => text(card().getByTestId('sink-throughput'))).toMatch(
      /[1-9][\d\u2009.]* readings\/s/,
    );
    figures.steadyReadingsPerS = await num('data-readings-per-s');
    figures.steadyBacklog = await num('data-backlog');
    expect(figures.steadyBacklog).toBeLessThan(1000);
  });

  test("the installation id: shown on the page, engine.info's, copyable, and the source of what the receiver got", async () => {
    const rpc = await connectRpc(host);
    try {
      const info = await rpc.request<{ installationId: string }>('engine.info');
      expect(info.installationId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      await eventually(() => text(page.getByTestId('installation-id'))).toBe(info.installationId);
      // the sink made through the panel is scoped by it too
      expect(await card().getAttribute('data-sink-id')).toBe(`sink-1-${info.installationId}`);
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url });
      await page.getByTestId('copy-installation-id').focus();
      await page.keyboard.press('Enter');
      await eventually(() => text(page.getByTestId('installation'))).toMatch(/copied/);
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(info.installationId);
      // the demo's audit entries reached the receiver under this installation's source
      await eventually(() => receiver.store.events().length).toBeGreaterThan(0);
      expect(new Set(receiver.store.events().map((e) => e.source))).toEqual(
        new Set([`urn:fieldline:installation:${info.installationId}`]),
      );
      // at 1024x700 the id stays inside the page
      await page.setViewportSize({ width: 1024, height: 700 });
      const box = await page.getByTestId('installation-id').boundingBox();
      expect(box && box.x + box.width).toBeLessThanOrEqual(1024);
      await page.setViewportSize({ width: 1400, height: 1000 });
    } finally {
      rpc.close();
    }
  });

  test('edit: the stored auth header is never shown and, left empty, is kept', async () => {
    await card().getByTestId('sink-edit').click();
    const auth = page.getByTestId('sink-authorization');
    await eventually(() => auth.inputValue()).toBe('');
    await eventually(() => auth.getAttribute('placeholder')).toMatch(/stored/);
    expect(await page.content()).not.toContain(TOKEN);
    await page.getByTestId('sink-name').fill('Reference receiver (edited)');
    await page.getByTestId('sink-save').click();
    await eventually(() => page.getByTestId('sink-form').count()).toBe(0);
    await eventually(() => text(card().locator('h2'))).toBe('Reference receiver (edited)');
    // the receiver answers 401 without the token: readings still arriving prove it was kept
    const before = receiver.store.totalReadings();
    await expect.poll(() => receiver.store.totalReadings(), { timeout: 10_000 }).toBeGreaterThan(before);
    expect(await num('data-parked')).toBe(0);
  });

  test('edit: pointing the sink elsewhere with the auth header kept is refused on that field', async () => {
    await card().getByTestId('sink-edit').click();
    const url = page.getByTestId('sink-url');
    await eventually(() => url.inputValue()).toBe(`${receiver.url}/v1/batches`);
    // a stored token must never go to an address it was not typed for, not even another path
    await url.fill(`${receiver.url}/v1/elsewhere`);
    await page.getByTestId('sink-save').click();
    const authField = page.locator('.field', { has: page.getByTestId('sink-authorization') });
    await eventually(() => text(authField.locator('.field-error'))).toBe(
      'Enter the Authorization header again: the endpoint URL changed',
    );
    expect(await page.getByTestId('sink-authorization').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'sync-reenter-token.png') });
    await page.getByTestId('sink-form').getByRole('button', { name: 'Cancel' }).click();
    await eventually(() => page.getByTestId('sink-form').count()).toBe(0);
    const before = receiver.store.totalReadings();
    await expect.poll(() => receiver.store.totalReadings(), { timeout: 10_000 }).toBeGreaterThan(before);
  });

  test('receiver down: the panel shows the error and a growing backlog; back up, it drains', async () => {
    const downMs = 10_000;
    const back = receiver.down(downMs);
    await expect.poll(() => card().getAttribute('data-connected'), { timeout: 8_000 }).toBe('false');
    await eventually(() => text(card().getByTestId('sink-health'))).toBe('not connected');
    const error = card().getByTestId('sink-last-error');
    await eventually(() => error.getAttribute('data-current')).toBe('true');
    await eventually(() => text(error)).toMatch(/ECONNREFUSED/);
    const b1 = await num('data-backlog');
    await expect.poll(() => num('data-backlog'), { timeout: 6_000 }).toBeGreaterThan(b1 + 10);
    await eventually(() => text(card().getByTestId('sink-backlog-age'))).not.toBe('empty');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'sync-receiver-down.png') });
    await back;
    const peak = await num('data-backlog');
    figures.backlogAfterDownMs = downMs;
    figures.peakBacklog = peak;
    // the backoff may have grown to several seconds: Sync now cuts it short
    const upAt = Date.now();
    await card().getByTestId('sink-sync-now').click();
    let maxRate = 0;
    await waitFor(
      'the backlog to drain',
      async () => {
        maxRate = Math.max(maxRate, await num('data-readings-per-s'));
        const backlog = await num('data-backlog');
        return backlog < Math.max(50, peak / 20) ? backlog : undefined;
      },
      15_000,
    );
    figures.drainedInMs = Date.now() - upAt;
    figures.drainReadingsPerSShown = maxRate;
    figures.drainedTo = await num('data-backlog');
    await eventually(() => text(card().getByTestId('sink-health'))).toBe('connected');
    await eventually(() => card().getByTestId('sink-last-error').getAttribute('data-current')).toBe('false');
    await eventually(() => text(card().getByTestId('sink-last-error'))).toContain('resolved since');
    expect(receiver.store.counters.duplicateReadings).toBe(0);
  });

  test('a 422 parks batches; Retry delivers one after the fault is cleared, Discard drops one after asking', async () => {
    receiver.setFaults({ reject: 2 });
    await expect.poll(() => num('data-parked'), { timeout: 10_000 }).toBe(2);
    const rows = card().getByTestId('parked-row');
    await eventually(() => rows.count()).toBe(2);
    await eventually(() => text(rows.first())).toContain('422');
    const retried = rows.first();
    const key = (await retried.getAttribute('data-key')) ?? '';
    const retriedId = await retried.getAttribute('data-parked-id');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(receiver.store.hasBatch(key)).toBe(false);

    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'sync-parked.png') });
    receiver.setFaults({ clear: true });
    await retried.getByTestId('parked-retry').click();
    await eventually(() => card().locator(`[data-parked-id="${retriedId}"]`).count()).toBe(0);
    expect(receiver.store.hasBatch(key)).toBe(true);
    await expect.poll(() => num('data-parked')).toBe(1);

    // Discard asks first; Escape keeps the batch
    const other = card().getByTestId('parked-row').first();
    const otherId = await other.getAttribute('data-parked-id');
    await other.getByTestId('parked-discard').click();
    const dialog = page.getByTestId('discard-dialog');
    await eventually(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await eventually(() => dialog.count()).toBe(0);
    await eventually(() => card().locator(`[data-parked-id="${otherId}"]`).count()).toBe(1);
    await other.getByTestId('parked-discard').click();
    await page.getByTestId('discard-dialog-confirm').click();
    await eventually(() => card().getByTestId('parked-row').count()).toBe(0);
    await expect.poll(() => num('data-parked')).toBe(0);
  });

  test('link settings and down-sync from the panel', async () => {
    await page.getByTestId('sync-capped').check();
    await page.getByTestId('sync-cap').fill('4');
    await page.getByTestId('sync-cap-unit').selectOption('Mbit/s');
    await page.getByTestId('sync-metered').check();
    // the outbox quota: refused under 16 MiB, saved in the unit chosen
    await page.getByTestId('sync-quota').fill('8');
    await page.getByTestId('sync-quota-unit').selectOption('MiB');
    await page.getByTestId('sync-settings-save').click();
    await eventually(() => text(page.getByTestId('sync-settings'))).toContain('at least 16 MiB');
    await page.getByTestId('sync-quota').fill('512');
    await page.getByTestId('sync-settings-save').click();
    await eventually(() => text(page.getByTestId('sync-settings'))).toContain('Saved');
    const rpc = await connectRpc(host);
    try {
      expect((await rpc.call('sync.settings')).result).toEqual({
        bandwidthBytesPerS: 500_000,
        metered: true,
        outboxQuotaBytes: 512 * 1024 ** 2,
        outboxBytes: expect.any(Number),
      });
      // back to an open link so the sink is not slowed for anything after
      await page.getByTestId('sync-capped').uncheck();
      await page.getByTestId('sync-metered').uncheck();
      await page.getByTestId('sync-quota').fill('1');
      await page.getByTestId('sync-quota-unit').selectOption('GiB');
      await page.getByTestId('sync-settings-save').click();
      await eventually(() => text(page.getByTestId('sync-settings-current'))).toContain(
        'no cap, unmetered, outbox quota 1 GiB',
      );
      expect((await rpc.call('sync.settings')).result).toEqual({
        bandwidthBytesPerS: null,
        metered: false,
        outboxQuotaBytes: 1024 ** 3,
        outboxBytes: expect.any(Number),
      });
    } finally {
      rpc.close();
    }

    receiver.store.putDoc('firmware', [
      { version: '2.1.0', url: 'https://fw.example.com/2.1.0.bin' },
      { version: '2.0.3', url: 'https://fw.example.com/2.0.3.bin' },
    ]);
    await page.getByTestId('down-sync-pull').click();
    const result = page.locator('[data-testid="down-sync-result"][data-kind="firmware"]');
    await eventually(() => text(result)).toContain('new version applied');
    await eventually(() =>
      text(page.locator('[data-testid="down-sync-doc"][data-kind="firmware"]')),
    ).toContain('2 entries');
    // a second pull of the same version changes nothing
    await page.getByTestId('down-sync-pull').click();
    await eventually(() => text(result)).toContain('unchanged');

    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'sync-panel.png'), fullPage: true });
    figures.receiverReadings = receiver.store.totalReadings();
    figures.receiverDuplicateReadings = receiver.store.counters.duplicateReadings;
    figures.bytesSent = (await card().getByTestId('sink-sent').textContent()) ?? '';
    expect(pageErrors).toEqual([]);
  });
});
