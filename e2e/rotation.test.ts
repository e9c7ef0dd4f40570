/**
 * Certificate rotation from the registry, end to end on the demo site: the built headless
 * host in demo mode (three factory-fresh simulated devices behind real noble on the
 * simulated BLE binding, an in-process mutual-TLS broker that checks the CA ledger), the
 * built renderer in Chromium. One demo device is commissioned over the host's RPC (the
 * wizard has its own e2e tests); its certificate is then rotated from the registry's
 * device detail over Bluetooth, after two refused attempts (a link that cannot be opened,
 * another device on the link). The old certificate ends up revoked (superseded) in the
 * Credentials panel, and the device keeps reporting through the demo broker, which by
 * then refuses the old certificate: so its readings come in with the new one.
 */

import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectByLabelPrefix } from './commissioning-wizard';
import {
  type AppWithRpc,
  ensureArtifactsDir,
  openAppWithRpc,
  type RpcClient,
  tempDataDir,
  waitFor,
} from './harness';

const DEVICE = 'demo-rot-01';
const DEMO_BLE = 'demo-plant-ble';

let app: AppWithRpc;
let page: Page;
let rpc: RpcClient;
const pageErrors: string[] = [];

interface StepState {
  state: 'pending' | 'running' | 'done' | 'failed';
  at: number | null;
  error: string | null;
  diagnosis: string | null;
}
interface SessionView {
  id: string;
  status: string;
  steps: Record<string, StepState>;
  credentials: { fingerprint: string; serialHex: string | null } | null;
}
interface Peripheral {
  id: string;
  name: string | null;
}
interface RegistryView {
  lifecycle: string;
  lastSeen: number | null;
  metrics: { name: string }[];
  counters: { readings: number };
  credential: { kind: string; fingerprint: string; serial: string | null } | null;
}
interface CertificateView {
  serialHex: string;
  revokedAt: number | null;
  revocationReason: string | null;
}

/** Runs one wizard step over the RPC and waits for its outcome; a failure throws with the engine's words. */
async function runStep(
  sessionId: string,
  run: { step: string } & Record<string, unknown>,
  timeoutMs = 30_000,
) {
  const before =
    (await rpc.request<SessionView>('commissioning.get', { sessionId })).steps[run.step]?.at ?? null;
  await rpc.request('commissioning.run', { sessionId, run });
  const outcome = await waitFor(
    `step ${run.step}`,
    async () => {
      const s = (await rpc.request<SessionView>('commissioning.get', { sessionId })).steps[run.step]!;
      return (s.state === 'done' || s.state === 'failed') && s.at !== before ? s : undefined;
    },
    timeoutMs,
  );
  if (outcome.state !== 'done')
    throw new Error(`step ${run.step} failed: ${outcome.error} — ${outcome.diagnosis}`);
}

async function peripheralNamed(prefix: string): Promise<string> {
  return await waitFor(`a demo peripheral named ${prefix}`, async () => {
    const seen = await rpc.request<Peripheral[]>('ble.peripherals', { connectorId: DEMO_BLE });
    return seen.find((p) => p.name?.startsWith(prefix))?.id;
  });
}

beforeAll(async () => {
  app = await openAppWithRpc({
    dataDir: tempDataDir('rotation'),
    viewport: { width: 1300, height: 1100 },
    pageErrors,
    load: false,
  });
  ({ page, rpc } = app);
});

afterAll(() => app?.close());

describe('certificate rotation from the registry (simulated BLE binding behind real noble, demo broker)', () => {
  test('a commissioned demo device gets a new certificate over BLE, the old one is revoked, it keeps reporting', async () => {
    const started = Date.now();
    // commission FL-ENV-2 over the RPC, the way the wizard does it step by step
    const brokerUrl = await waitFor(
      'the demo broker',
      async () =>
        (await rpc.request<{ demoPlant: { brokerUrl: string | null } | null }>('engine.info')).demoPlant
          ?.brokerUrl ?? undefined,
      30_000,
    );
    const peripheralId = await peripheralNamed('FL-ENV-2 setup');
    const session = await rpc.request<SessionView>('commissioning.start');
    await runStep(session.id, {
      step: 'connect',
      link: { kind: 'ble', connectorId: DEMO_BLE, peripheralId },
    });
    await runStep(session.id, { step: 'identify' });
    await runStep(session.id, {
      step: 'details',
      input: { deviceId: DEVICE, name: 'Rotation demo', site: 'Demo plant', profile: 'env-sensor', tags: [] },
    });
    await runStep(session.id, { step: 'credentials', input: { kind: 'x509' } });
    await runStep(session.id, {
      step: 'network',
      input: { ssid: 'Demo-Plant', password: 'fieldline-demo', brokerUrl, reportingIntervalS: 1 },
    });
    await runStep(session.id, { step: 'verify', input: { timeoutS: 30 } }, 45_000);
    await runStep(session.id, { step: 'record', input: { notes: 'rotation e2e' } });
    const commissioned = await rpc.request<SessionView>('commissioning.get', { sessionId: session.id });
    expect(commissioned.status).toBe('done');
    const oldFingerprint = commissioned.credentials?.fingerprint ?? '';
    const oldSerial = commissioned.credentials?.serialHex ?? '';
    expect(oldSerial).not.toBe('');
    const commissionedMs = Date.now() - started;

    // the registry's detail: the action is there for a commissioned device with a certificate
    await page.goto(app.host.url);
    await page.evaluate(`location.hash = '#/registry/${DEVICE}'`);
    const detail = page.getByTestId('device-detail');
    await expect
      .poll(() => detail.getByTestId('detail-lifecycle').textContent(), { timeout: 15_000 })
      .toMatch(/^(commissioned|active)$/);
    expect(await detail.getByTestId('detail-credential').textContent()).toContain(oldFingerprint);
    await detail.getByTestId('rotate-open').click();
    const panel = detail.getByTestId('rotate-panel');

    // the link it was commissioned over is offered first
    await expect.poll(() => panel.getByTestId('rotate-kind-ble').isChecked(), { timeout: 10_000 }).toBe(true);
    await expect
      .poll(() => panel.getByTestId('rotate-ble-adapter').inputValue(), { timeout: 10_000 })
      .toBe(DEMO_BLE);
    await expect
      .poll(() => panel.getByTestId('rotate-ble-peripheral').inputValue(), { timeout: 15_000 })
      .toBe(peripheralId);

    // refused: a serial port that is not there; nothing issued, the old certificate still valid
    await panel.getByTestId('rotate-kind-serial').check();
    await panel.getByTestId('rotate-path').fill('/dev/fieldline-no-such-port');
    await panel.getByTestId('rotate-run').click();
    await expect.poll(() => panel.getAttribute('data-phase'), { timeout: 20_000 }).toBe('failed');
    expect(await panel.getByTestId('rotate-error').getAttribute('data-kind')).toBe('link');
    expect(await panel.getByTestId('rotate-error-title').textContent()).toBe('The link could not be opened');
    expect(await panel.getByTestId('rotate-old-certificate').textContent()).toContain('still valid');

    // refused: another demo device on the link (its serial is not the registry's)
    await panel.getByTestId('rotate-retry').click();
    await panel.getByTestId('rotate-kind-ble').check();
    await expect
      .poll(() => panel.getByTestId('rotate-ble-adapter').inputValue(), { timeout: 10_000 })
      .toBe(DEMO_BLE);
    await selectByLabelPrefix(page, 'rotate-ble-peripheral', 'FL-ENV-2 Outdoor setup');
    await panel.getByTestId('rotate-run').click();
    await expect.poll(() => panel.getAttribute('data-phase'), { timeout: 30_000 }).toBe('failed');
    expect(await panel.getByTestId('rotate-error').getAttribute('data-kind')).toBe('wrong-device');
    expect(await panel.getByTestId('rotate-error').textContent()).toContain('FL-DEMO-0002');
    let certs = await rpc.request<CertificateView[]>('pki.certificates', { deviceId: DEVICE });
    expect(certs.map((c) => [c.serialHex, c.revokedAt])).toEqual([[oldSerial, null]]);
    await page.screenshot({
      path: path.join(ensureArtifactsDir(), 'rotation-wrong-device.png'),
      fullPage: true,
    });

    // the right device: progress while it runs, then the new certificate and the revoked one
    await panel.getByTestId('rotate-retry').click();
    await selectByLabelPrefix(page, 'rotate-ble-peripheral', 'FL-ENV-2 setup');
    expect(await panel.getByTestId('rotate-ble-peripheral').inputValue()).toBe(peripheralId);
    const clicked = Date.now();
    // over the demo radio it takes a fraction of a second: the phases are recorded in the page,
    // so the progress shown while it ran is seen even if it is gone before a poll would look
    await page.evaluate(`(() => {
      const el = document.querySelector('[data-testid="rotate-panel"]');
      const seen = (window.__rotatePhases = []);
      new MutationObserver(() => {
        seen.push(el.getAttribute('data-phase') + (el.querySelector('[data-testid="rotate-progress"]') ? '+progress' : ''));
      }).observe(el, { attributes: true, attributeFilter: ['data-phase'] });
    })()`);
    await panel.getByTestId('rotate-run').click();
    await expect.poll(() => panel.getAttribute('data-phase'), { timeout: 30_000 }).toMatch(/^(done|failed)$/);
    if ((await panel.getAttribute('data-phase')) === 'failed')
      throw new Error(`rotation failed: ${await panel.getByTestId('rotate-error').textContent()}`);
    const rotatedAt = Date.now();
    expect(await page.evaluate('window.__rotatePhases')).toEqual(['running+progress', 'done']);
    const newFingerprint = (await panel.getByTestId('rotate-new-fingerprint').textContent()) ?? '';
    const newSerial = (await panel.getByTestId('rotate-new-serial').textContent()) ?? '';
    expect(newFingerprint).toMatch(/^[0-9A-F:]{20,}$/i);
    expect(newFingerprint).not.toBe(oldFingerprint);
    expect(newSerial).not.toBe(oldSerial);
    expect(await panel.getByTestId('rotate-revoked-serial').textContent()).toBe(oldSerial);
    await panel.getByTestId('rotate-crl-reminder').waitFor();
    // the registry and the detail's credential say the same
    const registered = await rpc.request<RegistryView>('registry.get', { deviceId: DEVICE });
    expect(registered.credential).toMatchObject({
      kind: 'x509',
      fingerprint: newFingerprint,
      serial: newSerial,
    });
    await expect
      .poll(() => detail.getByTestId('detail-credential').textContent(), { timeout: 10_000 })
      .toContain(newFingerprint);
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'rotation-done.png'), fullPage: true });

    // the reminder's link: the Credentials panel lists the old serial revoked (superseded)
    await panel.getByTestId('rotate-crl-link').click();
    await page.getByTestId('credentials-panel').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('broker-config').count()).toBe(1);
    const oldRow = page.locator(`[data-testid="certificate-row"][data-serial="${oldSerial}"]`);
    await expect.poll(() => oldRow.textContent(), { timeout: 10_000 }).toContain('revoked (superseded)');
    const newRow = page.locator(`[data-testid="certificate-row"][data-serial="${newSerial}"]`);
    expect(await newRow.textContent()).toContain('valid');
    expect(await newRow.textContent()).not.toContain('revoked');
    certs = await rpc.request<CertificateView[]>('pki.certificates', { deviceId: DEVICE });
    expect(certs.find((c) => c.serialHex === oldSerial)?.revocationReason).toBe('superseded');

    // it keeps reporting: the demo broker refuses a revoked certificate (at connect, and drops
    // a connected one), so readings that arrive after the rotation came in with the new one
    const before = registered.counters.readings;
    const metric = registered.metrics[0]?.name ?? '';
    expect(metric).not.toBe('');
    const after = await waitFor(
      'readings after the rotation',
      async () => {
        const d = await rpc.request<RegistryView>('registry.get', { deviceId: DEVICE });
        return d.lastSeen !== null && d.lastSeen > rotatedAt + 2_000 && d.counters.readings > before
          ? d
          : undefined;
      },
      20_000,
    );
    expect(after.counters.readings).toBeGreaterThan(before);
    const raw = await rpc.request<{ ts: number[] }>('readings.raw', {
      deviceId: DEVICE,
      metric,
      from: rotatedAt,
      to: Date.now() + 60_000,
    });
    const fresh = raw.ts.length;
    expect(fresh).toBeGreaterThanOrEqual(2);

    expect(pageErrors).toEqual([]);
    console.log(
      `[rotation e2e] commissioned over RPC in ${commissionedMs} ms; rotated over BLE in ${rotatedAt - clicked} ms (UI click to result); ${fresh} ${metric} readings since`,
    );
  }, 150_000);
});
