/**
 * The flash service's health check on a simulated MCUboot device over a real socat pty:
 * after the new image boots, what the device prints on its UART beside SMP (JSON
 * telemetry, simulated-telemetry.ts) goes through the real ingest (validator with the
 * device's profile, SQLite store) and is judged. Sane readings: confirmed. Readings the
 * validator flags, or none within the window: not confirmed, reset so MCUboot reverts,
 * "health check failed: <reason>" in the result and the audit log.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { quietLogger } from '../connectors/ble/test-helpers';
import { IngestPipeline } from '../ingest/pipeline';
import { ReadingValidator } from '../ingest/validate';
import type { DeviceProfile } from '../profiles/profile';
import { ptyPairPerTest } from '../provisioning/pty-fixture';
import { serialPortLink } from '../smp/serial-port-link';
import { SimulatedMcubootDevice } from '../smp/simulated-mcuboot-device';
import {
  type NewImageReadings,
  type SimulatedTelemetry,
  startSimulatedTelemetry,
} from '../smp/simulated-telemetry';
import { openStore, tempDataDir } from '../store/test-fixtures';
import { flashReadingsHealth } from './flash-health';
import { FlashJobFile } from './flash-job-file';
import { openSerialFlashLink } from './flash-serial-link';
import { FlashService } from './flash-service';
import { signMcubootImage } from './imgtool-sign';

const ENV: DeviceProfile = {
  id: 'env',
  name: 'Environment sensor',
  metrics: {
    temperature: { unit: '°C', min: -40, max: 85 },
    humidity: { unit: '%RH', min: 0, max: 100 },
  },
};

let device: SimulatedMcubootDevice | undefined;
let telemetry: SimulatedTelemetry | undefined;
let pipeline: IngestPipeline | undefined;
const fixture = ptyPairPerTest(async () => {
  telemetry?.stop();
  device?.stop();
  pipeline?.close();
  device = telemetry = pipeline = undefined;
});

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pinned = { id: 'fleet', pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
/** the hardware class the device's profile declares and the images carry (imgtool --cid) */
const ENV_CLASS = '3b0c9a61-5d2e-4f70-8a19-c6e4d2b7f058';
const image = (minor: number, size: number) =>
  signMcubootImage({
    payload: Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 6) + minor) & 0xff),
    version: { major: 1, minor, revision: 0, build: 0 },
    securityCounter: 1,
    key: pair.privateKey,
    classId: ENV_CLASS,
  });
const NEW = image(3, 12_000);

async function setup(newImage: NewImageReadings, windowMs = 5_000) {
  const devicePort = await fixture.openRaw(fixture.pair.b);
  const link = serialPortLink(devicePort);
  device = new SimulatedMcubootDevice(link, { initialImage: image(2, 3000), bufSize: 2048, rebootMs: 20 });
  telemetry = startSimulatedTelemetry(device, {
    deviceId: 'pump-7',
    everyMs: 40,
    print: (line) => link.write(Buffer.from(`${line}\r\n`)),
    newImage,
  });
  const { store } = openStore(tempDataDir('flash-health'));
  store.upsertDevice({
    id: 'pump-7',
    name: 'Pump 7',
    kind: 'pump',
    profile: 'env',
    transport: 'serial',
    connectorId: 'usb0',
  });
  const p = new IngestPipeline({ store, validator: new ReadingValidator(() => ENV), log: quietLogger() });
  pipeline = p;
  const audit = vi.fn();
  const dir = tempDataDir('flash-health-job');
  const service = new FlashService({
    jobFile: new FlashJobFile(path.join(dir, 'flash-job.json')),
    source: { list: () => [{ sha256: 'x' }], getImage: () => ({ bytes: NEW }) },
    pinnedKeys: () => [pinned],
    deviceTarget: () => ({ target: { mcuboot: { classId: ENV_CLASS } } }),
    resolveTarget: () => ({
      link: 'serial',
      path: fixture.pair.a,
      baudRate: 115_200,
      deviceId: 'pump-7',
      connectorId: 'usb0',
    }),
    holdPort: async () => () => {},
    openLink: (t) => openSerialFlashLink(t, 400),
    audit,
    health: flashReadingsHealth({
      watch: (listener) => p.onBatch((result) => listener(result.accepted)),
      ingest: (readings) => p.push(readings),
      serialFormatOf: () => 'json-lines',
      windowMs,
    }),
    log: quietLogger(),
    jobOptions: { reconnectTimeoutMs: 3000, retryMs: 50 },
  });
  const counts: number[] = [];
  service.onChange((j) => {
    if (j.step === 'health' && j.healthReadings !== undefined) counts.push(j.healthReadings);
  });
  const sha256 = createHash('sha256').update(NEW).digest('hex');
  return { service, audit, counts, store, sha256 };
}

async function finished(service: FlashService) {
  for (let i = 0; i < 400; i++) {
    const job = service.status();
    if (job?.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('flash job did not finish in 10 s');
}

describe('flash health check from readings, simulated device on a pty', () => {
  it('sane readings after the boot: confirmed, counted in the progress, stored by ingest', async () => {
    const { service, counts, store, sha256 } = await setup('sane');
    await service.start({ deviceId: 'pump-7' }, sha256);
    const job = await finished(service);
    expect(job?.result).toMatchObject({ outcome: 'installed', runningVersion: '1.3.0' });
    expect(device?.boots).toEqual(['swapped to 1.3.0 (test)']);
    expect(counts[0]).toBe(0);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(3);
    pipeline?.flush();
    expect(store.totalStored()).toBeGreaterThanOrEqual(3);
  });

  it('insane readings (a NaN sensor printed as null): not confirmed, reverted, said and audited', async () => {
    const { service, audit, sha256 } = await setup('insane');
    await service.start({ deviceId: 'pump-7' }, sha256);
    const job = await finished(service);
    expect(job?.result).toMatchObject({
      outcome: 'reverted',
      message:
        'health check failed: temperature reported no number; 1.3.0 booted but was not confirmed; the device reverted to 1.2.0',
      runningVersion: '1.2.0',
    });
    expect(device?.boots).toEqual(['swapped to 1.3.0 (test)', 'reverted to 1.2.0']);
    expect(audit).toHaveBeenCalledWith('firmware.flash.health-failed', 'pump-7', {
      sha256,
      version: '1.3.0',
      reason: 'temperature reported no number',
    });
    expect(audit).toHaveBeenCalledWith(
      'firmware.flash',
      'pump-7',
      expect.objectContaining({
        outcome: 'reverted',
        message: expect.stringMatching(/^health check failed: /),
      }),
    );
  });

  it('silent after the boot: no readings within the window, reverted', async () => {
    const { service, sha256 } = await setup('silent', 600);
    await service.start({ deviceId: 'pump-7' }, sha256);
    const job = await finished(service);
    expect(job?.result).toMatchObject({
      outcome: 'reverted',
      message:
        'health check failed: no readings within 0.6 s; 1.3.0 booted but was not confirmed; the device reverted to 1.2.0',
    });
    expect(device?.activeVersion).toBe('1.2.0');
  });

  it('the engine stopping during the health check does not confirm: the device is reverted at once', async () => {
    const { service, sha256 } = await setup('silent', 60_000);
    await service.start({ deviceId: 'pump-7' }, sha256);
    while (service.status()?.step !== 'health') await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await service.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(service.status()?.result).toMatchObject({
      outcome: 'reverted',
      message:
        'health check failed: Fieldline stopped before the readings were judged; 1.3.0 booted but was not confirmed; the device reverted to 1.2.0',
    });
    expect(device?.activeVersion).toBe('1.2.0');
  });
});
