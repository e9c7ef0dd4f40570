/**
 * The commissioning wizard end to end on the demo site, as a technician would use it with
 * no hardware: the built headless host in demo mode (its demo plant: three factory-fresh
 * simulated devices behind real noble on the simulated BLE binding, and an in-process
 * mutual-TLS broker), the built renderer in Chromium. One device through every step by
 * hand, its reports downloaded and read, the next demo device in one click, then the
 * batch, the registry and the audit log show both.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { downloadOf, selectByLabelPrefix, wizardDriver } from './commissioning-wizard';
import { type AppWithRpc, openAppWithRpc, type RpcClient, tempDataDir } from './harness';

const TECHNICIAN = 'Ana Field (e2e)';
const BATCH = 'demo-batch-e2e';

let app: AppWithRpc;
let page: Page;
let rpc: RpcClient;
const pageErrors: string[] = [];

interface SessionView {
  id: string;
  status: string;
  batchId: string | null;
  credentials: { fingerprint: string } | null;
  details: { deviceId: string } | null;
  link: { kind: string; peripheralId?: string } | null;
}

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir: tempDataDir('commission-demo'),
    viewport: { width: 1300, height: 1000 },
    pageErrors,
    hash: '#/commission',
  });
  ({ page, rpc } = app);
});

afterAll(() => app?.close());

describe('commissioning on the demo site (simulated BLE binding behind real noble, demo broker)', () => {
  test('a demo BLE device box to reporting by hand, its reports, the next one in one click, registry and audit', async () => {
    const started = Date.now();
    const w = wizardDriver(page);

    // who is commissioning (the OS account until someone says): goes on the reports
    await page.getByTestId('commission-start-page').waitFor({ timeout: 15_000 });
    await page.getByTestId('operator-badge').click();
    await page.getByTestId('operator-name').fill(TECHNICIAN);
    await page.getByTestId('operator-name').press('Enter');
    await expect
      .poll(() => page.getByTestId('operator-badge').textContent(), { timeout: 10_000 })
      .toBe(`Operator: ${TECHNICIAN}`);

    await page.getByTestId('batch-name').fill(BATCH);
    await page.getByTestId('batch-start').click();
    await page.getByTestId('wizard').waitFor({ timeout: 10_000 });
    const firstId = await w.sessionId();
    expect(await page.evaluate('location.hash')).toBe(`#/commission/${firstId}`);

    // connect: the demo's Bluetooth connector is preselected; the older demo radio is not offered
    const info = await rpc.request<{
      demoPlant: { bleConnectorId: string; brokerUrl: string | null } | null;
    }>('engine.info');
    expect(info.demoPlant?.bleConnectorId).toBe('demo-plant-ble');
    await expect.poll(() => page.getByTestId('connect-kind-ble').isChecked(), { timeout: 10_000 }).toBe(true);
    const adapter = page.getByTestId('connect-ble-adapter');
    await expect.poll(() => adapter.inputValue(), { timeout: 10_000 }).toBe('demo-plant-ble');
    const bleConnectors = (await rpc.request<{ id: string; kind: string }[]>('connectors.list')).filter(
      (c) => c.kind === 'ble',
    );
    expect(bleConnectors.map((c) => c.id)).toContain('demo-ble');
    // the probe of every BLE connector has answered once its hint is gone
    await expect.poll(() => page.getByText('checking the adapters…').count(), { timeout: 15_000 }).toBe(0);
    const offered = await adapter
      .locator('option')
      .evaluateAll((os) => os.map((o) => o.getAttribute('value') ?? '').filter(Boolean));
    expect(offered).toEqual(['demo-plant-ble']);
    const devices = page.getByTestId('connect-ble-peripheral').locator('option');
    await expect.poll(() => devices.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    const firstPeripheral = await selectByLabelPrefix(page, 'connect-ble-peripheral', 'FL-ENV-2 setup');
    await w.run('connect');
    await w.done('connect');

    // identify: what the device says it is
    await w.run('identify');
    await w.done('identify');
    await w.view('identify');
    const identity = (await w.step('identify').locator('dl.facts').textContent()) ?? '';
    expect(identity).toContain('FL-DEMO-0001');
    expect(identity).toContain('FL-ENV-2');
    await w.view('details');

    // details: the profiles are the engine's own
    const profiles = await rpc.request<{ id: string }[]>('profiles.list');
    expect(profiles.length).toBeGreaterThan(0);
    const profileOptions = () =>
      w
        .step('details')
        .getByTestId('details-profile')
        .locator('option')
        .evaluateAll((os) =>
          os
            .map((o) => o.getAttribute('value') ?? '')
            .filter(Boolean)
            .sort(),
        );
    await expect.poll(profileOptions, { timeout: 10_000 }).toEqual(profiles.map((p) => p.id).sort());
    await page.getByTestId('details-deviceId').fill('demo-env-01');
    await page.getByTestId('details-name').fill('Demo env 01');
    await page.getByTestId('details-site').fill('Demo plant');
    await page.getByTestId('details-profile').selectOption('env-sensor');
    await page.getByTestId('details-tags').fill('e2e, hall-1');
    await w.run('details');
    await w.done('details');

    // credentials: an X.509 certificate of its own
    expect(await page.getByTestId('credentials-x509').isChecked()).toBe(true);
    await w.run('credentials');
    await w.done('credentials', 30_000);

    // network: the demo hint, the demo broker prefilled
    await page.getByTestId('network-demo-hint').waitFor();
    expect(await page.getByTestId('network-demo-hint').textContent()).toContain('Demo-Plant');
    const demoBroker = await expect
      .poll(() => page.getByTestId('network-brokerUrl').inputValue(), { timeout: 10_000 })
      .toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/)
      .then(() => page.getByTestId('network-brokerUrl').inputValue());
    const again = await rpc.request<{ demoPlant: { brokerUrl: string | null } }>('engine.info');
    expect(demoBroker).toBe(again.demoPlant.brokerUrl);
    await page.getByTestId('network-ssid').fill('Demo-Plant');
    await page.getByTestId('network-password').fill('fieldline-demo');
    await page.getByTestId('network-reportingIntervalS').fill('1');
    await w.screenshot('demo-network');
    await w.run('network');
    await w.done('network', 30_000);

    // verify: first telemetry and heartbeat through the demo broker
    await page.getByTestId('verify-timeout').fill('30');
    await w.run('verify');
    await w.done('verify', 45_000);
    await w.view('verify');
    const verdict = (await w.step('verify').locator('dl.facts').textContent()) ?? '';
    expect(verdict).toMatch(/First telemetry\s*\S/);
    expect(verdict).not.toMatch(/Heartbeat—/);
    await w.view('record');

    // record with notes
    await page.getByTestId('record-notes').fill('mounted on the demo rack, e2e');
    await w.run('record');
    await expect
      .poll(() => page.getByTestId('session-status').textContent(), { timeout: 15_000 })
      .toBe('done');
    const first = await rpc.request<SessionView>('commissioning.get', { sessionId: firstId });
    const fingerprint = first.credentials?.fingerprint ?? '';
    expect(fingerprint).toMatch(/^[0-9A-F:]{20,}$/i);
    await w.screenshot('demo-record');

    // the device's reports, as downloaded
    const html = await downloadOf(page, () => page.getByTestId('report-html').click());
    expect(html.filename).toMatch(/\.html$/);
    for (const needle of ['demo-env-01', fingerprint, TECHNICIAN, 'FL-DEMO-0001', 'mounted on the demo rack'])
      expect(html.text).toContain(needle);
    const csv = await downloadOf(page, () => page.getByTestId('report-csv').click());
    expect(csv.filename).toMatch(/\.csv$/);
    const csvRows = csv.text.trim().split(/\r?\n/);
    expect(csvRows).toHaveLength(2);
    for (const needle of ['demo-env-01', fingerprint, TECHNICIAN]) expect(csvRows[1]).toContain(needle);

    // the next demo device, every step in one click
    const nextPick = page.getByTestId('next-peripheral');
    await expect.poll(() => nextPick.inputValue(), { timeout: 15_000 }).not.toBe('');
    expect(await nextPick.inputValue()).not.toBe(firstPeripheral);
    await page.getByTestId('commission-next-run').click();
    await expect.poll(async () => await w.sessionId(), { timeout: 10_000 }).not.toBe(firstId);
    const secondId = await w.sessionId();
    await expect
      .poll(() => page.getByTestId('session-status').textContent(), { timeout: 60_000, interval: 500 })
      .toBe('done');
    const second = await rpc.request<SessionView>('commissioning.get', { sessionId: secondId });
    expect(second).toMatchObject({ status: 'done', batchId: BATCH, details: { deviceId: 'demo-env-02' } });
    expect(second.link?.peripheralId).not.toBe(firstPeripheral);
    expect(second.credentials?.fingerprint).not.toBe(fingerprint);

    // the batch lists both
    await page.evaluate(`location.hash = '#/commission/batch/${BATCH}'`);
    const rows = page.getByTestId('batch-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    const batchText = (await page.getByTestId('batch-sessions').textContent()) ?? '';
    expect(batchText).toContain('demo-env-01');
    expect(batchText).toContain('demo-env-02');
    expect(batchText.match(/done/g)?.length).toBe(2);
    expect(batchText).toContain(fingerprint);
    const batchCsv = await downloadOf(page, () => page.getByTestId('report-csv').click());
    const batchRows = batchCsv.text.trim().split(/\r?\n/);
    expect(batchRows).toHaveLength(3);
    expect(batchRows[1]).toContain('demo-env-01');
    expect(batchRows[2]).toContain('demo-env-02');
    expect(batchRows[2]).toContain(second.credentials?.fingerprint ?? '(none)');
    await w.screenshot('demo-batch');

    // the registry: both commissioned or active, with their fingerprints
    for (const [deviceId, print] of [
      ['demo-env-01', fingerprint],
      ['demo-env-02', second.credentials?.fingerprint ?? ''],
    ] as const) {
      await page.evaluate(`location.hash = '#/registry/${deviceId}'`);
      const detail = page.getByTestId('device-detail');
      await detail.getByText(deviceId).first().waitFor({ timeout: 15_000 });
      await expect
        .poll(() => detail.getByTestId('detail-lifecycle').textContent(), { timeout: 10_000 })
        .toMatch(/^(commissioned|active)$/);
      expect(await detail.getByTestId('detail-credential').textContent()).toContain(print);
    }

    // the audit log: both commissioned, the chain intact
    await page.evaluate("location.hash = '#/audit'");
    await page.getByTestId('audit-view').waitFor();
    const commissioned = page.getByTestId('audit-row').filter({ hasText: 'device.commissioned' });
    await expect.poll(() => commissioned.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const auditText = (await commissioned.allTextContents()).join('\n');
    expect(auditText).toContain('demo-env-01');
    expect(auditText).toContain('demo-env-02');
    expect(auditText).toContain(TECHNICIAN);
    await page.getByTestId('audit-verify').click();
    await expect
      .poll(() => page.getByTestId('audit-verify-result').textContent(), { timeout: 10_000 })
      .toContain('Chain intact');
    await w.screenshot('demo-audit');

    expect(pageErrors).toEqual([]);
    console.log(`[commissioning e2e] demo site: two BLE devices commissioned in ${Date.now() - started} ms`);
  }, 90_000);
});
