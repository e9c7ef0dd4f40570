/**
 * The Notifications page in Chromium at 1024x700 in the dark theme, against the built
 * headless host: add a Standard Webhooks channel with the keyboard and mouse, Send test
 * (the receiver verifies the signature), route alarms to it, and watch an alarm the
 * endpoint refused become a dead letter that Retry delivers.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verify } from '../main/engine/notify/channels/webhook-signature';
import { insertNotice, Receiver } from '../main/engine/notify/test-notices';
import { DATABASE_FILE } from '../main/engine/store/database';
import { type AppInBrowser, openAppInBrowser, tempDataDir, waitFor } from './harness';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let app: AppInBrowser | undefined;
let page: Page;
let dataDir: string;
let url: string;
let refuse = false;
const receiver = new Receiver();
const pageErrors: string[] = [];
const verified: boolean[] = [];

beforeAll(async () => {
  receiver.respond = (r, res) => {
    verified.push(
      verify(
        SECRET,
        String(r.headers['webhook-id']),
        Number(r.headers['webhook-timestamp']),
        r.body,
        String(r.headers['webhook-signature']),
      ),
    );
    res.writeHead(refuse ? 400 : 204);
    res.end(refuse ? 'unknown event type' : undefined);
  };
  url = await receiver.start();
  dataDir = tempDataDir('e2e-notifications');
  app = await openAppInBrowser({
    dataDir,
    args: ['--no-demo'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
    load: false,
  });
  ({ page } = app);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(app.host.url);
  await page.evaluate(`location.hash = '#/notifications'`);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await receiver.stop();
});

describe('Notifications page (1024x700, dark)', () => {
  test('add a webhook channel, send a test, route alarms to it, retry a dead letter', async () => {
    await page.getByTestId('notifications-view').waitFor({ timeout: 15_000 });
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    // the form opens from the keyboard
    await page.getByTestId('add-channel').focus();
    await page.keyboard.press('Enter');
    const form = page.getByTestId('channel-form');
    await form.getByLabel('Name').fill('Plant hook');
    await form.getByLabel('Id').fill('hook');
    await form.getByLabel('URL').fill(`${url}/alarms`);
    await form.getByLabel('Signing secret (whsec_…)').fill(SECRET);
    await form.getByRole('button', { name: 'Save channel' }).click();
    const row = page.getByTestId('channel-hook');
    await row.waitFor({ timeout: 10_000 });

    await row.getByRole('button', { name: 'Send test' }).click();
    await waitFor(
      'the test result',
      async () =>
        (await page.getByTestId('channel-status').textContent())?.includes('delivered (204)')
          ? true
          : undefined,
      10_000,
    );
    expect(verified).toEqual([true]);
    // nothing wider than the window at 1024 px
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    const policy = page.getByTestId('policy-form');
    await policy.getByLabel('Plant hook').check();
    await policy.getByRole('button', { name: 'Save routing' }).click();
    await waitFor(
      'routing saved',
      async () =>
        (await page.getByTestId('policy-status').textContent()) === 'Routing saved' ? true : undefined,
      10_000,
    );

    // the endpoint refuses the alarm: a dead letter, with the endpoint's words
    refuse = true;
    const db = new Database(path.join(dataDir, DATABASE_FILE));
    try {
      insertNotice(db, { kind: 'raised', episode: 'e2e-1', at: Date.now() });
    } finally {
      db.close();
    }
    const dead = page.getByTestId('dead-letters');
    await dead.waitFor({ timeout: 15_000 });
    expect(await dead.textContent()).toContain('refused: 400 unknown event type');
    refuse = false;
    await dead.getByRole('button', { name: 'Retry' }).click();
    await waitFor(
      'the retried delivery',
      async () => (receiver.received.length >= 3 ? true : undefined),
      15_000,
    );
    await page.getByText('None: every message was delivered').waitFor({ timeout: 15_000 });
    expect(verified.every(Boolean)).toBe(true);
    // the routing choice is the engine's, not the form's: it is there after a reload
    await page.reload();
    await page.getByTestId('policy-form').getByLabel('Plant hook').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('policy-form').getByLabel('Plant hook').isChecked()).toBe(true);

    // last: a mute window saved now must not mute the alarm above at whatever hour this runs
    const mute = page.getByTestId('mute-form');
    await mute.getByLabel('Name').fill('Night shift');
    await mute.getByRole('button', { name: 'Add mute window' }).click();
    await page.getByTestId('mute-windows').getByText('Night shift').waitFor({ timeout: 10_000 });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
