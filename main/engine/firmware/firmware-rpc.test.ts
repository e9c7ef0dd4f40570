import { createHash, generateKeyPairSync } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { FIRMWARE_CHUNK_BYTES } from '../../../common/firmware-contract';
import { createEngine, type Engine } from '../engine';
import { openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';
import { signMcubootImage } from './imgtool-sign';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function started(dataDir: string) {
  engine = await createEngine({ dataDir, demo: false, host: 'test', log: silent });
  const [server, client] = transportPair();
  engine.connect(server);
  return rawClient(client);
}

const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function signed(size: number, minor: number): Buffer {
  return Buffer.from(
    signMcubootImage({
      payload: Uint8Array.from({ length: size }, (_, i) => (i * 13 + minor) & 0xff),
      version: { major: 3, minor, revision: 0, build: 0 },
      key: key.privateKey,
    }),
  );
}

describe('firmware.* over RPC through the engine (real SQLite file)', () => {
  test('keys, one-shot and chunked imports, refusals, catalog link, remove; kept across a restart', async () => {
    const dataDir = tempDataDir('firmware-rpc');
    const small = signed(4096, 1);
    const big = signed(1_300_000, 2);
    const smallSha = createHash('sha256').update(small).digest('hex');
    const bigSha = createHash('sha256').update(big).digest('hex');
    // a down-synced catalog naming one image in the library and one that is not
    const { db } = openDatabase({ dataDir, log: silent });
    db.prepare('INSERT INTO sync_down (kind, version, data, applied_at) VALUES (?, ?, ?, ?)').run(
      'firmware',
      '"v1"',
      JSON.stringify([
        { version: '3.2.0', sha256: bigSha, url: 'https://fw.example.com/3.2.0.bin' },
        { version: '3.3.0', sha256: 'ee'.repeat(32) },
      ]),
      1,
    );
    db.close();

    let client = await started(dataDir);
    const added = (await client.call('firmware.keys.add', { name: 'fleet', pem })).result as { id: string };
    expect(added).toMatchObject({ name: 'fleet', algorithm: 'ecdsa-p256' });

    const one = await client.call('firmware.import', {
      fileName: 'small.bin',
      dataBase64: small.toString('base64'),
    });
    expect(one.result).toMatchObject({ existed: false, image: { sha256: smallSha, version: '3.1.0+0' } });

    // bigger than one message: begin, chunks of chunkBytes in order, finish
    const begin = (await client.call('firmware.import.begin', { fileName: 'big.bin', size: big.length }))
      .result as { uploadId: string; chunkBytes: number };
    expect(begin.chunkBytes).toBe(FIRMWARE_CHUNK_BYTES);
    for (let offset = 0; offset < big.length; offset += begin.chunkBytes) {
      const chunk = big.subarray(offset, offset + begin.chunkBytes).toString('base64');
      const reply = await client.call('firmware.import.chunk', {
        uploadId: begin.uploadId,
        offset,
        dataBase64: chunk,
      });
      expect(reply.error).toBeUndefined();
    }
    const finished = await client.call('firmware.import.finish', { uploadId: begin.uploadId });
    expect(finished.result).toMatchObject({ image: { sha256: bigSha, size: big.length } });

    // one payload byte changed after signing
    const tampered = Buffer.from(small);
    tampered[0x200 + 5] = (tampered[0x200 + 5] ?? 0) ^ 0xff;
    const refused = await client.call('firmware.import', {
      fileName: 'tampered.bin',
      dataBase64: tampered.toString('base64'),
    });
    expect(refused.error).toMatchObject({
      code: 'INVALID_PARAMS',
      message: expect.stringMatching(/^Refused: image hash mismatch/),
      details: { refusal: 'hash-mismatch' },
    });
    // over the size cap before a byte is decoded
    const tooBig = await client.call('firmware.import.begin', { fileName: 'x.bin', size: 33 * 1024 * 1024 });
    expect(tooBig.error).toMatchObject({ code: 'INVALID_PARAMS' });
    const oversized = await client.call('firmware.import', {
      fileName: 'x.bin',
      dataBase64: 'A'.repeat(800_000),
    });
    expect(oversized.error).toMatchObject({ code: 'INVALID_PARAMS' });

    expect(
      ((await client.call('firmware.list')).result as { sha256: string }[]).map((i) => i.sha256),
    ).toEqual([bigSha, smallSha]);
    expect((await client.call('firmware.catalog')).result).toEqual([
      {
        sha256: bigSha,
        version: '3.2.0',
        url: 'https://fw.example.com/3.2.0.bin',
        notes: null,
        inLibrary: true,
      },
      { sha256: 'ee'.repeat(32), version: '3.3.0', url: null, notes: null, inLibrary: false },
    ]);
    expect(readdirSync(path.join(dataDir, 'firmware')).sort()).toEqual(
      [`${bigSha}.bin`, `${smallSha}.bin`].sort(),
    );

    await engine?.close();
    client = await started(dataDir);
    expect(((await client.call('firmware.keys.list')).result as { images: number }[])[0]?.images).toBe(2);
    expect((await client.call('firmware.remove', { sha256: smallSha })).result).toEqual({ ok: true });
    expect(((await client.call('firmware.list')).result as unknown[]).length).toBe(1);
    expect((await client.call('firmware.remove', { sha256: smallSha })).error).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await client.call('firmware.remove', { sha256: '../../etc' })).error).toMatchObject({
      code: 'INVALID_PARAMS',
    });
    expect((await client.call('firmware.keys.remove', { id: added.id })).result).toEqual({ ok: true });
    expect((await client.call('firmware.keys.list')).result).toEqual([]);
  });
});
