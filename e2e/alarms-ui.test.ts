/**
 * Alarms in the browser at 1024×700, against the real engine (headless host, demo site):
 * a rule made in the editor (its mistakes named at their fields first, its draft drawn on
 * the device's chart) fires on a demo device, the banner and the list show it, the
 * keyboard selects it, it is acknowledged, shelved (expiry and reason required),
 * commented, its history opens, it goes out of service and back, and the device's chart
 * names its limit and episode. The engine's journal is checked over RPC.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppWithRpc, openAppWithRpc, tempDataDir } from './harness';

let app: AppWithRpc | undefined;
let page: Page;
const pageErrors: string[] = [];
let deviceId = '';
let metric = '';

const RULE_ID = 'e2e-always';
const RULE_NAME = 'E2E always on';
/** every reading is above it: the alarm raises on the device's next reading */
const LIMIT = '-1000000000';

interface Instance {
  key: string;
  ruleId: string;
  state: string;
  shelvedUntil: number | null;
  shelveReason: string | null;
  comments: { text: string }[];
}

const ourInstance = async () =>
  (await app!.rpc.request<Instance[]>('alarms.list', { ruleId: RULE_ID })).find((i) => i.ruleId === RULE_ID);
const ourRow = () => page.locator('[data-testid="alarm-row"]', { hasText: RULE_NAME });
const noSidewaysScroll = () => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1');

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir: tempDataDir('alarms-ui'),
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
    load: false,
  });
  ({ page } = app);
  // desktop notifications: granted, switched on, and each one the page makes recorded
  // (the real Notification still runs; the OS shows nothing in headless Chromium)
  await page.context().grantPermissions(['notifications'], { origin: app.host.origin });
  await page.addInitScript(`
    localStorage.setItem('fieldline.alarms.desktop', 'on');
    window.__notices = [];
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, options) { super(title, options); window.__notices.push({ title, body: options && options.body }); }
    };
  `);
  await page.goto(app.host.url);
  await page.evaluate('location.hash = "#/alarms/rules"');
  const devices = await app.rpc.request<{ id: string; metrics: { name: string }[] }[]>('devices.list');
  const device = devices.find((d) => d.metrics.length > 0);
  deviceId = device?.id ?? '';
  metric = device?.metrics[0]?.name ?? '';
  expect(deviceId).not.toBe('');
}, 60_000);

afterAll(() => app?.close());

describe('alarms in the browser', () => {
  test('the rule editor names its mistakes at their fields, then saves the rule', async () => {
    await page.getByTestId('rule-new').click();
    await page.waitForSelector('[data-testid="rule-editor"]');
    await page.getByTestId('rule-save').click();
    const errors = page.locator('[data-testid="rule-editor"] [data-testid="field-error"]');
    await expect.poll(() => errors.count()).toBeGreaterThanOrEqual(3);
    const fieldsInError = await errors.evaluateAll((els) => els.map((e) => e.getAttribute('data-field')));
    expect(fieldsInError).toEqual(expect.arrayContaining(['Name', 'Rule id', 'Metric']));

    await page.getByTestId('rule-name').fill(RULE_NAME);
    await page.getByTestId('rule-id').fill(RULE_ID);
    await page.getByTestId('rule-devices').fill(deviceId);
    await page.getByTestId('rule-metric').fill(metric);
    await page.getByTestId('level-0-above-value').fill(LIMIT);
    await page.getByTestId('level-0-above-deadband').fill('1');
    expect(await page.getByTestId('rule-preview').textContent()).toContain(
      `High when ${metric} above ${LIMIT}`,
    );
    // one device and its metric: the draft's limit is drawn on that series' chart
    const previewCaption = page.locator(
      '[data-testid="rule-preview-chart"] [data-testid="chart-alarm-text"]',
    );
    await expect
      .poll(() => previewCaption.textContent(), { timeout: 10_000 })
      .toContain(`High above ${LIMIT}`);
    await page.getByTestId('rule-save').click();

    await page.waitForSelector(`[data-testid="rule-row"][data-rule="${RULE_ID}"]`, { timeout: 15_000 });
    await expect.poll(() => page.url()).toContain(`#/alarms/rules/${RULE_ID}`);
    expect(await noSidewaysScroll()).toBe(true);
  });

  test('the alarm raises: the banner counts it and the list shows it unacknowledged', async () => {
    await expect.poll(async () => (await ourInstance())?.state, { timeout: 30_000 }).toBe('active_unack');
    await page.waitForSelector('[data-testid="alarm-banner"]', { timeout: 10_000 });
    expect(await page.getByTestId('alarm-banner-count').textContent()).toMatch(
      /\d+ active alarms? unacknowledged/,
    );
    expect(await noSidewaysScroll()).toBe(true);

    await page.evaluate('location.hash = "#/alarms"');
    await ourRow().waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('desktop-notices').isChecked()).toBe(true);
    const notices = () => page.evaluate('window.__notices') as Promise<{ title: string; body: string }[]>;
    await expect
      .poll(notices, { timeout: 10_000 })
      .toContainEqual({ title: `High: ${RULE_NAME}`, body: expect.stringContaining(deviceId) });
    expect(await ourRow().getAttribute('data-state')).toBe('active_unack');
    expect(await ourRow().textContent()).toContain('Active, unacknowledged');
  });

  test('the keyboard selects the row and it is acknowledged', async () => {
    const key = (await ourInstance())!.key;
    await page.locator('[data-testid="alarm-row"][tabindex="0"]').focus();
    // the arrows walk the rows until ours has the focus
    for (let i = 0; i < 200; i++) {
      const focused = await page.evaluate('document.activeElement?.getAttribute("data-key")');
      if (focused === key) break;
      await page.keyboard.press('ArrowDown');
    }
    expect(await page.evaluate('document.activeElement?.getAttribute("data-key")')).toBe(key);
    await page.keyboard.press('Space');
    expect(await page.getByTestId('alarm-selected-count').textContent()).toBe('1 alarm selected');
    await page.getByTestId('alarm-ack').click();
    await expect.poll(() => ourRow().getAttribute('data-state'), { timeout: 10_000 }).toBe('active_ack');
    expect(await ourRow().textContent()).toContain('Active, acknowledged');

    const history = await app!.rpc.request<{ key: string; from: string; to: string; actor: string | null }[]>(
      'alarms.history',
      { deviceId },
    );
    const ack = history.find((t) => t.key === key && t.from === 'active_unack' && t.to === 'active_ack');
    expect(ack?.actor).toBeTruthy();
  });

  test('shelving needs an expiry and a reason', async () => {
    await page.getByTestId('alarm-shelve').click();
    await page.waitForSelector('[data-testid="shelve-dialog"]');
    await page.getByTestId('shelve-dialog-confirm').click();
    const dialogErrors = page.locator('[data-testid="shelve-dialog"] [data-testid="field-error"]');
    expect(await dialogErrors.allTextContents()).toEqual([
      'choose when the shelve ends',
      'required: say why, for the next shift',
    ]);
    expect((await ourInstance())?.state).toBe('active_ack');

    await page.getByTestId('shelve-expiry').selectOption({ label: '1 hour' });
    await page.getByTestId('shelve-reason').fill('sensor check by e2e');
    const before = Date.now();
    await page.getByTestId('shelve-dialog-confirm').click();
    await expect.poll(() => ourRow().getAttribute('data-state'), { timeout: 10_000 }).toBe('shelved');
    expect(await ourRow().textContent()).toContain('sensor check by e2e');
    const shelved = await ourInstance();
    expect(shelved?.shelveReason).toBe('sensor check by e2e');
    expect(shelved?.shelvedUntil).toBeGreaterThanOrEqual(before + 3_600_000 - 5_000);
    expect(shelved?.shelvedUntil).toBeLessThanOrEqual(Date.now() + 3_600_000 + 5_000);
  });

  test('a comment is kept, and Enter opens the alarm history', async () => {
    await page.getByTestId('alarm-comment').click();
    await page.getByTestId('comment-dialog-text').fill('checked on site');
    await page.getByTestId('comment-dialog-confirm').click();
    await expect
      .poll(async () => (await ourInstance())?.comments.map((c) => c.text), { timeout: 10_000 })
      .toEqual(['checked on site']);

    await ourRow().focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="alarm-history-table"]', { timeout: 10_000 });
    const history = page.getByTestId('alarm-history');
    expect(await history.textContent()).toContain('Active, unacknowledged → Active, acknowledged');
    // the comment reaches the page with the instance's next alarms.changed message
    await expect.poll(() => history.textContent(), { timeout: 10_000 }).toContain('checked on site');
    expect(await noSidewaysScroll()).toBe(true);
  });

  test('out of service needs a reason, and the alarm comes back into service', async () => {
    await page.getByTestId('alarm-history').getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('alarm-oos').click();
    await page.getByTestId('oos-dialog-confirm').click();
    expect(await page.locator('[data-testid="oos-dialog"] [data-testid="field-error"]').textContent()).toBe(
      'required',
    );
    await page.getByTestId('oos-dialog-text').fill('pump replaced');
    await page.getByTestId('oos-dialog-confirm').click();
    await expect.poll(() => ourRow().getAttribute('data-state'), { timeout: 10_000 }).toBe('out_of_service');
    expect(await ourRow().textContent()).toContain('Out of service');

    await page.getByRole('button', { name: 'Return to service…' }).click();
    await page.getByTestId('oos-dialog-text').fill('pump back');
    await page.getByTestId('oos-dialog-confirm').click();
    await expect
      .poll(() => ourRow().getAttribute('data-state'), { timeout: 10_000 })
      .not.toBe('out_of_service');
  });

  test("the device's chart draws the limit and the episode, and says so in words", async () => {
    await page.evaluate(`location.hash = ${JSON.stringify(`#/device/${encodeURIComponent(deviceId)}`)}`);
    const caption = page.locator(
      `[data-testid="metric-chart"][data-metric="${metric}"] [data-testid="chart-alarm-text"]`,
    );
    await caption.waitFor({ timeout: 15_000 });
    await expect.poll(() => caption.textContent(), { timeout: 10_000 }).toContain(`High above ${LIMIT}`);
    expect(await caption.textContent()).toMatch(/Alarm episodes in view: High from .* still active/);
    expect(await noSidewaysScroll()).toBe(true);
  });

  test('deleting the rule ends its alarm', async () => {
    await page.evaluate('location.hash = "#/alarms/rules"');
    const row = page.locator(`[data-testid="rule-row"][data-rule="${RULE_ID}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('rule-delete-dialog-confirm').click();
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
    await expect
      .poll(async () => (await ourInstance())?.state ?? 'gone', { timeout: 10_000 })
      .toMatch(/gone|normal/);
    expect(pageErrors).toEqual([]);
  });
});
