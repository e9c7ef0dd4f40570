/**
 * Firmware history from local flashing, through the real engine's RPC: a simulated MCUboot
 * device on a real socat pty that also prints JSON telemetry (so it is a registry device
 * behind a serial connector), an imgtool-format image imported into the firmware library,
 * flash.start by device id. After an installed flash the history has the entry and the
 * registry shows the new version; an image that does not boot leaves a "reverted" entry
 * from the version the device went back to, and the registry keeps it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, test } from 'vitest';
import type { FirmwareHistoryEntry } from '../../../common/device-history-contract';
import { PtyPair } from '../connectors/serial/pty-pair';
import { createEngine, type Engine } from '../engine';
import { signMcubootImage } from '../firmware/imgtool-sign';
import { createLogger } from '../log';
import { serialPortLink } from '../smp/serial-port-link';
import { SimulatedMcubootDevice } from '../smp/simulated-mcuboot-device';
import { startSimulatedTelemetry } from '../smp/simulated-telemetry';
import { rawClient, transportPair } from '../test-transport';

const log = createLogger({ level: 'silent' });
const fleetKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const image = (minor: number, size: number) =>
  signMcubootImage({
    payload: Uint8Array.from({ length: size }, (_, i) => (i * 29 + minor) & 0xff),
    version: { major: 2, minor, revision: 0, build: 0 },
    securityCounter: 1,
    key: fleetKey.privateKey,
  });

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

type Reply = { result?: unknown; error?: { code: string; message: string } };

async function start() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-fw-history-'));
  const engine: Engine = await createEngine({ dataDir, demo: false, host: 'test', log });
  cleanup.push(() => engine.close());
  const [server, client] = transportPair();
  engine.connect(server);
  const raw = rawClient(client);
  const call = async <T>(method: string, params?: unknown): Promise<T> => {
    const reply = (await raw.call(method, params)) as Reply;
    if (reply.error) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
    return reply.result as T;
  };
  await call('firmware.keys.add', {
    name: 'fleet',
    pem: fleetKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  const imported = await call<{ image: { sha256: string } }>('firmware.import', {
    fileName: 'app-2.3.0.bin',
    dataBase64: Buffer.from(image(3, 6000)).toString('base64'),
  });
  return { dataDir, call, raw, sha256: imported.image.sha256 };
}

/** A bench device on its own pty with a serial connector, in the fleet once its telemetry is seen. */
async function plug(
  s: Awaited<ReturnType<typeof start>>,
  id: string,
  options: { newImageFailsToBoot?: boolean } = {},
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-fw-history-pty-'));
  const pty = new PtyPair(path.join(dir, 'host'), path.join(dir, 'device'));
  await pty.start();
  cleanup.push(() => pty.stop());
  const port = new SerialPort({ path: pty.b, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  cleanup.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  const device = new SimulatedMcubootDevice(serialPortLink(port), {
    initialImage: image(1, 3000),
    bufSize: 2048,
    flashDelayMs: 1,
    ...options,
  });
  cleanup.push(() => device.stop());
  // the application's readings after each boot: the flash health check waits for them
  const telemetry = startSimulatedTelemetry(device, {
    deviceId: id,
    everyMs: 50,
    print: (line) => new Promise<void>((resolve) => port.write(`${line}\r\n`, () => resolve())),
  });
  cleanup.push(() => telemetry.stop());
  await s.call('connectors.add', {
    kind: 'serial',
    config: { id: `bench-${id}`, path: pty.a, format: 'json-lines', deviceId: id },
  });
  await until(`${id} in the fleet`, async () => {
    port.write(`${JSON.stringify({ dev: id, temperature: 21.5 })}\r\n`);
    return (await s.call<{ id: string }[]>('devices.list')).some((d) => d.id === id);
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function flash(s: Awaited<ReturnType<typeof start>>, deviceId: string) {
  // the bench device has no profile that names its hardware: the operator's override
  await s.call('flash.start', { target: { deviceId }, sha256: s.sha256, allowUnknownTarget: true });
  let outcome = '';
  await until(
    'the flash to end',
    async () => {
      const job = await s.call<{ result: { outcome: string } | null }>('flash.status');
      outcome = job.result?.outcome ?? '';
      return outcome !== '';
    },
    12_000,
  );
  return outcome;
}

describe('firmware history from flashing (real engine, pty, simulated MCUboot device)', () => {
  test('an installed flash is in the history and the registry shows the new version', async () => {
    const s = await start();
    await plug(s, 'pump-7');
    expect(await s.call('devices.firmwareHistory', { deviceId: 'pump-7' })).toEqual([]);
    expect(await flash(s, 'pump-7')).toBe('installed');
    const history = await s.call<FirmwareHistoryEntry[]>('devices.firmwareHistory', { deviceId: 'pump-7' });
    expect(history).toEqual([
      {
        seq: expect.any(Number),
        at: expect.any(Number),
        source: 'flash',
        campaignId: null,
        campaignName: null,
        // the registry had no version for a device it only saw reporting telemetry
        fromVersion: null,
        toVersion: '2.3.0',
        sha256: s.sha256,
        outcome: 'installed',
        reason: null,
      },
    ]);
    const device = await s.call<{ firmwareVersion: string | null }>('registry.get', { deviceId: 'pump-7' });
    expect(device.firmwareVersion).toBe('2.3.0');
  }, 20_000);

  test('an image that does not boot: a reverted entry from the version the device runs again', async () => {
    const s = await start();
    await plug(s, 'pump-8', { newImageFailsToBoot: true });
    expect(await flash(s, 'pump-8')).toBe('reverted');
    const [entry] = await s.call<FirmwareHistoryEntry[]>('devices.firmwareHistory', { deviceId: 'pump-8' });
    expect(entry).toMatchObject({
      source: 'flash',
      fromVersion: '2.1.0',
      toVersion: '2.3.0',
      outcome: 'reverted',
    });
    expect(entry?.reason).toMatch(/reverted to 2\.1\.0/);
    const device = await s.call<{ firmwareVersion: string | null }>('registry.get', { deviceId: 'pump-8' });
    expect(device.firmwareVersion).toBe('2.1.0');
  }, 20_000);

  test('the RPC refuses an unknown device and malformed parameters', async () => {
    const s = await start();
    const unknown = (await s.raw.call('devices.firmwareHistory', { deviceId: 'ghost' })) as Reply;
    expect(unknown.error).toMatchObject({ code: 'NOT_FOUND', message: 'no device "ghost"' });
    for (const params of [{}, { deviceId: '' }, { deviceId: 'a', limit: 0 }, { deviceId: 'a', extra: 1 }]) {
      const reply = (await s.raw.call('devices.firmwareHistory', params)) as Reply;
      expect(reply.error?.code, JSON.stringify(params)).toBe('INVALID_PARAMS');
    }
  });
});
