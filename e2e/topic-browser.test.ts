/**
 * The MQTT topic browser end to end in Chromium at 1024x700: on the demo's MQTT connector
 * (a simulated broker, no network) it opens, shows topics with retained markers, a topic's
 * message history, its JSON and a plot of a field; on a real mosquitto it browses '#'
 * beyond the connector's template and clears a retained message after a confirm. A
 * non-MQTT connector and a bad filter end in a clear error, never an endless spinner.
 */
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MosquittoBroker } from '../main/engine/connectors/mqtt/mosquitto-harness';
import { type AppWithRpc, ensureArtifactsDir, openAppWithRpc, tempDataDir } from './harness';

let app: AppWithRpc;
let page: Page;
let broker: MosquittoBroker | undefined;
let publisher: MqttClient | undefined;
const pageErrors: string[] = [];

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
  app = await openAppWithRpc({
    dataDir: tempDataDir('e2e-topics'),
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
  });
  page = app.page;
});

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  await broker?.stop();
});

const node = (topic: string) => page.locator(`[data-testid="topic-node"][data-topic="${topic}"]`);
const shot = (name: string) =>
  page.screenshot({ path: path.join(ensureArtifactsDir(), name), fullPage: true });

async function openTopics(connectorId: string): Promise<void> {
  await page.evaluate(`location.hash = '#/mqtt/${connectorId}'`);
  await page.getByTestId('mqtt-browser').waitFor({ timeout: 10_000 });
}

describe('topic browser', () => {
  test('demo MQTT: topics with retained LWT markers, a message history, JSON views and a plot', async () => {
    const devices = await app.rpc.request<{ id: string; connectorId: string }[]>('devices.list');
    const device = devices.find((d) => d.connectorId === 'demo-mqtt')?.id;
    expect(device).toBeTruthy();
    await openTopics('demo-mqtt');
    // it starts on the connector's own subscription
    await expect
      .poll(() => page.getByTestId('browse-filter').inputValue())
      .toMatch(/^plant\/[a-z0-9-]+\/\+\/\+$/);
    await expect.poll(() => page.getByTestId('browse-status').getAttribute('data-state')).toBe('subscribed');

    // a live metric topic: its messages pile up in the history
    const metricNode = page.locator(
      `[data-testid="topic-node"][data-topic^="plant/"][data-topic*="/${device}/"]`,
    );
    await expect.poll(() => metricNode.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const topic = (await metricNode.last().getAttribute('data-topic')) ?? '';
    await metricNode.last().locator('.topic-select').click();
    const rows = page.getByTestId('topic-message');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('topic-detail').locator('h2').textContent()).toBe(topic);
    expect(await rows.first().textContent()).toContain('content-type application/json');

    // JSON pretty by default, then the tree and the diff against the previous message
    const json = page.getByTestId('topic-payload-json');
    await expect.poll(() => json.textContent()).toMatch(/"value": -?\d/);
    await page.getByTestId('payload-view-tree').click();
    await expect.poll(() => page.getByTestId('json-tree').textContent()).toContain('value');
    await page.getByTestId('payload-view-diff').click();
    const diff = page.getByTestId('topic-payload-diff');
    await expect.poll(() => diff.locator('.diff-added').count()).toBeGreaterThan(0);
    expect(await diff.locator('.diff-removed').count()).toBeGreaterThan(0);

    // plot the value field: the kept messages, then live ones
    await page.getByTestId('plot-field').selectOption('value');
    const plot = page.getByTestId('topic-plot');
    await expect.poll(async () => Number(await plot.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    const before = Number(await plot.getAttribute('data-points'));
    await expect
      .poll(async () => Number(await plot.getAttribute('data-points')), { timeout: 10_000 })
      .toBeGreaterThan(before);
    expect(await plot.locator('canvas').count()).toBeGreaterThan(0);
    await shot('topic-browser-demo.png');

    // '#' adds the retained LWT of every demo device, outside the connector's plant/... template
    const lwt = node(`tele/${device}/LWT`);
    expect(await lwt.count()).toBe(0);
    await page.getByTestId('browse-filter').fill('#');
    await page.getByTestId('browse-submit').click();
    await lwt.waitFor({ timeout: 10_000 });
    expect(await lwt.getByTestId('retained-marker').count()).toBe(1);
    await expect.poll(() => metricNode.count(), { timeout: 10_000 }).toBeGreaterThan(0);

    // a narrower filter starts a fresh session with only its topics
    await page.getByTestId('browse-filter').fill('tele/+/LWT');
    await page.getByTestId('browse-submit').click();
    await expect.poll(() => lwt.count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('[data-testid="topic-node"][data-topic^="plant"]').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  test('a filter against the MQTT rules cannot be submitted, and says why', async () => {
    await page.getByTestId('browse-filter').fill('plant/#/x');
    expect(await page.getByTestId('browse-submit').isDisabled()).toBe(true);
    expect(await page.locator('#browse-filter-help').textContent()).toContain(
      "'#' must be the whole last level",
    );
  });

  test('Topics on a connector that is not MQTT shows the error instead of spinning', async () => {
    await openTopics('demo-serial');
    const error = page.getByTestId('browse-error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toContain('not an MQTT connector');
    expect(await page.getByTestId('browse-status').count()).toBe(0);
  });

  test('mosquitto: browse # beyond the template, see the retained marker and properties, clear it', async () => {
    if (!broker) throw new Error('no broker');
    publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    await publisher.publishAsync('site/gw-7/status', 'Online', {
      qos: 1,
      retain: true,
      properties: { userProperties: { firmware: '1.4.2' } },
    });
    await app.rpc.request('connectors.add', {
      kind: 'mqtt',
      config: {
        id: 'e2e-broker',
        url: broker.url,
        subscriptions: [{ topicTemplate: 'plant/{deviceId}/{metric}' }],
      },
    });
    await openTopics('e2e-broker');
    await expect.poll(() => page.getByTestId('browse-filter').inputValue()).toBe('plant/+/+');
    await page.getByTestId('browse-filter').fill('#');
    await page.getByTestId('browse-submit').click();
    const status = node('site/gw-7/status');
    await status.waitFor({ timeout: 15_000 });
    expect(await status.getByTestId('retained-marker').count()).toBe(1);
    await status.locator('.topic-select').click();
    const row = page.getByTestId('topic-message').first();
    await expect.poll(() => row.textContent()).toContain('firmware=1.4.2');
    expect(await row.textContent()).toContain('retained');
    expect(await page.getByTestId('topic-payload').textContent()).toBe('Online');

    // clearing asks first; Cancel keeps it
    await page.getByTestId('clear-retained').click();
    await page.getByTestId('clear-retained-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('clear-retained-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('clear-retained').click();
    await shot('topic-browser-clear-retained.png');
    await page.getByTestId('clear-retained-dialog-confirm').click();
    await page.getByTestId('clear-retained-dialog').waitFor({ state: 'detached' });
    // the empty retained message comes back through the browse session: the marker goes
    await expect.poll(() => status.getByTestId('retained-marker').count(), { timeout: 10_000 }).toBe(0);

    // a fresh subscriber no longer gets it
    const fresh = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const got: string[] = [];
    fresh.on('message', (t, payload) => got.push(`${t}=${payload.toString()}`));
    await fresh.subscribeAsync('site/#', { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    await fresh.endAsync();
    expect(got).toEqual([]);

    const audit = await app.rpc.request<{ entries: { action: string; subject: string }[] }>('audit.list', {
      action: 'mqtt.retained.clear',
    });
    expect(audit.entries[0]?.subject).toBe('e2e-broker/site/gw-7/status');
    await shot('topic-browser-mosquitto.png');
    expect(pageErrors).toEqual([]);
  });

  test('mosquitto: 5,000 retained topics arrive, the tree starts folded and stays usable', async () => {
    if (!publisher) throw new Error('no publisher');
    const total = 5000;
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        publisher?.publishAsync(`load/area-${i % 50}/dev-${i}/state`, `{"n":${i}}`, { qos: 1, retain: true }),
      ),
    );
    await page.getByTestId('browse-filter').fill('load/#');
    const started = Date.now();
    await page.getByTestId('browse-submit').click();
    const status = page.getByTestId('browse-status');
    await expect.poll(() => status.getAttribute('data-topics'), { timeout: 20_000 }).toBe(String(total));
    const seconds = (Date.now() - started) / 1000;
    // folded below the second level: load and its 50 areas, not 5,000 rows
    expect(await page.getByTestId('topic-node').count()).toBe(51);
    await page.getByRole('button', { name: 'expand load/area-7', exact: true }).click();
    await page.getByRole('button', { name: 'expand load/area-7/dev-7', exact: true }).click();
    await node('load/area-7/dev-7/state').locator('.topic-select').click();
    await expect.poll(() => page.getByTestId('topic-payload-json').textContent()).toContain('"n": 7');
    await shot('topic-browser-5000.png');
    expect(seconds).toBeLessThan(20);
    console.log(`5,000 retained topics browsed in ${seconds.toFixed(1)} s`);
    expect(pageErrors).toEqual([]);
  });

  test('a hostile 10,000-character topic level wraps instead of widening the page', async () => {
    if (!publisher) throw new Error('no publisher');
    const width = () => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
    await page.getByTestId('browse-filter').fill('long/#');
    await page.getByTestId('browse-submit').click();
    await expect.poll(() => page.getByTestId('browse-status').getAttribute('data-state')).toBe('subscribed');
    const before = await width();
    const topic = `long/${'x'.repeat(10_000)}`;
    await publisher.publishAsync(topic, 'hi', { qos: 1 });
    await node(topic).locator('.topic-select').click();
    await expect.poll(() => page.getByTestId('topic-payload').textContent()).toBe('hi');
    expect(await width()).toBe(before);
    expect(pageErrors).toEqual([]);
  });
});
