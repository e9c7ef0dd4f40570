/**
 * The Notifications page in Chromium at 1024x700 in the dark theme, against the built
 * headless host: add a Standard Webhooks channel with the keyboard and mouse, Send test
 * (the receiver verifies the signature), route alarms to it, and watch an alarm the
 * endpoint refused become a dead letter that Retry delivers; then build a route with label
 * matchers and an escalation chain in the route editor.
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

  test('build a route with matchers and an escalation chain in the editor, errors beside the fields', async () => {
    page.setDefaultTimeout(15_000);
    const routes = page.getByTestId('routes');
    await page.getByTestId('add-route').focus();
    await page.keyboard.press('Enter');
    const editor = page.getByTestId('route-editor');
    await editor.waitFor({ timeout: 10_000 });
    // the name field has the focus: type straight away
    await page.keyboard.type('boilers');
    await editor.getByRole('button', { name: 'Add matcher' }).click();
    await editor.getByLabel('Operator 1').selectOption('=~');
    await editor.getByLabel('Value 1').fill('boiler-(');
    await editor.getByLabel('Minimum severity').selectOption('high');
    await editor.getByLabel('Group wait', { exact: true }).fill('45');
    await editor.getByLabel('Group wait unit').selectOption('s');
    await editor.getByLabel('Page the next stage when nobody acknowledges in time').check();
    const stage1 = editor.getByTestId('stage-1');
    await stage1.getByLabel('Plant hook').check();
    await stage1.getByLabel('Stage 1 ack timeout', { exact: true }).fill('30');
    await stage1.getByLabel('Stage 1 ack timeout unit').selectOption('s');
    await editor.getByRole('button', { name: 'Save route' }).click();

    const errorOf = async (field: string) =>
      editor.locator(`[data-testid="field-error"][data-field="${field}"]`).textContent();
    await editor.getByTestId('route-errors').waitFor({ timeout: 5_000 });
    expect(await errorOf('Value 1')).toBe('not a valid pattern');
    expect(await errorOf('Stage 1 ack timeout')).toBe('from 1 minute to 30 days, in whole seconds');
    expect(await editor.getByLabel('Value 1').getAttribute('aria-invalid')).toBe('true');
    // nothing wider than the window with the editor open
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    await editor.getByLabel('Value 1').fill('boiler-[0-9]+');
    await stage1.getByLabel('Stage 1 ack timeout unit').selectOption('min');
    await stage1.getByLabel('Stage 1 ack timeout', { exact: true }).fill('5');
    await editor.getByRole('button', { name: 'Add stage' }).click();
    await editor.getByTestId('stage-2').getByLabel('Plant hook').check();
    await editor.getByLabel('Repeats').fill('1');
    // the editor's own channels are optional with an escalation
    await editor.getByRole('button', { name: 'Save route' }).click();
    const row = routes.getByTestId('route-boilers');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('device=~boiler-[0-9]+, high or worse');
    expect(await editor.count()).toBe(0);

    // what the engine stored is the route as typed, in milliseconds
    const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
    let stored: { routes: unknown[] };
    try {
      stored = JSON.parse(
        (db.prepare('SELECT policy FROM notify_policy').get() as { policy: string }).policy,
      ) as { routes: unknown[] };
    } finally {
      db.close();
    }
    expect(stored.routes).toEqual([
      {
        name: 'boilers',
        matchers: [{ label: 'device', op: '=~', value: 'boiler-[0-9]+' }],
        channels: [],
        escalation: {
          stages: [
            { channels: ['hook'], ackTimeoutMs: 300_000 },
            { channels: ['hook'], ackTimeoutMs: 900_000 },
          ],
          repeats: 1,
        },
        groupBy: ['rule'],
        groupWaitMs: 45_000,
        groupIntervalMs: 300_000,
        repeatIntervalMs: 14_400_000,
        minSeverity: 'high',
        continue: false,
      },
    ]);

    // edited again after a reload: the fields come back in plain units; Escape closes it
    await page.reload();
    await routes.getByTestId('route-boilers').getByRole('button', { name: 'Edit' }).click();
    await editor.waitFor({ timeout: 15_000 });
    expect(await editor.getByLabel('Group wait', { exact: true }).inputValue()).toBe('45');
    expect(
      await editor.getByTestId('stage-2').getByLabel('Stage 2 ack timeout', { exact: true }).inputValue(),
    ).toBe('15');
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached', timeout: 5_000 });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
