/**
 * The flashing sequence on a real socat pty with the simulated MCUboot device on the far
 * end: the happy path, an image that does not boot (MCUboot reverts), a failed health
 * check (reset so MCUboot reverts), a cable pull mid-upload and the resume, a slow flash,
 * a device that never comes back, an image already there, and cancel before and after
 * the test mark.
 */
import { describe, expect, it } from 'vitest';
import { ptyPairPerTest } from '../provisioning/pty-fixture';
import { buildTestImage, readImageIdentity } from '../smp/mcuboot-test-image';
import { serialPortLink } from '../smp/serial-port-link';
import { SimulatedMcubootDevice, type SimulatedMcubootOptions } from '../smp/simulated-mcuboot-device';
import { type FlashImage, type FlashJobDeps, type FlashStep, runFlashJob } from './flash-job';
import { openSerialFlashLink } from './flash-serial-link';

let device: SimulatedMcubootDevice | undefined;
const fixture = ptyPairPerTest(async () => {
  device?.stop();
  device = undefined;
});

const payload = (size: number, seed: number) =>
  new Uint8Array(size).map((_, i) => (i * seed + (i >> 8)) & 0xff);
const OLD = buildTestImage(payload(4096, 7), { major: 1, minor: 2, revision: 0 });
const NEW = buildTestImage(payload(48 * 1024, 13), { major: 1, minor: 3, revision: 0 });

function flashImage(bytes: Uint8Array): FlashImage {
  const id = readImageIdentity(bytes);
  if (!id) throw new Error('test image is not an MCUboot image');
  return { bytes, version: id.version, imageHash: id.hash };
}

async function start(options: Partial<SimulatedMcubootOptions> = {}) {
  const port = await fixture.openRaw(fixture.pair.b);
  const d = new SimulatedMcubootDevice(serialPortLink(port), {
    initialImage: OLD,
    bufSize: 2048,
    ...options,
  });
  device = d;
  return d;
}

function deps(extra: Partial<FlashJobDeps> = {}) {
  const steps: FlashStep[] = [];
  const offsets: number[] = [];
  const job: FlashJobDeps = {
    connect: () => openSerialFlashLink({ path: fixture.pair.a, baudRate: 115_200 }, 400),
    onStep: (s) => steps.push(s),
    onProgress: (p) => offsets.push(p.offset),
    reconnectTimeoutMs: 3000,
    retryMs: 50,
    ...extra,
  };
  return { job, steps, offsets };
}

describe('flash job over a real pty', () => {
  it('uploads, tests, resets, verifies, checks health and confirms', async () => {
    const d = await start();
    const { job, steps, offsets } = deps();
    const result = await runFlashJob(flashImage(NEW), job);
    expect(result).toMatchObject({ outcome: 'installed', runningVersion: '1.3.0' });
    // a fresh upload: the first answer acknowledges one chunk (a packet fits in buf_size 2048)
    expect(result.firstOffset).toBeGreaterThan(0);
    expect(result.firstOffset).toBeLessThan(2048);
    expect(result.message).toBe('1.3.0 is installed and confirmed');
    expect(d.boots).toEqual(['swapped to 1.3.0 (test)']);
    expect(offsets.at(-1)).toBe(NEW.length);
    expect(steps).toEqual([
      'checking',
      'uploading',
      'marking',
      'resetting',
      'reconnecting',
      'verifying',
      'health',
      'confirming',
    ]);
    // confirmed: another reset keeps the new image
    const again = await runFlashJob(flashImage(NEW), deps().job);
    expect(again).toMatchObject({ outcome: 'already-installed', runningVersion: '1.3.0' });
  });

  it('an image that does not boot is reported with the version the device reverted to', async () => {
    const d = await start({ newImageFailsToBoot: true });
    const result = await runFlashJob(flashImage(NEW), deps().job);
    expect(result.outcome).toBe('reverted');
    expect(result.message).toBe('the new image 1.3.0 did not boot; the device reverted to 1.2.0');
    expect(d.activeVersion).toBe('1.2.0');
  });

  it('a failed health check resets the device so MCUboot reverts, and says why', async () => {
    const d = await start();
    const { job, steps } = deps({ health: async () => 'no readings within 10 s' });
    const result = await runFlashJob(flashImage(NEW), job);
    expect(result.outcome).toBe('reverted');
    expect(result.message).toBe(
      'health check failed: no readings within 10 s; 1.3.0 booted but was not confirmed; the device reverted to 1.2.0',
    );
    expect(steps).toContain('reverting');
    expect(steps).not.toContain('confirming');
    expect(d.boots).toEqual(['swapped to 1.3.0 (test)', 'reverted to 1.2.0']);
  });

  it('a cable pulled mid-upload fails clearly; running again resumes from the device offset', async () => {
    const d = await start({ cutLinkAfterBytes: 20_000 });
    const first = await runFlashJob(flashImage(NEW), deps().job);
    expect(first.outcome).toBe('failed');
    expect(first.message).toMatch(/^the device stopped answering during the upload .*Resume/);
    expect(d.activeVersion).toBe('1.2.0');
    d.restoreLink();
    const { job, offsets } = deps();
    const second = await runFlashJob(flashImage(NEW), job);
    expect(second.message).toBe('1.3.0 is installed and confirmed');
    expect(second.firstOffset).toBeGreaterThanOrEqual(20_000);
    expect(offsets[0]).toBeGreaterThanOrEqual(20_000);
  });

  it('a slow flash completes and reports bytes/s and time left', async () => {
    await start({ flashDelayMs: 25 });
    const small = buildTestImage(payload(12_000, 3), { major: 2, minor: 0, revision: 0 });
    const progress: { bytesPerSecond: number; secondsLeft: number | null }[] = [];
    const { job } = deps({ onProgress: (p) => progress.push(p) });
    const result = await runFlashJob(flashImage(small), job);
    expect(result.outcome).toBe('installed');
    const mid = progress.find((p) => p.secondsLeft !== null && p.secondsLeft > 0);
    expect(mid?.bytesPerSecond).toBeGreaterThan(0);
    // ≤ 2044-byte packets at ≥ 25 ms each cannot exceed 2044 / 0.025 image bytes per second
    expect(mid?.bytesPerSecond).toBeLessThanOrEqual(2044 / 0.025);
    expect(progress.at(-1)?.secondsLeft).toBe(0);
  });

  it('the port vanishes at the reset and comes back (USB re-enumeration): reopened, confirmed', async () => {
    // the device is wired through a link that can move to a new pty, as its USB bridge does
    const listeners = new Set<(b: Uint8Array) => void>();
    let port = await fixture.openRaw(fixture.pair.b);
    const attach = (p: typeof port) =>
      p.on('data', (b: Buffer) => {
        for (const l of listeners) l(new Uint8Array(b));
      });
    attach(port);
    const d = new SimulatedMcubootDevice(
      {
        write: (bytes) =>
          new Promise<void>((resolve) =>
            port.isOpen ? port.write(Buffer.from(bytes), () => resolve()) : resolve(),
          ),
        onData: (l) => {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      },
      { initialImage: OLD, bufSize: 2048, rebootMs: 900 },
    );
    device = d;
    let replugged: Promise<void> | undefined;
    const { job, steps } = deps({
      onStep: (s) => {
        steps.push(s);
        if (s !== 'resetting' || replugged) return;
        replugged = (async () => {
          await new Promise((r) => setTimeout(r, 50));
          await new Promise<void>((resolve) => port.close(() => resolve()));
          await fixture.pair.stop();
          await new Promise((r) => setTimeout(r, 400));
          await fixture.pair.start();
          port = await fixture.openRaw(fixture.pair.b);
          attach(port);
        })();
      },
    });
    const opens: string[] = [];
    const connect = job.connect;
    job.connect = () =>
      connect().then(
        (link) => {
          opens.push('opened');
          return link;
        },
        (e: Error) => {
          opens.push('absent');
          throw e;
        },
      );
    const result = await runFlashJob(flashImage(NEW), job);
    await replugged;
    // opened for the upload, absent while unplugged, opened again
    expect(opens[0]).toBe('opened');
    expect(opens).toContain('absent');
    expect(opens.at(-1)).toBe('opened');
    expect(result).toMatchObject({ outcome: 'installed', runningVersion: '1.3.0' });
    expect(steps.filter((s) => s === 'reconnecting')).toHaveLength(1);
    expect(d.boots).toEqual(['swapped to 1.3.0 (test)']);
  });

  it('a device that never comes back after the reset gives a clear timeout', async () => {
    await start({ silentAfterReset: true });
    const started = Date.now();
    const result = await runFlashJob(flashImage(NEW), deps({ reconnectTimeoutMs: 1500 }).job);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(result.outcome).toBe('failed');
    expect(result.message).toMatch(
      /^the device did not answer within 2 s after its reset .*MCUboot reverts to 1\.2\.0 on the next reset unless the new image is confirmed$/,
    );
  });

  it('a port where something else answers with garbage fails clearly, without an upload', async () => {
    const far = await fixture.openRaw(fixture.pair.b);
    // a device printing binary noise and broken SMP frames in reply to anything
    far.on('data', () =>
      far.write(Buffer.from([0x06, 0x09, 0x41, 0x41, 0x0a, 0xff, 0x00, 0x13, 0x37, 0x0a])),
    );
    const { job, steps } = deps();
    const result = await runFlashJob(flashImage(NEW), job);
    expect(result.outcome).toBe('failed');
    expect(result.message).toBe('flashing failed: device did not answer SMP group 1 command 0 within 400 ms');
    expect(steps).toEqual(['checking']);
  });

  it('skips the upload when the image is already in the second slot', async () => {
    const d = await start();
    const link = await openSerialFlashLink({ path: fixture.pair.a, baudRate: 115_200 });
    await link.client.upload(NEW);
    await link.close();
    const { job, steps, offsets } = deps();
    const result = await runFlashJob(flashImage(NEW), job);
    expect(result.outcome).toBe('installed');
    expect(steps).not.toContain('uploading');
    expect(offsets).toEqual([NEW.length]);
    expect(d.boots).toEqual(['swapped to 1.3.0 (test)']);
  });

  it('a preflight refusal stops before any image byte is sent', async () => {
    const d = await start();
    const { job, steps } = deps({ preflight: (running) => `downgrade from ${running?.version} refused` });
    const result = await runFlashJob(flashImage(NEW), job);
    expect(result).toMatchObject({ outcome: 'failed', message: 'downgrade from 1.2.0 refused' });
    expect(steps).toEqual(['checking']);
    const link = await openSerialFlashLink({ path: fixture.pair.a, baudRate: 115_200 });
    expect((await link.client.imageState()).length).toBe(1); // nothing uploaded to slot 1
    await link.close();
    expect(d.boots).toEqual([]);
  });

  it('cancel during the upload just stops; cancel after the test mark reverts', async () => {
    const d = await start({ flashDelayMs: 20 });
    const early = new AbortController();
    const { job } = deps({
      signal: early.signal,
      onProgress: (p) => {
        if (p.offset > 4000) early.abort();
      },
    });
    const first = await runFlashJob(flashImage(NEW), job);
    expect(first.outcome).toBe('cancelled');
    expect(d.boots).toEqual([]);

    const late = new AbortController();
    const second = await runFlashJob(
      flashImage(NEW),
      deps({ signal: late.signal, onStep: (s) => s === 'reconnecting' && late.abort() }).job,
    );
    expect(second).toMatchObject({ outcome: 'reverted', runningVersion: '1.2.0' });
    expect(second.message).toBe('cancelled; the device reverted to 1.2.0');
    expect(second.firstOffset).toBeGreaterThan(4000);
    expect(d.boots).toEqual(['swapped to 1.3.0 (test)', 'reverted to 1.2.0']);
  });
});
