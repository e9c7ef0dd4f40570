/**
 * The MQTT form's payload mapping end to end at 1024×700: a row added and filled with the
 * keyboard, a bad scale refused in plain words, the saved config carrying the mapping, and
 * a Tasmota SENSOR message on a real mosquitto arriving as the mapped metric with its unit.
 */
import path from 'node:path';
import mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MosquittoBroker } from '../main/engine/connectors/mqtt/mosquitto-harness';
import { type AppWithRpc, ensureArtifactsDir, openAppWithRpc, tempDataDir, waitFor } from './harness';

let app: AppWithRpc | undefined;
let broker: MosquittoBroker | undefined;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
  app = await openAppWithRpc({
    dataDir: tempDataDir('e2e-mqtt-mapping'),
    args: ['--no-demo'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
    consoleErrors: true,
    hash: '#/connections',
  });
  page = app.page;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await broker?.stop();
}, 30_000);

describe('MQTT payload mapping', () => {
  test('a mapping typed in the form maps a Tasmota payload to a metric with its unit', async () => {
    await page.getByTestId('add-connector').click();
    await page.getByTestId('kind-mqtt').check();
    await page.getByTestId('connector-id').fill('field');
    await page.getByTestId('mqtt-url').fill(broker!.url);
    await page.getByTestId('mqtt-templates').fill('tele/{deviceId}/SENSOR');
    await page.getByTestId('payload-mapping').locator('summary').click();

    // keyboard only: Add field focuses the new row's path; Tab walks metric, unit, scale
    await page.getByTestId('mapping-add-row').focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.evaluate('document.activeElement?.getAttribute("aria-label")'))
      .toBe('Row 1 field path');
    await page.keyboard.type('AM2301.Temperature');
    await page.keyboard.press('Tab');
    await page.keyboard.type('temperature');
    await page.keyboard.press('Tab');
    await page.keyboard.type('°C');
    await page.keyboard.press('Tab');
    await page.keyboard.type('ten');
    await expect
      .poll(() => page.getByTestId('mapping-error').textContent())
      .toBe('row 1: scale must be a number, not "ten"');
    await page.getByTestId('add-connector-submit').click();
    await expect
      .poll(() => page.getByTestId('add-connector-error').textContent())
      .toContain('Payload mapping: tele/{deviceId}/SENSOR: row 1: scale must be a number, not "ten"');
    await page.getByLabel('Row 1 scale').fill('1');
    // a template edited after its mapping was made: the form says the mapping would be lost
    await page.getByTestId('mqtt-templates').fill('tele/{deviceId}/SENSOR2');
    await expect
      .poll(() => page.getByTestId('mapping-orphaned').textContent())
      .toMatch(/tele\/\{deviceId\}\/SENSOR,/);
    await page.getByTestId('mqtt-templates').fill('tele/{deviceId}/SENSOR');
    await expect.poll(() => page.getByTestId('mapping-orphaned').count()).toBe(0);
    await expect.poll(() => page.getByTestId('mapping-error').count()).toBe(0);
    await page.screenshot({
      path: path.join(ensureArtifactsDir(), 'mqtt-payload-mapping.png'),
      fullPage: true,
    });
    await page.getByTestId('add-connector-submit').click();
    await page
      .locator('[data-testid="connector-row"][data-connector-id="field"]')
      .waitFor({ timeout: 10_000 });

    const saved = await app!.rpc.request<{ config: { subscriptions: unknown[] } }>('connectors.get', {
      id: 'field',
    });
    expect(saved.config.subscriptions).toEqual([
      {
        topicTemplate: 'tele/{deviceId}/SENSOR',
        payload: {
          fields: [{ path: 'AM2301.Temperature', metric: 'temperature', unit: '°C', scale: 1, offset: 0 }],
          arrivalTime: false,
          unmapped: 'drop',
        },
      },
    ]);

    await waitFor('connected', async () => {
      const list = await app!.rpc.request<{ id: string; state: string }[]>('connectors.list');
      return list.find((c) => c.id === 'field' && c.state === 'connected');
    });
    const pub = await mqtt.connectAsync(broker!.url, { protocolVersion: 5 });
    // tasmota/docs docs/AM2301.md
    await pub.publishAsync(
      'tele/th-1/SENSOR',
      '{"Time":"2019-01-01T00:00:00","AM2301":{"Temperature":24.6,"Humidity":58.2},"TempUnit":"C"}',
      { qos: 1 },
    );
    await pub.endAsync();
    const metrics = await waitFor('the mapped reading', async () => {
      const devices =
        await app!.rpc.request<{ id: string; metrics: { name: string; unit: string; last: unknown }[] }[]>(
          'devices.list',
        );
      const d = devices.find((x) => x.id === 'th-1');
      return d && d.metrics.length > 0 ? d.metrics : undefined;
    });
    expect(metrics.map((m) => [m.name, m.unit])).toEqual([['temperature', '°C']]);
    expect(metrics[0]!.last).toMatchObject({ value: 24.6, quality: 'good' });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
