/**
 * Flashing over Bluetooth LE through the flash service: real noble (with-bindings) on the
 * simulated BLE adapter, the real BLE connector auto-connecting the device as the engine's
 * does, the simulated MCUboot device serving SMP on its GATT characteristic
 * (smp-ble-simulated-device.ts), imgtool-format signed images checked against the pinned key.
 * The same flash job as over serial: success, an image that does not boot (reverted), a
 * link dropped mid-upload (Resume continues from the device's offset), and the health check
 * on the device's sensor notifications through the real ingest (insane or silent after the
 * boot: not confirmed, reverted).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BleConnector, createBleConnector } from '../connectors/ble/ble-connector';
import type { SimulatedBleBinding } from '../connectors/ble/simulated-binding';
import {
  nobleWithSimulatedBinding,
  quietLogger,
  recordingSink,
  waitFor,
} from '../connectors/ble/test-helpers';
import { IngestPipeline } from '../ingest/pipeline';
import { ReadingValidator } from '../ingest/validate';
import type { NewImageReadings } from '../smp/simulated-telemetry';
import { SimulatedBleMcuboot } from '../smp/smp-ble-simulated-device';
import { openStore, tempDataDir } from '../store/test-fixtures';
import { findBleDevice, findBlePeripheral, openBleFlashLink } from './flash-ble-link';
import { flashReadingsHealth } from './flash-health';
import { FlashJobFile } from './flash-job-file';
import { FlashService } from './flash-service';
import { signMcubootImage } from './imgtool-sign';

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pinned = { id: 'fleet', pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
/** the sensor's hardware class (UUID_CID, imgtool --cid) as its profile declares it */
const SENSOR_CLASS = '0b7c3e55-1f2a-5d88-a6b0-93c4e1d27f60';
const image = (minor: number, size = 24_000) =>
  signMcubootImage({
    payload: Uint8Array.from({ length: size }, (_, i) => (i * 13 + (i >> 8) + minor) & 0xff),
    version: { major: 1, minor, revision: 0, build: 0 },
    securityCounter: 1,
    key: pair.privateKey,
    classId: SENSOR_CLASS,
  });

let binding: SimulatedBleBinding | undefined;
let connector: BleConnector | undefined;
let sim: SimulatedBleMcuboot | undefined;
let pipeline: IngestPipeline | undefined;

afterEach(async () => {
  await connector?.stop();
  sim?.stop();
  binding?.close();
  pipeline?.close();
  binding = connector = sim = pipeline = undefined;
});

/** the engine's ingest on a real SQLite file: readings validated (no profile: the GATT decoder's quality) and stored */
function ingest() {
  const { store } = openStore(tempDataDir('flash-ble-health'));
  pipeline = new IngestPipeline({
    store,
    validator: new ReadingValidator(() => undefined),
    log: quietLogger(),
  });
  return { store, pipeline };
}

async function setup(
  options: {
    newImageFailsToBoot?: boolean;
    flashDelayMs?: number;
    /** with it, the health check judges the device's readings through ingest */
    health?: { newImageReadings: NewImageReadings; windowMs: number };
  } = {},
) {
  const { health, ...deviceOptions } = options;
  const n = nobleWithSimulatedBinding({ peripherals: [] });
  binding = n.binding;
  sim = new SimulatedBleMcuboot(binding, {
    address: 'c0:ff:ee:00:30:01',
    name: 'Zephyr MCUboot',
    initialImage: image(2, 3000),
    bufSize: 2475,
    bufCount: 4,
    rebootMs: 20,
    ...deviceOptions,
    ...(health ? { newImageReadings: health.newImageReadings } : {}),
  });
  const recorded = recordingSink();
  const engineIngest = health && ingest();
  const sink: typeof recorded = {
    ...recorded,
    deviceSeen: (d) => {
      engineIngest?.store.upsertDevice(d);
      recorded.deviceSeen(d);
    },
    readings: (b) => {
      recorded.readings(b);
      engineIngest?.pipeline.push(b);
    },
  };
  // the engine's connectors connect what they see and reconnect it after the reset
  connector = createBleConnector(
    { id: 'ble-bench', gattTimeoutMs: 2_000, connectTimeoutMs: 2_000 },
    sink,
    quietLogger(),
    () => n.noble,
  );
  connector.start();
  const peripheralId = sim.peripheralId;
  await waitFor('the device registered', () => sink.devices.some((d) => d.transport === 'ble'));
  const deviceId = sink.devices[0]?.id as string;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-flash-ble-'));
  const images = new Map<string, Uint8Array>();
  const audit = vi.fn();
  const ble = connector;
  const service = new FlashService({
    jobFile: new FlashJobFile(path.join(dir, 'flash-job.json')),
    source: {
      list: () => [...images.keys()].map((sha256) => ({ sha256 })),
      getImage: (sha256) => {
        const bytes = images.get(sha256);
        return bytes && { bytes };
      },
    },
    pinnedKeys: () => [pinned],
    // as flash-wiring resolves them
    resolveTarget: (t) => {
      const found =
        t.deviceId !== undefined
          ? findBleDevice(ble, { id: t.deviceId, name: t.deviceId })
          : findBlePeripheral([ble], t.peripheralId ?? '');
      return {
        link: 'ble',
        path: found?.peripheralId ?? '',
        baudRate: 0,
        deviceId: t.deviceId ?? null,
        connectorId: ble.id,
      };
    },
    deviceTarget: () => ({ target: { mcuboot: { classId: SENSOR_CLASS } } }),
    holdPort: async () => () => {},
    openLink: (t) => openBleFlashLink({ connector: ble, peripheralId: t.path }, 1000),
    audit,
    ...(engineIngest && health
      ? {
          health: flashReadingsHealth({
            watch: (listener) => engineIngest.pipeline.onBatch((r) => listener(r.accepted)),
            ingest: (readings) => engineIngest.pipeline.push(readings),
            serialFormatOf: () => undefined,
            windowMs: health.windowMs,
          }),
        }
      : {}),
    log: quietLogger(),
    jobOptions: { reconnectTimeoutMs: 5000, retryMs: 50 },
  });
  const add = async (bytes: Uint8Array) => {
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    images.set(sha256, bytes);
    return sha256;
  };
  return { service, peripheralId, deviceId, audit, add };
}

async function finished(service: FlashService) {
  for (let i = 0; i < 400; i++) {
    const job = service.status();
    if (job?.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('flash job did not finish in 10 s');
}

describe('flash service over Bluetooth LE', () => {
  it('flashes a registered BLE device: upload in MTU-sized writes, test, reset, reconnect, confirm (simulated BLE adapter)', async () => {
    const { service, deviceId, peripheralId, audit, add } = await setup();
    const bytes = image(3, 40_000);
    const sha256 = await add(bytes);
    const steps = new Set<string | null>();
    service.onChange((j) => steps.add(j.step));
    const started = await service.start({ deviceId }, sha256);
    expect(started).toMatchObject({ link: 'ble', port: peripheralId, baudRate: 0, deviceId });
    const job = await finished(service);
    expect(job?.result).toMatchObject({ outcome: 'installed', runningVersion: '1.3.0' });
    // one packet of buf_size 2475 cut to ten whole 244-byte writes at MTU 247, less header and CBOR
    expect(job?.result?.firstOffset).toBeGreaterThan(2300);
    expect(job?.result?.firstOffset).toBeLessThan(2440);
    expect([...steps]).toEqual(
      expect.arrayContaining([
        'uploading',
        'marking',
        'resetting',
        'reconnecting',
        'verifying',
        'confirming',
      ]),
    );
    expect(job?.progress).toMatchObject({ offset: bytes.length, total: bytes.length });
    expect(sim?.device.boots).toEqual(['swapped to 1.3.0 (test)']);
    expect(sim?.device.activeVersion).toBe('1.3.0');
    // the whole job, state reads and reset included, against ATT MTU − 3 = 244 bytes per write (measured 228.5)
    expect(bytes.length / (sim?.stats.writes ?? Number.POSITIVE_INFINITY)).toBeGreaterThan(0.9 * 244);
    expect(sim?.stats.oversizedWrites).toBe(0);
    expect(sim?.stats.droppedPackets).toBe(0);
    expect(audit).toHaveBeenCalledWith(
      'firmware.flash',
      deviceId,
      expect.objectContaining({ link: 'ble', outcome: 'installed', sha256 }),
    );
  });

  it('an image that does not boot is reported reverted (simulated BLE adapter)', async () => {
    const { service, peripheralId, add } = await setup({ newImageFailsToBoot: true });
    await service.start({ peripheralId }, await add(image(3)));
    const job = await finished(service);
    expect(job?.result).toMatchObject({
      outcome: 'reverted',
      message: 'the new image 1.3.0 did not boot; the device reverted to 1.2.0',
      runningVersion: '1.2.0',
    });
    expect(sim?.device.boots).toEqual(['1.3.0 failed to boot, reverted to 1.2.0']);
  });

  it('a link dropped mid-upload fails clearly; Resume continues from the device offset (simulated BLE adapter)', async () => {
    // ~50 packets of 20 ms: progress (every 200 ms) passes a quarter well before the end
    const { service, peripheralId, add } = await setup({ flashDelayMs: 20 });
    const big = image(4, 120_000);
    const sha256 = await add(big);
    let droppedAt = 0;
    service.onChange((j) => {
      const offset = j.progress?.offset ?? 0;
      if (!droppedAt && offset > big.length / 4) {
        droppedAt = offset;
        binding?.outOfRange(peripheralId);
      }
    });
    await service.start({ peripheralId }, sha256);
    const cut = await finished(service);
    expect(cut?.result?.outcome).toBe('failed');
    expect(cut?.result?.message).toMatch(/Bluetooth link lost|stopped answering/);
    expect(sim?.device.boots).toEqual([]);

    binding?.backInRange(peripheralId);
    await service.resume();
    const job = await finished(service);
    expect(job?.result?.outcome).toBe('installed');
    // the device had kept what it received: the upload went on from there, not from 0
    expect(job?.result?.firstOffset).toBeGreaterThanOrEqual(droppedAt);
    expect(sim?.device.activeVersion).toBe('1.4.0');
  });

  it('a peripheral without the SMP service, or one no connector sees, is a clear error (simulated BLE adapter)', async () => {
    const { service, add } = await setup();
    const sha256 = await add(image(3));
    await expect(service.start({ peripheralId: 'nobody' }, sha256)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no Bluetooth connector sees the peripheral "nobody"',
    });
    const plainId = binding?.addPeripheral({ address: 'c0:ff:ee:00:30:02', name: 'Sensor' }) as string;
    await waitFor('the sensor seen', () => connector?.peripherals().some((p) => p.id === plainId) ?? false);
    await service.start({ peripheralId: plainId }, sha256);
    const job = await finished(service);
    expect(job?.result).toMatchObject({
      outcome: 'failed',
      message:
        'flashing failed: the device has no SMP service (mcumgr over Bluetooth: CONFIG_MCUMGR_TRANSPORT_BT in its firmware)',
    });
    expect(sim?.device.boots).toEqual([]);
  });

  it('health check on the sensor notifications: sane after the boot, confirmed (simulated BLE adapter)', async () => {
    const { service, deviceId, add } = await setup({ health: { newImageReadings: 'sane', windowMs: 5000 } });
    const counts: number[] = [];
    service.onChange((j) => {
      if (j.step === 'health' && j.healthReadings !== undefined) counts.push(j.healthReadings);
    });
    await service.start({ deviceId }, await add(image(3)));
    const job = await finished(service);
    expect(job?.result).toMatchObject({ outcome: 'installed', runningVersion: '1.3.0' });
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(3);
  });

  it('health check: a temperature the GATT spec prohibits after the boot, not confirmed, reverted (simulated BLE adapter)', async () => {
    const { service, deviceId, add, audit } = await setup({
      health: { newImageReadings: 'insane', windowMs: 5000 },
    });
    await service.start({ deviceId }, await add(image(3)));
    const job = await finished(service);
    expect(job?.result).toMatchObject({
      outcome: 'reverted',
      message:
        'health check failed: temperature reported a value its specification prohibits; 1.3.0 booted but was not confirmed; the device reverted to 1.2.0',
    });
    expect(sim?.device.boots).toEqual(['swapped to 1.3.0 (test)', 'reverted to 1.2.0']);
    expect(audit).toHaveBeenCalledWith(
      'firmware.flash.health-failed',
      deviceId,
      expect.objectContaining({ reason: 'temperature reported a value its specification prohibits' }),
    );
  });

  it('health check: silent after the boot, reverted when the window ends (simulated BLE adapter)', async () => {
    const { service, deviceId, add } = await setup({ health: { newImageReadings: 'silent', windowMs: 600 } });
    await service.start({ deviceId }, await add(image(3)));
    const job = await finished(service);
    expect(job?.result).toMatchObject({
      outcome: 'reverted',
      message:
        'health check failed: no readings within 0.6 s; 1.3.0 booted but was not confirmed; the device reverted to 1.2.0',
    });
    expect(sim?.device.activeVersion).toBe('1.2.0');
  });
});
