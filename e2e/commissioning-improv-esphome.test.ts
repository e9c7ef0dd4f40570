/**
 * The identify step through the page against two Improv devices on real socat ptys, with
 * the built headless host (--no-demo) and Chromium:
 *  - a simulated device framing Improv as current ESPHome does (Improv SDK 1.2.4: one 0x00
 *    after every RPC result, counted by the frame length): identified, Improv "yes";
 *  - a device whose every Improv answer arrives with a broken checksum: the wizard says it
 *    answered with something unreadable, not that it is silent or on the wrong baud rate.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PtyPair } from '../main/engine/connectors/serial/pty-pair';
import { SimulatedProvisionableDevice } from '../main/engine/provisioning/simulated-device';
import { wizardDriver } from './commissioning-wizard';
import { type AppInBrowser, openAppInBrowser, tempDataDir } from './harness';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** RPC command 03 (device info) as a client sends it; checksum 0xe6 = sum of the bytes before it */
const ASK_INFO = hex('49 4d 50 52 4f 56 01 03 02 03 00 e6');
/** ESPHome's device-info answer ("ESPHome", "2024.6.0", "ESP32C3", "kitchen-plug", 0x00) with checksum 0xdf damaged to 0xde */
const INFO_BAD_CHECKSUM = hex(
  '49 4d 50 52 4f 56 01 04 29 03 26 07 45 53 50 48 6f 6d 65 08 32 30 32 34 2e 36 2e 30 07 45 53 50 33 32 43 33 0c 6b 69 74 63 68 65 6e 2d 70 6c 75 67 00 de 0a',
);

const ptyDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-e2e-esphome-'));
const esphomePty = new PtyPair(path.join(ptyDir, 'ttyUSB0'), path.join(ptyDir, 'esphome'));
const garbledPty = new PtyPair(path.join(ptyDir, 'ttyUSB1'), path.join(ptyDir, 'garbled'));
const device = new SimulatedProvisionableDevice({
  serialNumber: 'SN-ESPHOME-1',
  firmwareName: 'ESPHome',
  firmwareVersion: '2024.6.0',
  chipFamily: 'ESP32C3',
  model: 'kitchen-plug',
  improvFraming: 'esphome',
  logIntervalMs: 500,
});
let garbledPort: SerialPort | undefined;
let app: AppInBrowser;
const pageErrors: string[] = [];

/** The far end of the second pty answers every device-info request with the damaged frame. */
async function attachGarbledDevice(): Promise<void> {
  const port = new SerialPort({ path: garbledPty.b, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  garbledPort = port;
  let heard = Buffer.alloc(0);
  port.on('data', (chunk: Buffer) => {
    heard = Buffer.concat([heard, chunk]).subarray(-256);
    if (!heard.includes(ASK_INFO)) return;
    heard = Buffer.alloc(0);
    port.write(INFO_BAD_CHECKSUM);
  });
}

beforeAll(async () => {
  await esphomePty.start();
  await garbledPty.start();
  await device.attachSerial(esphomePty.b);
  await attachGarbledDevice();
  app = await openAppInBrowser({
    dataDir: tempDataDir('improv-esphome'),
    args: ['--no-demo'],
    viewport: { width: 1024, height: 700 },
    pageErrors,
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await device.close();
  if (garbledPort?.isOpen) await new Promise<void>((resolve) => garbledPort!.close(() => resolve()));
  await esphomePty.stop();
  await garbledPty.stop();
});

async function identifyOn(port: string) {
  const { page } = app;
  const w = wizardDriver(page);
  await page.evaluate("location.hash = '#/commission'");
  await page.getByTestId('commission-start').click();
  await page.getByTestId('wizard').waitFor({ timeout: 10_000 });
  await page.getByTestId('connect-path').fill(port);
  await w.run('connect');
  await w.done('connect');
  await w.run('identify');
  return { w, outcome: await w.settled('identify', 20_000) };
}

describe('identify against ESPHome-class Improv devices, through the page', () => {
  test('a device with ESPHome framing is identified and speaks Improv', async () => {
    const { w, outcome } = await identifyOn(esphomePty.a);
    if (outcome === 'failed') throw new Error(JSON.stringify(await w.failure('identify')));
    await w.view('identify');
    const facts = (await w.step('identify').locator('dl.facts').textContent()) ?? '';
    expect(facts).toContain('ESPHome 2024.6.0');
    expect(facts).toContain('kitchen-plug');
    expect(facts).toMatch(/Improv Wi-Fi\s*yes \(authorized\)/);
    await w.screenshot('esphome-identified');
  }, 60_000);

  test('a device whose Improv answer is garbled: named as such, no baud-rate advice', async () => {
    const { w, outcome } = await identifyOn(garbledPty.a);
    expect(outcome).toBe('failed');
    const shown = await w.failure('identify');
    expect(shown.error).toMatch(/the device answered/);
    expect(shown.error).toMatch(/checksum/);
    expect(shown.diagnosis).toMatch(/answered, but its Improv answer could not be read/);
    expect(shown.diagnosis).not.toMatch(/baud/i);
    await w.screenshot('esphome-garbled');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
