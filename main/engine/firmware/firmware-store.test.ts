import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { FirmwareStore } from './firmware-store';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fieldline-firmware-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// SHA-256("abc") from FIPS 180-2 appendix B.1.
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('content-addressed firmware store', () => {
  test('stores a file under its SHA-256 and reads it back verified', async () => {
    const store = new FirmwareStore(join(dir, 'firmware'));
    expect(await store.put(Buffer.from('abc'))).toEqual({ sha256: ABC_SHA256, size: 3, existed: false });
    expect(await readdir(join(dir, 'firmware'))).toEqual([`${ABC_SHA256}.bin`]);
    const read = await store.get(ABC_SHA256);
    expect(read.ok && Buffer.from(read.value).toString()).toBe('abc');
    expect(await store.list()).toEqual([ABC_SHA256]);
    expect(await store.size(ABC_SHA256)).toBe(3);
  });

  test('storing the same bytes twice (even concurrently) keeps one file', async () => {
    const store = new FirmwareStore(dir);
    const bytes = new Uint8Array(256 * 1024).fill(7);
    const [a, b] = await Promise.all([store.put(bytes), store.put(bytes)]);
    expect(a.sha256).toBe(b.sha256);
    expect(await store.put(bytes)).toMatchObject({ existed: true });
    expect(await readdir(dir)).toEqual([`${a.sha256}.bin`]);
  });

  test('a file damaged on disk is refused, and putting the bytes again repairs it', async () => {
    const store = new FirmwareStore(dir);
    await store.put(Buffer.from('abc'));
    await writeFile(join(dir, `${ABC_SHA256}.bin`), 'abd');
    const damaged = createHash('sha256').update('abd').digest('hex');
    expect(await store.get(ABC_SHA256)).toEqual({
      ok: false,
      code: 'hash-mismatch',
      reason: `stored firmware ${ABC_SHA256} is damaged on disk (its bytes hash to ${damaged})`,
    });
    expect(await store.put(Buffer.from('abc'))).toMatchObject({ existed: false });
    expect((await store.get(ABC_SHA256)).ok).toBe(true);
  });

  test('unknown and malformed ids are refused, never resolved as paths', async () => {
    const store = new FirmwareStore(dir);
    expect(await store.get('0'.repeat(64))).toEqual({
      ok: false,
      code: 'not-found',
      reason: `firmware ${'0'.repeat(64)} is not in the store`,
    });
    expect(await store.get('../../etc/passwd')).toEqual({
      ok: false,
      code: 'invalid-id',
      reason: '"../../etc/passwd" is not a SHA-256 firmware id',
    });
    expect(await store.get(ABC_SHA256.toUpperCase())).toMatchObject({ code: 'invalid-id' });
    await store.remove('../x');
  });

  test('temporaries left by a crash mid-write are swept and never listed', async () => {
    const store = new FirmwareStore(dir);
    await store.put(Buffer.from('abc'));
    await writeFile(join(dir, '.tmp-0123456789abcdef'), 'partial');
    expect(await store.list()).toEqual([ABC_SHA256]);
    expect(await store.sweep()).toBe(1);
    expect(await readdir(dir)).toEqual([`${ABC_SHA256}.bin`]);
    await store.remove(ABC_SHA256);
    expect(await store.list()).toEqual([]);
  });
});
