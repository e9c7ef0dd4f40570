/**
 * The flash service with a real firmware store, imgtool-format signed images, a real pty
 * and the simulated MCUboot device: refusals before any byte reaches the device, the
 * audited result, the connector on the port paused and restarted, and a job left
 * "running" in the job file (an engine that died) shown as interrupted and resumed.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { quietLogger } from '../connectors/ble/test-helpers';
import { ptyPairPerTest } from '../provisioning/pty-fixture';
import { serialPortLink } from '../smp/serial-port-link';
import { SimulatedMcubootDevice } from '../smp/simulated-mcuboot-device';
import { ESP32_APP } from './esp-app-vectors';
import { FirmwareStore } from './firmware-store';
import { FlashJobFile } from './flash-job-file';
import { openSerialFlashLink } from './flash-serial-link';
import type { FirmwareSource } from './flash-service';
import { FlashService, type FlashServiceDeps } from './flash-service';
import { signMcubootImage } from './imgtool-sign';
import type { PinnedKey } from './verify-image';

/** the files of a content-addressed store as the image source (the engine uses the library) */
function storeFirmwareSource(dir: string): FirmwareSource {
  const store = new FirmwareStore(dir);
  return {
    list: async () => (await store.list()).map((sha256) => ({ sha256 })),
    getImage: async (sha256) => {
      const got = await store.get(sha256);
      return got.ok ? { bytes: got.value } : undefined;
    },
  };
}

let device: SimulatedMcubootDevice | undefined;
const fixture = ptyPairPerTest(async () => {
  device?.stop();
  device = undefined;
});

function key(): { priv: KeyObject; pinned: PinnedKey } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    priv: pair.privateKey,
    pinned: { id: 'fleet', pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  };
}
const fleet = key();
const stranger = key();
const payload = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 7)) & 0xff);
/** the pump's hardware class, as its profile declares it and imgtool --cid writes it */
const PUMP_CLASS = '6f1e0c52-3a9d-5b7e-9c41-2d8f4b6a0e13';
const image = (minor: number, signer = fleet, size = 24_000, classId: string | undefined = PUMP_CLASS) =>
  signMcubootImage({
    payload: payload(size),
    version: { major: 1, minor, revision: 0, build: 0 },
    securityCounter: 1,
    key: signer.priv,
    ...(classId ? { classId } : {}),
  });

async function setup(initialMinor = 2, flashDelayMs = 2, slotSize?: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-flash-'));
  const store = new FirmwareStore(path.join(dir, 'firmware'));
  const devicePort = await fixture.openRaw(fixture.pair.b);
  let deviceBytes = 0;
  devicePort.on('data', (b: Buffer) => {
    deviceBytes += b.length;
  });
  device = new SimulatedMcubootDevice(serialPortLink(devicePort), {
    initialImage: image(initialMinor),
    bufSize: 2048,
    flashDelayMs,
    ...(slotSize === undefined ? {} : { slotSize }),
  });
  const audit = vi.fn();
  const opened = vi.fn();
  const connector = { stopped: 0, started: 0 };
  const jobFile = new FlashJobFile(path.join(dir, 'flash-job.json'));
  const deps: FlashServiceDeps = {
    jobFile,
    source: storeFirmwareSource(path.join(dir, 'firmware')),
    pinnedKeys: () => [fleet.pinned],
    resolveTarget: () => ({
      link: 'serial',
      path: fixture.pair.a,
      baudRate: 115_200,
      deviceId: 'pump-7',
      connectorId: 'usb0',
    }),
    deviceTarget: () => ({ target: { mcuboot: { classId: PUMP_CLASS.toUpperCase() } } }),
    holdPort: async () => {
      connector.stopped++;
      return () => connector.started++;
    },
    openLink: (t) => {
      opened();
      return openSerialFlashLink(t, 400);
    },
    audit,
    log: quietLogger(),
    jobOptions: { reconnectTimeoutMs: 3000, retryMs: 50 },
  };
  const service = new FlashService(deps);
  return { dir, store, service, deps, audit, opened, connector, jobFile, bytesAtDevice: () => deviceBytes };
}

async function finished(service: FlashService) {
  for (let i = 0; i < 200; i++) {
    const job = service.status();
    if (job?.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('flash job did not finish in 5 s');
}

describe('flash service', () => {
  it('flashes a signed image, pausing the port connector, and audits the result', async () => {
    const { store, service, audit, connector } = await setup();
    const { sha256 } = await store.put(image(3));
    const steps: (string | null)[] = [];
    service.onChange((j) => steps.push(j.step));
    const started = await service.start({ deviceId: 'pump-7' }, sha256);
    expect(started).toMatchObject({ state: 'running', version: '1.3.0', deviceId: 'pump-7' });
    const job = await finished(service);
    expect(job?.result).toMatchObject({ outcome: 'installed', runningVersion: '1.3.0' });
    expect(steps).toContain('confirming');
    expect(connector).toEqual({ stopped: 1, started: 1 });
    expect(audit).toHaveBeenCalledWith('firmware.flash.start', 'pump-7', expect.objectContaining({ sha256 }));
    expect(audit).toHaveBeenCalledWith(
      'firmware.flash',
      'pump-7',
      expect.objectContaining({ sha256, outcome: 'installed', message: '1.3.0 is installed and confirmed' }),
    );
    expect(device?.activeVersion).toBe('1.3.0');
  });

  it('refuses an image signed by an unpinned key before the port is opened', async () => {
    const { store, service, audit, opened, bytesAtDevice } = await setup();
    const { sha256 } = await store.put(image(3, stranger));
    const refused = await service.start({ deviceId: 'pump-7' }, sha256).catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'INVALID_PARAMS' });
    expect((refused as Error).message).toMatch(
      /^image refused, nothing was sent to the device: image is signed with a key that is not pinned \(key hash [0-9a-f]{64}\)$/,
    );
    expect(opened).not.toHaveBeenCalled();
    expect(bytesAtDevice()).toBe(0);
    expect(audit).toHaveBeenCalledWith(
      'firmware.flash.refused',
      'pump-7',
      expect.objectContaining({ sha256 }),
    );
    const listed = await service.images();
    expect(listed).toEqual([
      expect.objectContaining({
        sha256,
        compatible: false,
        reason: expect.stringMatching(/^image is signed with a key that is not pinned/),
      }),
    ]);
  });

  it('refuses a downgrade once the device says what it runs, before any image byte', async () => {
    const { store, service } = await setup(5);
    const { sha256 } = await store.put(image(3));
    await service.start({ deviceId: 'pump-7' }, sha256);
    const job = await finished(service);
    expect(job?.result).toMatchObject({
      outcome: 'failed',
      message:
        'image refused, nothing was sent to the device: version 1.3.0+0 is older than the installed 1.5.0+0',
    });
    expect(job?.progress).toBeNull();
    const link = await openSerialFlashLink({ path: fixture.pair.a, baudRate: 115_200 });
    expect(await link.client.imageState()).toHaveLength(1);
    await link.close();
  });

  it('refuses an image too big for the device slot (slot info) before any image byte', async () => {
    const { store, service } = await setup(2, 2, 32 * 1024);
    const big = image(3, fleet, 40_000);
    const { sha256 } = await store.put(big);
    await service.start({ deviceId: 'pump-7' }, sha256);
    const job = await finished(service);
    expect(job?.result).toMatchObject({
      outcome: 'failed',
      message: `image refused, nothing was sent to the device: image size ${big.length} exceeds slot size 32768`,
    });
    expect(job?.progress).toBeNull();
  });

  it('refuses an image for other hardware before the port is opened, and lists it as not offered', async () => {
    const { store, service, audit, opened, bytesAtDevice } = await setup();
    const other = '11111111-2222-5333-8444-555555555555';
    const { sha256 } = await store.put(image(3, fleet, 24_000, other));
    const refused = await service
      .start({ deviceId: 'pump-7' }, sha256, { allowUnknownTarget: true })
      .catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'INVALID_PARAMS' });
    expect((refused as Error).message).toBe(
      `image refused, nothing was sent to the device: wrong target: the image is for hardware class ${other}, the device is hardware class ${PUMP_CLASS}`,
    );
    expect(opened).not.toHaveBeenCalled();
    expect(bytesAtDevice()).toBe(0);
    expect(audit).toHaveBeenCalledWith(
      'firmware.flash.refused',
      'pump-7',
      expect.objectContaining({ sha256, reason: expect.stringMatching(/^wrong target: /) }),
    );
    expect(await service.images({ deviceId: 'pump-7' })).toEqual([
      expect.objectContaining({ sha256, compatible: false, target: 'incompatible' }),
    ]);
  });

  it('an ESP-IDF image is not offered for SMP flashing, in plain words', async () => {
    const { store, service } = await setup();
    const { sha256 } = await store.put(ESP32_APP);
    expect(await service.images({ deviceId: 'pump-7' })).toEqual([
      expect.objectContaining({
        sha256,
        compatible: false,
        reason:
          'an ESP-IDF app image: SMP flashing takes MCUboot images (send ESP-IDF images with a rollout)',
      }),
    ]);
  });

  it('an image naming no hardware needs the explicit override, which is audited and kept for resume', async () => {
    const { store, service, audit, opened } = await setup();
    const { sha256 } = await store.put(image(3, fleet, 24_000, ''));
    const listed = await service.images({ deviceId: 'pump-7' });
    expect(listed).toEqual([
      expect.objectContaining({
        sha256,
        compatible: true,
        target: 'unknown',
        targetReason: 'the image names no hardware (no protected UUID_CID TLV, imgtool --cid)',
      }),
    ]);
    const refused = await service.start({ deviceId: 'pump-7' }, sha256).catch((e: Error) => e);
    expect((refused as Error).message).toBe(
      'image refused, nothing was sent to the device: target unknown: the image names no hardware (no protected UUID_CID TLV, imgtool --cid); flash it only with an explicit override',
    );
    expect(opened).not.toHaveBeenCalled();

    const started = await service.start({ deviceId: 'pump-7' }, sha256, { allowUnknownTarget: true });
    expect(started.targetOverride).toBe(
      'the image names no hardware (no protected UUID_CID TLV, imgtool --cid)',
    );
    expect(audit).toHaveBeenCalledWith(
      'firmware.flash.start',
      'pump-7',
      expect.objectContaining({ sha256, targetOverride: started.targetOverride }),
    );
    expect((await finished(service))?.result?.outcome).toBe('installed');
  });

  it('a job left running by a dead engine is interrupted on restart; resume continues from the device offset', async () => {
    const first = await setup(2, 20);
    const big = image(4, fleet, 60_000);
    const { sha256 } = await first.store.put(big);
    // stop the first service's job mid-upload the way a crash would: the job file says running
    let killedAt = 0;
    const unsubscribe = first.service.onChange((j) => {
      if ((j.progress?.offset ?? 0) > 20_000 && !killedAt) killedAt = j.progress?.offset ?? 0;
    });
    await first.service.start({ deviceId: 'pump-7' }, sha256);
    while (!killedAt) await new Promise((r) => setTimeout(r, 10));
    unsubscribe();
    const saved = first.jobFile.read();
    await first.service.close(); // stops the upload; the file is then rewritten as a crash would leave it
    first.jobFile.write({ ...(saved ?? (first.service.status() as never)), state: 'running' });

    const again = new FlashService(first.deps);
    expect(again.status()).toMatchObject({ state: 'interrupted', sha256 });
    await again.resume();
    const job = await finished(again);
    expect(job?.result?.outcome).toBe('installed');
    expect(job?.result?.firstOffset).toBeGreaterThanOrEqual(killedAt);
    expect(device?.activeVersion).toBe('1.4.0');
  });

  it('cancel before the test mark stops with nothing changed; resume is refused while running', async () => {
    const { store, service } = await setup();
    const { sha256 } = await store.put(image(6, fleet, 80_000));
    await service.start({ port: fixture.pair.a }, sha256);
    await expect(service.start({ port: fixture.pair.a }, sha256)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    await expect(service.resume()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    while ((service.status()?.progress?.offset ?? 0) === 0) await new Promise((r) => setTimeout(r, 10));
    service.cancel();
    const job = await finished(service);
    expect(job?.result).toMatchObject({ outcome: 'cancelled', runningVersion: '1.2.0' });
    expect(device?.boots).toEqual([]);
  });
});
