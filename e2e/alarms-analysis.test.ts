/**
 * Trusting a rule, in the browser at 1024×700 in the dark theme, against the real engine
 * (headless host, demo site with its week of history and built-in rules): the rule editor's
 * Backtest runs the draft through the engine's state machine, shows "n episodes, m
 * notifications, k chattering" before anything is saved, and shades the would-have-fired
 * episodes on the preview chart; the KPI page opens from the alarm list by keyboard and
 * shows the same figures the engine computes from its journal.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppWithRpc, ensureArtifactsDir, openAppWithRpc, tempDataDir, waitFor } from './harness';

let app: AppWithRpc | undefined;
let page: Page;
const pageErrors: string[] = [];

/** a built-in demo rule: the boiler room swings across its limit every few minutes */
const RULE_ID = 'demo-boiler-room-hot';
const DAY = 86_400_000;

interface Backtest {
  episodes: { deviceId: string; start: number; end: number | null }[];
  notifications: number;
  chattering: number;
  readings: number;
}

const noSidewaysScroll = () => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1');

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir: tempDataDir('alarms-analysis'),
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
    load: false,
  });
  ({ page } = app);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(app.host.url);
  // the demo's history is written shortly after the first start: wait until the rule has some
  const rule = await ruleOf(RULE_ID);
  await waitFor(
    'the demo history to give the rule an episode',
    async () => {
      const to = Date.now();
      const r = await app!.rpc.request<Backtest>('alarms.rules.backtest', { rule, from: to - DAY, to });
      return r.episodes.length > 0 ? true : undefined;
    },
    30_000,
  );
}, 60_000);

afterAll(() => app?.close());

async function ruleOf(id: string) {
  const rules = await app!.rpc.request<{ rule: { id: string } }[]>('alarms.rules.list');
  const found = rules.find((r) => r.rule.id === id);
  if (!found) throw new Error(`the demo site has no rule "${id}"`);
  return found.rule;
}

describe('trusting a rule (headless host + Chromium, 1024x700, dark)', () => {
  test('Backtest shows what the draft would have done, and draws it on the chart, before saving', async () => {
    await page.evaluate(`location.hash = "#/alarms/rules/${RULE_ID}"`);
    await page.waitForSelector('[data-testid="rule-editor"]', { timeout: 15_000 });
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    const chart = page.locator('[data-testid="rule-preview-chart"]');
    await chart.waitFor({ timeout: 15_000 });
    expect(await chart.getAttribute('data-backtest')).toBe('none');

    // keyboard only: pick the range, Tab to the button, Enter
    await page.getByTestId('backtest-range').focus();
    await page.getByTestId('backtest-range').selectOption('24h');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.dataset.testid')).toBe('backtest-run');
    await page.keyboard.press('Enter');

    const summary = page.getByTestId('backtest-summary');
    await summary.waitFor({ timeout: 20_000 });
    const text = (await summary.textContent()) ?? '';
    const match = /(\d+) episodes?, (\d+) notifications?, (\d+) chattering/.exec(text);
    expect(match, text).not.toBeNull();
    const [episodes, notifications, chattering] = match!.slice(1).map(Number) as [number, number, number];
    expect(episodes).toBeGreaterThan(0);
    // raise + clear per episode: an episode still active at the end sends only its raise
    expect(notifications).toBeGreaterThanOrEqual(episodes);
    expect(notifications).toBeLessThanOrEqual(2 * episodes);

    // the same draft over RPC says the same (its range ends a moment later: allow one more)
    const to = Date.now();
    const rpc = await app!.rpc.request<Backtest>('alarms.rules.backtest', {
      rule: await ruleOf(RULE_ID),
      from: to - DAY,
      to,
    });
    expect(Math.abs(rpc.episodes.length - episodes)).toBeLessThanOrEqual(1);
    expect(rpc.chattering).toBeGreaterThanOrEqual(chattering - 1);

    // shaded on the chart, which moved to the backtested day; listed in a table
    expect(await chart.getAttribute('data-backtest')).toBe('shown');
    await expect
      .poll(() => chart.locator('[data-testid="chart-alarm-text"]').textContent(), { timeout: 10_000 })
      .toMatch(/Alarm episodes in view/);
    expect(await page.locator('[data-testid="backtest-episodes"] tbody tr').count()).toBeGreaterThan(0);
    expect(await noSidewaysScroll()).toBe(true);
    await page.getByTestId('backtest').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'alarms-backtest-dark.png') });

    // an edit makes the result stale: it is dropped, not shown for a rule it did not test
    await page.getByTestId('rule-on-delay').fill('60');
    await expect.poll(() => summary.count()).toBe(0);
    expect(await chart.getAttribute('data-backtest')).toBe('none');
  });

  test('a backtest the engine refuses says why in plain words', async () => {
    await page.evaluate('location.hash = "#/alarms/rules/demo-device-offline"');
    await page.waitForSelector('[data-testid="rule-editor"]', { timeout: 15_000 });
    await page.getByTestId('backtest-run').click();
    const error = page.getByTestId('backtest-error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toMatch(/offline rules cannot be backtested/);
  });

  test('the KPI page opens from the alarm list and shows the engine’s figures', async () => {
    await page.evaluate('location.hash = "#/alarms"');
    const link = page.getByTestId('alarm-kpis-link');
    await link.waitFor({ timeout: 10_000 });
    await link.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('#/alarms/kpis');
    await page.getByTestId('kpi-table').waitFor({ timeout: 15_000 });
    expect(await page.title()).toContain('Alarm KPIs');

    const to = Date.now();
    const kpis = await app!.rpc.request<{ perTenMinutes: number; shelved: number; outOfService: number }>(
      'alarms.kpis',
      { from: to - DAY, to },
    );
    expect(Number(await page.getByTestId('kpi-rate').textContent())).toBeCloseTo(kpis.perTenMinutes, 1);
    expect(await page.getByTestId('kpi-shelved').textContent()).toBe(String(kpis.shelved));
    expect(await page.getByTestId('kpi-oos').textContent()).toBe(String(kpis.outOfService));
    expect(await page.getByTestId('kpi-verdict').textContent()).toMatch(/per 10 min|target of 1/);

    await page.getByTestId('kpi-range').selectOption('7d');
    await page.getByTestId('kpi-table').waitFor({ timeout: 15_000 });
    expect(await noSidewaysScroll()).toBe(true);
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'alarms-kpis-dark.png') });
    expect(pageErrors).toEqual([]);
  });
});
