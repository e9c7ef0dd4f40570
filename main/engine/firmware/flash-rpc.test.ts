/**
 * The flash methods at the engine's RPC boundary (real engine, real SQLite folder, no
 * demo): malformed targets and ids are refused by the contract, unknown devices and
 * images by the service, a tampered image before any port is opened, and the job and
 * its audit entry are visible. No device is needed for any of it.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { createLogger } from '../log';
import { rawClient, transportPair } from '../test-transport';
import { FirmwareStore } from './firmware-store';
import { signMcubootImage } from './imgtool-sign';

const log = createLogger({ level: 'silent' });
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

type Reply = { result?: unknown; error?: { code: string; message: string } };

async function started() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-flash-rpc-'));
  engine = await createEngine({ dataDir, demo: false, host: 'test', log });
  const [server, client] = transportPair();
  engine.connect(server);
  const raw = rawClient(client);
  return {
    dataDir,
    client: { call: async (method: string, params?: unknown) => (await raw.call(method, params)) as Reply },
  };
}

describe('flash RPC', () => {
  test('malformed requests are INVALID_PARAMS before the service sees them', async () => {
    const { client } = await started();
    const sha = 'ab'.repeat(32);
    for (const params of [
      { target: { deviceId: 'a', port: '/dev/ttyACM0' }, sha256: sha },
      { target: {}, sha256: sha },
      { target: { port: '/dev/ttyACM0' }, sha256: 'AB'.repeat(32) },
      { target: { port: '/dev/ttyACM0' }, sha256: sha.slice(2) },
      { target: { port: '/dev/ttyACM0', baudRate: 12 }, sha256: sha },
      { target: { port: '/dev/ttyACM0' }, sha256: sha, extra: 1 },
    ]) {
      const reply = await client.call('flash.start', params);
      expect(reply.error?.code, JSON.stringify(params)).toBe('INVALID_PARAMS');
    }
  });

  test('unknown device or image: NOT_FOUND; nothing to resume; no job yet', async () => {
    const { client } = await started();
    expect((await client.call('flash.status')).result).toBeNull();
    expect((await client.call('flash.images')).result).toEqual([]);
    const noDevice = await client.call('flash.start', {
      target: { deviceId: 'ghost' },
      sha256: 'ab'.repeat(32),
    });
    expect(noDevice.error).toMatchObject({ code: 'NOT_FOUND', message: 'no device "ghost"' });
    const noImage = await client.call('flash.start', {
      target: { port: '/dev/null' },
      sha256: 'ab'.repeat(32),
    });
    expect(noImage.error?.code).toBe('NOT_FOUND');
    expect((await client.call('flash.resume')).error?.code).toBe('NOT_FOUND');
  });

  test('an image without a signature is refused, audited, and never reaches a port', async () => {
    const { client, dataDir } = await started();
    const unsigned = signMcubootImage({
      payload: new Uint8Array(512).fill(0x5a),
      version: { major: 1, minor: 0, revision: 0, build: 0 },
    });
    const { sha256 } = await new FirmwareStore(path.join(dataDir, 'firmware')).put(unsigned);
    const images = (await client.call('flash.images')).result;
    expect(images).toEqual([
      expect.objectContaining({ sha256, compatible: false, reason: 'image is not signed' }),
    ]);
    // the port does not exist: a refusal that opened it would say so instead
    const reply = await client.call('flash.start', { target: { port: '/dev/fieldline-none' }, sha256 });
    expect(reply.error?.code).toBe('INVALID_PARAMS');
    expect(reply.error?.message).toBe('image refused, nothing was sent to the device: image is not signed');
    expect((await client.call('flash.status')).result).toBeNull();
    const audit = (await client.call('audit.list', { action: 'firmware.flash.refused' })).result as {
      entries: { subject: string }[];
    };
    expect(audit.entries.map((e) => e.subject)).toEqual(['/dev/fieldline-none']);
  });
});
