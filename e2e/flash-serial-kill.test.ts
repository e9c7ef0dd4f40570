/**
 * SIGKILL of the real headless host (out/main/server.js) in the middle of an upload to a
 * simulated MCUboot device on a real socat pty: restarted on the same data folder the
 * job shows as interrupted, Resume continues the upload from the device's offset (not
 * from 0), and the device ends running the new image, confirmed.
 */
import { afterAll, describe, expect, test } from 'vitest';
import type { FlashJob } from '../common/flash-contract';
import { type BenchDevice, benchDevice, prepareFirmware, signedImage } from './flash-fixture';
import { connectRpc, type RunningHost, startHost, tempDataDir, waitFor } from './harness';

const dataDir = tempDataDir('flash-kill');
let bench: BenchDevice | undefined;
let host: RunningHost | undefined;

afterAll(async () => {
  await host?.stop();
  await bench?.close();
});

async function status(h: RunningHost): Promise<FlashJob | null> {
  const rpc = await connectRpc(h);
  try {
    return await rpc.request<FlashJob | null>('flash.status');
  } finally {
    rpc.close();
  }
}

describe('flashing survives an engine SIGKILL mid-upload', () => {
  test('interrupted on restart, resumed from the device offset, confirmed', async () => {
    const old = signedImage(1, 2000);
    const next = signedImage(2, 120_000);
    // a slow flash (25 ms a 2 KiB chunk) leaves time to kill the host mid-way
    bench = await benchDevice({ initialImage: old, bufSize: 2048, flashDelayMs: 25 });

    host = await startHost({ dataDir, args: ['--no-demo'] });
    const rpc = await connectRpc(host);
    const [sha256] = await prepareFirmware(rpc, [next]);
    const started = await rpc.request<FlashJob>('flash.start', {
      target: { port: bench.pty.a },
      sha256,
      // a bare port is no registry device: its hardware is unknown
      allowUnknownTarget: true,
    });
    rpc.close();
    expect(started).toMatchObject({ state: 'running', version: '2.2.0' });

    const running = host;
    const killedAt = await waitFor('the upload to pass 40 %', async () => {
      const job = await status(running);
      const p = job?.progress;
      return p && p.offset > p.total * 0.4 ? p.offset : undefined;
    });
    expect(await host.stop('SIGKILL')).toBeNull();
    host = undefined;
    expect(bench.device.boots).toEqual([]);

    host = await startHost({ dataDir, args: ['--no-demo'] });
    const interrupted = await status(host);
    expect(interrupted).toMatchObject({
      state: 'interrupted',
      step: 'uploading',
      sha256,
      port: bench.pty.a,
      result: null,
    });

    const again = await connectRpc(host);
    await again.request<FlashJob>('flash.resume');
    again.close();
    const restarted = host;
    const done = await waitFor(
      'the resumed job to finish',
      async () => {
        const job = await status(restarted);
        return job?.state === 'finished' ? job : undefined;
      },
      30_000,
    );
    expect(done.result).toMatchObject({ outcome: 'installed', runningVersion: '2.2.0' });
    // the device's upload state survived the host's death: the resumed upload continued there
    expect(done.result?.firstOffset).toBeGreaterThanOrEqual(killedAt);
    expect(bench.device.boots).toEqual(['swapped to 2.2.0 (test)']);

    await host.stop();
    host = undefined;
    const slots = await bench.slots();
    expect(slots.find((s) => s.active)).toMatchObject({ version: '2.2.0', confirmed: true });
  }, 60_000);
});
