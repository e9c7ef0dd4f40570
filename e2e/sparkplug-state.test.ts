/**
 * Sparkplug host STATE end to end: an MQTT connector with Sparkplug B on a real mosquitto,
 * added with the Connections form of the built headless host; a primary host application's retained
 * `spBv1.0/STATE/<host_id>` shows "online", then "offline", in the Connections table and on
 * the connector's Topics page, in Chromium at 1024x700, with no decode error.
 */
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MosquittoBroker } from '../main/engine/connectors/mqtt/mosquitto-harness';
import { type AppWithRpc, ensureArtifactsDir, openAppWithRpc, tempDataDir } from './harness';

let app: AppWithRpc | undefined;
let page: Page;
let broker: MosquittoBroker | undefined;
let scada: MqttClient | undefined;
const pageErrors: string[] = [];
const ID = 'e2e-sparkplug';

function publishState(online: boolean, timestamp: number): Promise<unknown> {
  return scada!.publishAsync('spBv1.0/STATE/scada-1', JSON.stringify({ online, timestamp }), {
    qos: 1,
    retain: true,
  });
}

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
  scada = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  await publishState(true, Date.now());
  app = await openAppWithRpc({
    dataDir: tempDataDir('e2e-sparkplug'),
    args: ['--no-demo'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
    hash: '#/connections',
  });
  page = app.page;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await scada?.endAsync(true).catch(() => {});
  await broker?.stop();
});

describe('Sparkplug host STATE in the UI', () => {
  test('add by form: Sparkplug B with a group id and a reorder timeout', async () => {
    await page.getByTestId('add-connector').click();
    await page.getByTestId('kind-mqtt').check();
    await page.getByTestId('connector-id').fill(ID);
    await page.getByTestId('mqtt-url').fill(broker!.url);
    await page.getByTestId('mqtt-sparkplug').check();
    await page.getByLabel('Sparkplug group id').fill('Plant');
    const reorder = page.getByTestId('mqtt-sparkplug-reorder');
    expect(await reorder.inputValue()).toBe('2000');
    await reorder.fill('0.5');
    await page.getByTestId('add-connector-submit').click();
    await expect
      .poll(() => page.getByTestId('add-connector-error').textContent())
      .toContain('Reorder timeout (ms): a whole number of milliseconds from 10 to 60000');
    await reorder.fill('1500');
    await page.getByTestId('add-connector-submit').click();
    await expect
      .poll(() => page.locator(`[data-testid="connector-row"][data-connector-id="${ID}"]`).count())
      .toBe(1);
    const saved = await app!.rpc.request<{ config: Record<string, unknown> }>('connectors.get', { id: ID });
    expect(saved.config.sparkplug).toMatchObject({ groupId: 'Plant', reorderTimeoutMs: 1500 });
  });

  test('the Connections row and the Topics page say whether the primary host is online', async () => {
    const row = page.locator(`[data-testid="connector-row"][data-connector-id="${ID}"]`);
    const detail = row.locator('td.detail').first();
    await expect.poll(() => detail.textContent(), { timeout: 15_000 }).toMatch(/^host scada-1 online; /);
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'sparkplug-state-connections.png') });

    await publishState(false, Date.now());
    await expect.poll(() => detail.textContent(), { timeout: 15_000 }).toMatch(/^host scada-1 offline; /);

    await row.getByRole('link', { name: 'Topics' }).click();
    await expect
      .poll(() => page.getByText(/host scada-1 offline; sparkplug nodes 0 online/).count(), {
        timeout: 15_000,
      })
      .toBe(1);
    await expect.poll(() => page.getByText('0 decode errors').count()).toBe(1);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'sparkplug-state-topics.png') });
    expect(pageErrors).toEqual([]);
  });
});
