/**
 * The connector tools end to end, through the real UI of the built headless host:
 * a serial connector added by form on a socat pty pair (bytes both ways through the
 * monitor), a BLE connector on a machine without Bluetooth (its status says so), and an
 * MQTT connector on a real mosquitto (publish from the panel, see the topic in the tree).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MosquittoBroker } from '../main/engine/connectors/mqtt/mosquitto-harness';
import {
  type AppInBrowser,
  connectRpc,
  ensureArtifactsDir,
  openAppInBrowser,
  type RunningHost,
  tempDataDir,
  waitFor,
} from './harness';

let app: AppInBrowser | undefined;
let host: RunningHost;
let page: Page;
let socat: ChildProcess | undefined;
let broker: MosquittoBroker | undefined;
let deviceFd: number | undefined;
const ptyDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-e2e-pty-'));
const appLink = path.join(ptyDir, 'app');
const devLink = path.join(ptyDir, 'dev');
const pageErrors: string[] = [];

function requireSocat(): void {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'socat is needed for the serial end-to-end test: install it with `apt-get install socat`',
    );
  }
}

async function startPtyPair(): Promise<void> {
  requireSocat();
  socat = spawn('socat', [`pty,raw,echo=0,link=${appLink}`, `pty,raw,echo=0,link=${devLink}`], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 5000;
  while (!(existsSync(appLink) && existsSync(devLink))) {
    if (socat.exitCode !== null) throw new Error(`socat exited with ${socat.exitCode}`);
    if (Date.now() > deadline) throw new Error(`socat did not create ${appLink} in 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // non-blocking, so reading what the app sent can poll without hanging the test
  deviceFd = openSync(devLink, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
}

function deviceWrite(text: string): void {
  if (deviceFd === undefined) throw new Error('no pty');
  writeSync(deviceFd, Buffer.from(text));
}

function deviceRead(): string {
  if (deviceFd === undefined) throw new Error('no pty');
  const buffer = Buffer.alloc(4096);
  try {
    const n = readSync(deviceFd, buffer, 0, buffer.length, null);
    return buffer.subarray(0, n).toString();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return '';
    throw error;
  }
}

async function openConnections(): Promise<void> {
  // a string runs in the page; the test's own tsconfig has no DOM types
  await page.evaluate("location.hash = '#/connections'");
  await page.getByTestId('add-connector').waitFor({ timeout: 10_000 });
}

async function openAddForm(kind: 'serial' | 'mqtt' | 'ble', id: string): Promise<void> {
  await openConnections();
  await page.getByTestId('add-connector').click();
  await page.getByTestId(`kind-${kind}`).check();
  await page.getByTestId('connector-id').fill(id);
}

async function submitAndOpenTool(id: string, tool: string): Promise<void> {
  await page.getByTestId('add-connector-submit').click();
  const error = page.getByTestId('add-connector-error');
  const row = page.locator(`[data-testid="connector-row"][data-connector-id="${id}"]`);
  await expect
    .poll(
      async () => ((await error.count()) > 0 ? `error: ${await error.textContent()}` : await row.count()),
      {
        timeout: 10_000,
      },
    )
    .toBe(1);
  await row.getByRole('link', { name: tool }).click();
}

beforeAll(async () => {
  await startPtyPair();
  broker = new MosquittoBroker();
  await broker.start();
  app = await openAppInBrowser({
    dataDir: tempDataDir('e2e-tools'),
    args: ['--no-demo'],
    viewport: { width: 1280, height: 900 },
    pageErrors,
  });
  ({ host, page } = app);
});

afterAll(async () => {
  await app?.close();
  await broker?.stop();
  if (deviceFd !== undefined) closeSync(deviceFd);
  if (socat && socat.exitCode === null) {
    const exited = new Promise((r) => socat?.once('exit', r));
    socat.kill('SIGTERM');
    await exited;
  }
  rmSync(ptyDir, { recursive: true, force: true });
});

describe('connector tools', () => {
  test('serial: add on a pty, see received lines, send a line to the device', async () => {
    await openAddForm('serial', 'e2e-serial');
    await page.getByTestId('serial-path').fill(appLink);
    await page.getByTestId('serial-format').selectOption('key-value');
    await page.getByTestId('serial-device-id').fill('e2e-sensor');
    await submitAndOpenTool('e2e-serial', 'Monitor');
    await page.getByTestId('serial-monitor').waitFor();

    const log = page.getByTestId('serial-log');
    // the port opens asynchronously: keep the device talking until the monitor shows it
    await expect
      .poll(
        async () => {
          deviceWrite('temperature=21.5\n');
          return await log.textContent();
        },
        { timeout: 15_000, interval: 250 },
      )
      .toContain('temperature=21.5');

    await page.getByTestId('serial-send-input').fill('hello-device');
    await page.getByTestId('serial-send-input').press('Enter');
    let received = '';
    await expect
      .poll(
        () => {
          received += deviceRead();
          return received;
        },
        { timeout: 10_000, interval: 50 },
      )
      .toContain('hello-device\n');
    await expect.poll(() => log.textContent(), { timeout: 5000 }).toContain('hello-device');
    // the plotter picked up the numeric field
    await expect
      .poll(() => page.getByTestId('serial-plot').getAttribute('data-fields'), { timeout: 5000 })
      .toContain('temperature');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'serial-monitor.png'), fullPage: true });
  });

  test('serial: the plotter shows history stored before it was opened, in the window picked', async () => {
    // away from the monitor: no plot is open while these readings are stored
    await openConnections();
    const now = Date.now();
    const minutesAgo = [8, 6, 4, 2];
    for (const [i, m] of minutesAgo.entries()) deviceWrite(`ts=${now - m * 60_000} pressure=${1000 + i}\n`);
    const rpc = await connectRpc(host);
    try {
      await waitFor('the four pressure readings in the store', async () => {
        const { result } = await rpc.call('readings.query', {
          deviceId: 'e2e-sensor',
          metric: 'pressure',
          from: now - 600_000,
          to: Date.now(),
          pixelWidth: 100,
        });
        return (result as { ts?: number[] } | undefined)?.ts?.length === minutesAgo.length ? true : undefined;
      });
    } finally {
      rpc.close();
    }

    const row = page.locator('[data-testid="connector-row"][data-connector-id="e2e-serial"]');
    await row.getByRole('link', { name: 'Monitor' }).click();
    const plot = page.getByTestId('serial-plot');
    await expect.poll(() => page.getByTestId('plot-window-600000').getAttribute('aria-pressed')).toBe('true');
    // show pressure alone: every point drawn is then one of the four written minutes ago
    const field = (name: string) => plot.locator(`[data-testid="plot-field"][data-field="${name}"]`);
    await field('pressure').waitFor({ timeout: 10_000 });
    await field('temperature').uncheck();
    await expect.poll(() => plot.getAttribute('data-fields')).toBe('pressure');
    const chart = page.getByTestId('serial-plot-chart');
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 10_000 }).toBe('4');
    // the last minute holds none of them
    await page.getByTestId('plot-window-60000').click();
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 10_000 }).toBe('0');
    await page.getByTestId('plot-window-600000').click();
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 10_000 }).toBe('4');
    await page.screenshot({
      path: path.join(ensureArtifactsDir(), 'serial-plot-history.png'),
      fullPage: true,
    });
  });

  test('ble: without a radio the explorer says Bluetooth is unavailable', async () => {
    await openAddForm('ble', 'e2e-ble');
    await submitAndOpenTool('e2e-ble', 'Devices');
    await expect
      .poll(() => page.getByTestId('ble-status').textContent(), { timeout: 15_000 })
      .toContain('Bluetooth unavailable');
  });

  test('mqtt: add on mosquitto, publish from the panel, see the topic in the tree', async () => {
    await openAddForm('mqtt', 'e2e-mqtt');
    await page.getByTestId('mqtt-url').fill(broker?.url ?? '');
    await page.getByTestId('mqtt-templates').fill('e2e/{deviceId}/{metric}');
    await submitAndOpenTool('e2e-mqtt', 'Topics');
    await page.getByTestId('topic-tree').waitFor();

    const node = page.locator('[data-testid="topic-node"][data-topic="e2e/pump-1/flow"]');
    await page.getByTestId('publish-topic').fill('e2e/pump-1/flow');
    await page.getByTestId('publish-payload').fill('12.5');
    // the subscription may still be settling right after connect: publish again until it shows
    await expect
      .poll(
        async () => {
          if ((await node.count()) === 0) await page.getByTestId('publish-submit').click();
          return await node.count();
        },
        { timeout: 15_000, interval: 1500 },
      )
      .toBe(1);
    await expect.poll(() => page.getByTestId('publish-result').textContent()).toContain('Published');
    await node.locator('.topic-select').click();
    await page.getByTestId('payload-view-raw').click();
    await expect.poll(() => page.getByTestId('topic-payload').textContent()).toBe('12.5');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'mqtt-topics.png'), fullPage: true });
  });

  test('mqtt: edit the connector; the password is stored, never shown, and kept when left empty', async () => {
    await openConnections();
    const row = page.locator('[data-testid="connector-row"][data-connector-id="e2e-mqtt"]');
    const form = page.locator('[data-testid="add-connector-form"][data-editing="e2e-mqtt"]');
    await row.getByTestId('connector-edit').click();
    await form.waitFor();
    await expect.poll(() => form.getByTestId('mqtt-templates').inputValue()).toBe('e2e/{deviceId}/{metric}');
    await form.getByLabel('Username').fill('fieldline');
    await form.getByTestId('mqtt-password').fill('e2e-broker-password');
    await form.getByTestId('mqtt-templates').fill('e2e/{deviceId}/{metric}\nedited/{deviceId}/{metric}');
    await form.getByTestId('add-connector-submit').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 15_000 }).toBe('connected');

    // open it again: the edit took, the password reads as stored and its input is empty
    await row.getByTestId('connector-edit').click();
    await form.waitFor();
    await expect
      .poll(() => form.getByTestId('mqtt-templates').inputValue())
      .toBe('e2e/{deviceId}/{metric}\nedited/{deviceId}/{metric}');
    const password = form.getByTestId('mqtt-password');
    expect(await password.inputValue()).toBe('');
    expect(await password.getAttribute('placeholder')).toBe('stored — leave empty to keep');
    expect(await page.content()).not.toContain('e2e-broker-password');
    // saving with it empty keeps it (the engine would refuse a "<stored>" it does not have)
    await form.getByTestId('add-connector-submit').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    await row.getByTestId('connector-edit').click();
    await form.waitFor();
    expect(await form.getByTestId('mqtt-password').getAttribute('placeholder')).toBe(
      'stored — leave empty to keep',
    );
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'mqtt-edit.png'), fullPage: true });

    // pointing it at another broker with the password kept is refused on the Password field:
    // the stored password must never be sent somewhere it was not typed for
    const url = form.getByTestId('mqtt-url');
    const brokerUrl = await url.inputValue();
    await url.fill('mqtt://127.0.0.1:9');
    await form.getByTestId('add-connector-submit').click();
    await expect
      .poll(() => form.locator('[data-testid="field-error"][data-field="Password"]').textContent())
      .toBe('Enter the password again: the broker address changed');
    expect(await form.getByTestId('mqtt-password').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'mqtt-edit-reenter.png'), fullPage: true });
    await url.fill(brokerUrl);
    await form.getByRole('button', { name: 'Cancel' }).click();
    expect(pageErrors).toEqual([]);
  });

  test('mqtt: remove asks first; Escape keeps the connector, Remove forgets it', async () => {
    const row = page.locator('[data-testid="connector-row"][data-connector-id="e2e-mqtt"]');
    await row.getByTestId('connector-remove').click();
    const dialog = page.getByTestId('connector-remove-dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await row.count()).toBe(1);
    await row.getByTestId('connector-remove').click();
    await page.getByTestId('connector-remove-dialog-confirm').click();
    await row.waitFor({ state: 'detached' });
    const rpc = await connectRpc(host);
    const left = (await rpc.call('connectors.list')).result as { id: string }[];
    expect(left.map((c) => c.id)).not.toContain('e2e-mqtt');
    expect((await rpc.call('connectors.get', { id: 'e2e-mqtt' })).error?.code).toBe('NOT_FOUND');
    rpc.close();
    expect(pageErrors).toEqual([]);
  });
});
