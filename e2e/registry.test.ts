/**
 * The device registry end to end on a fleet of 10,000 devices: a real SQLite file seeded
 * before the built headless host starts, the real renderer in Chromium. Only the rows in
 * view are in the DOM, typing a search asks the engine once per pause, filters and sort
 * give the counts the seed implies, and an edit made in the detail panel lands in the
 * device's audit trail. Prints the time from typing to the filtered table.
 */
import path from 'node:path';
import type { Page, WebSocket as PageSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../main/engine/log';
import { seededDevice, seedFleet } from '../main/engine/registry/seed-fleet';
import { openDatabase } from '../main/engine/store/database';
import { type AppInBrowser, ensureArtifactsDir, openAppInBrowser, tempDataDir, waitFor } from './harness';

const DEVICES = 10_000;
let app: AppInBrowser | undefined;
let page: Page;
const pageErrors: string[] = [];
/** registry.list requests the page sent, in order */
const listRequests: string[] = [];

const fleet = Array.from({ length: DEVICES }, (_, i) => seededDevice(i));

/** What the engine's search matches, worked out from the seed, not hard-coded. */
function expectedSearch(needle: string): number {
  const n = needle.toLowerCase();
  return fleet.filter((d) =>
    [d.id, d.name, d.serialNumber, d.site, ...d.tags].join('\n').toLowerCase().includes(n),
  ).length;
}

/** Polls an expression in the page (Runtime.evaluate: the page's CSP forbids waitForFunction's eval). */
async function waitForTrue(expression: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    expression,
    async () => ((await page.evaluate(expression)) === true ? true : undefined),
    timeoutMs,
  );
}

const table = (attrs: Record<string, string | number>) =>
  `[data-testid="registry-table"]${Object.entries(attrs)
    .map(([k, v]) => `[data-${k}="${v}"]`)
    .join('')}`;

beforeAll(async () => {
  const dataDir = tempDataDir('registry');
  const { db } = openDatabase({ dataDir, log: createLogger({ level: 'warn' }) });
  seedFleet(db, DEVICES);
  db.close();
  app = await openAppInBrowser({
    dataDir,
    args: ['--no-demo'],
    viewport: { width: 1400, height: 900 },
    pageErrors,
    setup: (p) =>
      p.on('websocket', (socket: PageSocket) => {
        socket.on('framesent', ({ payload }) => {
          const text = typeof payload === 'string' ? payload : payload.toString();
          if (text.includes('"registry.list"')) listRequests.push(text);
        });
      }),
    hash: '#/registry',
  });
  ({ page } = app);
});

afterAll(() => app?.close());

describe('registry of 10,000 devices', () => {
  test('only the rows in view are in the DOM, and scrolling fetches the rows it reaches', async () => {
    await page.waitForSelector(table({ total: DEVICES }), { timeout: 30_000 });
    await page.waitForSelector('[data-testid="registry-row"][data-device-id="dev-00000"]');
    const inDom = await page.locator('[data-testid="registry-row"]').count();
    expect(inDom).toBeGreaterThan(10);
    expect(inDom).toBeLessThan(80);

    await page.evaluate(
      "(() => { const s = document.querySelector('[data-testid=registry-scroll]'); s.scrollTop = s.scrollHeight; })()",
    );
    await page.waitForSelector('[data-testid="registry-row"][data-device-id="dev-09999"]', {
      timeout: 10_000,
    });
    expect(await page.locator('[data-testid="registry-row"]').count()).toBeLessThan(80);
    await page.evaluate("document.querySelector('[data-testid=registry-scroll]').scrollTop = 0");
    await page.waitForSelector('[data-testid="registry-row"][data-device-id="dev-00000"]');
  });

  test('typing a search asks the engine once and shows the matches', async () => {
    const needle = 'Sensor 0421';
    const expected = expectedSearch(needle);
    expect(expected).toBeGreaterThan(0);
    const before = listRequests.length;
    const search = page.getByTestId('registry-search');
    await search.click();
    // timed inside the page: the last input event, then the first frame showing the matches
    await page.evaluate(`(() => {
      const w = window;
      w.__lastInput = 0;
      w.__shown = 0;
      document.querySelector('[data-testid=registry-search]').addEventListener('input', () => {
        w.__lastInput = performance.now();
        w.__shown = 0;
      });
      const check = () => {
        const t = document.querySelector('[data-testid=registry-table]');
        const rows = document.querySelectorAll('[data-testid=registry-row]').length;
        if (t && t.dataset.search === ${JSON.stringify(needle)} && t.dataset.total === '${expected}' && rows === ${expected}) {
          w.__shown = performance.now();
          return;
        }
        requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    })()`);
    // typed key by key at a brisk typist's pace: the debounce must hold back all but one query
    await search.pressSequentially(needle, { delay: 40 });
    await page.waitForSelector(table({ total: expected, search: needle }), { timeout: 10_000 });
    await waitForTrue('window.__shown > 0');
    const shownMs = Math.round(Number(await page.evaluate('window.__shown - window.__lastInput')));
    const sent = listRequests.slice(before).filter((r) => r.includes('"search"'));
    console.log(
      `[registry e2e] ${DEVICES} devices: last keystroke → filtered table on screen ${shownMs} ms ` +
        `(of which 200 ms is the debounce pause); ${sent.length} search request(s) for ${needle.length} keystrokes`,
    );
    expect(sent.length).toBe(1);
    const ids = await page
      .locator('[data-testid="registry-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device-id')));
    expect(ids).toEqual(fleet.filter((d) => d.name.includes(needle)).map((d) => d.id));
    await search.press('Escape');
    await page.waitForSelector(table({ total: DEVICES, search: '' }));
  });

  test('site, lifecycle and tag filters and column sort', async () => {
    await page.getByTestId('registry-site').selectOption('Harbour');
    await page.getByTestId('registry-lifecycle').selectOption('active');
    const bySiteAndLifecycle = fleet.filter((d) => d.site === 'Harbour' && d.lifecycle === 'active').length;
    await page.waitForSelector(table({ total: bySiteAndLifecycle }));
    await page.getByTestId('registry-tag').selectOption('critical');
    const withTag = fleet.filter(
      (d) => d.site === 'Harbour' && d.lifecycle === 'active' && d.tags.includes('critical'),
    );
    await page.waitForSelector(table({ total: withTag.length }));

    await page.getByTestId('sort-name').click();
    await waitForTrue(
      `document.querySelector('[data-testid="registry-row"]')?.getAttribute('data-device-id') === '${withTag[withTag.length - 1]!.id}'`,
    );
    expect(await page.locator('th[aria-sort="descending"]').count()).toBe(1);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForSelector(table({ total: DEVICES }));
    await page.waitForSelector('[data-testid="registry-row"][data-device-id="dev-09999"]');
    await page.getByTestId('sort-name').click();
    await page.waitForSelector('[data-testid="registry-row"][data-device-id="dev-00000"]');
  });

  test('arrow keys open a device; an edit is saved and shows in its audit trail', async () => {
    await page.getByTestId('registry-scroll').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const detail = page.getByTestId('device-detail');
    await detail.getByText('dev-00001').first().waitFor();
    expect(await page.evaluate('location.hash')).toBe('#/registry/dev-00001');

    await page.getByTestId('edit-name').fill('Boiler feed pump');
    await page.getByTestId('edit-tags').fill('pump critical');
    await detail.getByRole('button', { name: 'Save' }).click();
    await detail.getByText('Saved.').waitFor();
    await detail.getByTestId('audit-row').first().waitFor();
    const trail = await detail.getByTestId('audit-table').textContent();
    expect(trail).toContain('Boiler feed pump');
    // the table behind shows the new name without a reload
    await page.waitForSelector(
      '[data-testid="registry-row"][data-device-id="dev-00001"] >> text=Boiler feed pump',
    );

    await page.getByTestId('edit-name').fill('   ');
    await detail.getByRole('button', { name: 'Save' }).click();
    await detail.locator('.field-error').first().waitFor();
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'registry.png') });
    expect(pageErrors).toEqual([]);
  });
});
