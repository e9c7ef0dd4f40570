/**
 * The SMP client through serialport on one end of a real socat pty pair, the simulated
 * MCUboot device on the other: the whole bench flashing sequence, a cable pull mid-upload
 * with resume, and MCUboot's revert when the new image is never confirmed.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ptyPairPerTest } from '../provisioning/pty-fixture';
import { buildTestImage } from './mcuboot-test-image';
import { serialPortLink } from './serial-port-link';
import { SimulatedMcubootDevice, type SimulatedMcubootOptions } from './simulated-mcuboot-device';
import { SmpClient, SmpTimeoutError } from './smp-client';
import { serialTransport } from './smp-transport';

let device: SimulatedMcubootDevice | undefined;
const fixture = ptyPairPerTest(async () => {
  device?.stop();
  device = undefined;
});

const payload = (size: number, seed: number) =>
  new Uint8Array(size).map((_, i) => (i * seed + (i >> 8)) & 0xff);
const OLD = buildTestImage(payload(4096, 7), { major: 1, minor: 0, revision: 0 });
const NEW = buildTestImage(payload(64 * 1024, 13), { major: 1, minor: 1, revision: 2, build: 5 });
/** MCUboot's SHA256 TLV is over header + payload (design.md); the helper's TLV area is the last 40 bytes */
const tlvHash = (img: Uint8Array) =>
  new Uint8Array(
    createHash('sha256')
      .update(img.subarray(0, img.length - 40))
      .digest(),
  );

async function connect(options: Partial<SimulatedMcubootOptions> = {}) {
  const devicePort = await fixture.openRaw(fixture.pair.b);
  device = new SimulatedMcubootDevice(serialPortLink(devicePort), {
    initialImage: OLD,
    bufSize: 2048,
    ...options,
  });
  const hostPort = await fixture.openRaw(fixture.pair.a);
  const client = new SmpClient(serialTransport(serialPortLink(hostPort)), { timeoutMs: 500 });
  return { client, device };
}

/** After a reset the device is gone for a moment: echo until it answers again. */
async function reconnect(client: SmpClient): Promise<void> {
  // the simulated reboot takes 30 ms; waiting first avoids spending a timeout on it
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 20; i++) {
    try {
      await client.echo('back?');
      return;
    } catch (e) {
      if (!(e instanceof SmpTimeoutError)) throw e;
    }
  }
  throw new Error('device never came back');
}

async function uploadAndTest(client: SmpClient) {
  await client.upload(NEW);
  const pending = await client.testImage(tlvHash(NEW));
  expect(pending.find((s) => s.slot === 1)).toMatchObject({
    version: '1.1.2.5',
    pending: true,
    active: false,
  });
  await client.reset();
  await reconnect(client);
}

describe('SMP over a real pty with the simulated MCUboot device', () => {
  it('echo and MCUmgr parameters, with device logs on the same UART', async () => {
    const { client } = await connect();
    expect(await client.echo('hello')).toBe('hello');
    expect(await client.mcumgrParams()).toEqual({ bufSize: 2048, bufCount: 4 });
    const [slot0] = await client.imageState();
    expect(slot0).toMatchObject({ slot: 0, version: '1.0.0', active: true, confirmed: true });
    expect(slot0?.hash).toEqual(tlvHash(OLD));
  });

  it('uploads 64 KiB, resumes after the link is cut mid-way, tests, resets, confirms', async () => {
    const { client, device } = await connect({ cutLinkAfterBytes: 30_000 });
    await expect(client.upload(NEW)).rejects.toBeInstanceOf(SmpTimeoutError);
    expect(device.linkIsCut).toBe(true);
    device.restoreLink();
    const offsets: number[] = [];
    await client.upload(NEW, { onProgress: (p) => offsets.push(p.offset) });
    // the repeated first chunk is answered with where the device stopped, not 0
    expect(offsets[0]).toBeGreaterThanOrEqual(30_000);
    expect(offsets.at(-1)).toBe(NEW.length);

    const listed = await client.imageState();
    expect(listed.find((s) => s.slot === 1)?.hash).toEqual(tlvHash(NEW));
    const pending = await client.testImage(tlvHash(NEW));
    expect(pending.find((s) => s.slot === 1)).toMatchObject({ pending: true, permanent: false });
    await client.reset();
    await reconnect(client);
    const booted = await client.imageState();
    expect(booted.find((s) => s.slot === 0)).toMatchObject({
      version: '1.1.2.5',
      active: true,
      confirmed: false,
    });
    expect(booted.find((s) => s.slot === 0)?.hash).toEqual(tlvHash(NEW));

    const confirmed = await client.confirm();
    expect(confirmed.find((s) => s.slot === 0)).toMatchObject({
      version: '1.1.2.5',
      active: true,
      confirmed: true,
    });
    await client.reset();
    await reconnect(client);
    expect((await client.imageState()).find((s) => s.active)?.version).toBe('1.1.2.5');
  });

  it('reverts to the old image when the new one is reset without confirm', async () => {
    const { client, device } = await connect();
    await uploadAndTest(client);
    expect((await client.imageState()).find((s) => s.slot === 0)).toMatchObject({
      version: '1.1.2.5',
      confirmed: false,
    });
    await client.reset();
    await reconnect(client);
    const after = await client.imageState();
    expect(after.find((s) => s.slot === 0)).toMatchObject({
      version: '1.0.0',
      active: true,
      confirmed: true,
    });
    expect(device.boots).toEqual(['swapped to 1.1.2.5 (test)', 'reverted to 1.0.0']);
  });

  it('keeps the old image when the new one does not boot', async () => {
    const { client, device } = await connect({ newImageFailsToBoot: true });
    await uploadAndTest(client);
    expect((await client.imageState()).find((s) => s.active)).toMatchObject({
      version: '1.0.0',
      confirmed: true,
    });
    expect(device.boots).toEqual(['1.1.2.5 failed to boot, reverted to 1.0.0']);
  });

  it('confirm with a hash marks the uploaded image permanent; erase of a pending slot is refused', async () => {
    const { client } = await connect();
    await client.upload(NEW);
    const state = await client.confirm(tlvHash(NEW));
    expect(state.find((s) => s.slot === 1)).toMatchObject({ pending: true, permanent: true });
    await expect(client.erase()).rejects.toMatchObject({ code: 'MGMT_ERR_EBADSTATE' });
    await client.reset();
    await reconnect(client);
    expect((await client.imageState()).find((s) => s.slot === 0)).toMatchObject({
      version: '1.1.2.5',
      confirmed: true,
    });
  });

  it('a slow flash still completes, progress reporting the rate it managed', async () => {
    const { client } = await connect({ flashDelayMs: 40 });
    const small = buildTestImage(payload(8000, 3), { major: 2, minor: 0, revision: 0 });
    const rates: number[] = [];
    const started = Date.now();
    await client.upload(small, { onProgress: (p) => rates.push(p.bytesPerSecond) });
    const seconds = (Date.now() - started) / 1000;
    // 4 chunks of ≤ 2044-byte packets at ≥ 40 ms each
    expect(seconds).toBeGreaterThanOrEqual(0.16);
    expect(rates.at(-1)).toBeGreaterThan(0);
    expect(rates.at(-1)).toBeLessThanOrEqual(small.length / 0.16);
  });

  it('refuses a file that is not an MCUboot image on the first chunk and an unknown hash', async () => {
    const { client } = await connect();
    await expect(client.upload(new Uint8Array(1000).fill(1))).rejects.toMatchObject({
      code: 'IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC',
    });
    await expect(client.testImage(new Uint8Array(32))).rejects.toMatchObject({
      code: 'IMG_MGMT_ERR_HASH_NOT_FOUND',
    });
  });
});
