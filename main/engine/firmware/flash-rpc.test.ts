/**
 * The flash methods at the engine's RPC boundary (real engine, real SQLite folder, no
 * demo): malformed targets and ids are refused by the contract, unknown devices and
 * images by the service, a tampered image before any port is opened, and the job and
 * its audit entry are visible. No device is needed for any of it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { createLogger } from '../log';
import { rawClient, transportPair } from '../test-transport';
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
      { target: { deviceId: 'a', peripheralId: 'c0ffee' }, sha256: sha },
      { target: { port: '/dev/ttyACM0', peripheralId: 'c0ffee' }, sha256: sha },
      { target: { peripheralId: '' }, sha256: sha },
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
    const noPeripheral = await client.call('flash.slots', { peripheralId: 'ghost' });
    expect(noPeripheral.error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'no Bluetooth connector sees the peripheral "ghost"',
    });
    const noImage = await client.call('flash.start', {
      target: { port: '/dev/null' },
      sha256: 'ab'.repeat(32),
    });
    expect(noImage.error?.code).toBe('NOT_FOUND');
    expect((await client.call('flash.resume')).error?.code).toBe('NOT_FOUND');
  });

  test('an image whose key is no longer pinned is not handed out, and never reaches a port', async () => {
    const { client } = await started();
    // the library refuses unsigned images at import: a key removed after the import is the way left
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const key = (await client.call('firmware.keys.add', { name: 'old fleet', pem })).result as { id: string };
    const signed = signMcubootImage({
      payload: new Uint8Array(512).fill(0x5a),
      version: { major: 1, minor: 0, revision: 0, build: 0 },
      securityCounter: 1,
      key: pair.privateKey,
    });
    const imported = await client.call('firmware.import', {
      fileName: 'app.bin',
      dataBase64: Buffer.from(signed).toString('base64'),
    });
    const { sha256 } = (imported.result as { image: { sha256: string } }).image;
    expect((await client.call('flash.images')).result).toEqual([
      expect.objectContaining({ sha256, compatible: true }),
    ]);
    await client.call('firmware.keys.remove', { id: key.id });
    expect((await client.call('flash.images')).result).toEqual([]);
    // the port does not exist: a refusal that opened it would say so instead
    const reply = await client.call('flash.start', { target: { port: '/dev/fieldline-none' }, sha256 });
    expect(reply.error).toMatchObject({
      code: 'NOT_FOUND',
      message: `firmware ${sha256} is not in the library`,
    });
    expect((await client.call('flash.status')).result).toBeNull();
    const audit = (await client.call('audit.list', { action: 'firmware.flash.start' })).result as {
      entries: unknown[];
    };
    expect(audit.entries).toEqual([]);
  });
});
