import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { AuditLog } from '../audit/audit-log';
import { openDatabase } from '../store/database';
import { openTestDb, silent, tempDataDir } from '../store/test-fixtures';
import { ESP32_APP } from './esp-app-vectors';
import { ecdsaBlock, SBV2_ECDSA_PEM, SBV2_RSA_PEM, signedWith } from './esp-sbv2-vectors';
import { linkCatalog } from './firmware-catalog';
import { FirmwareLibrary } from './firmware-library';
import { createFirmwareLibrary } from './firmware-setup';
import { FirmwareUploads } from './firmware-uploads';
import { signMcubootImage } from './imgtool-sign';
import { IMGTOOL_RSA_IMAGE } from './mcuboot-vectors';

interface Key {
  priv: KeyObject;
  pem: string;
}

function makeKey(type: 'ec' | 'ed25519'): Key {
  const pair =
    type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  return { priv: pair.privateKey, pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

let ec: Key;
let ed: Key;
let stranger: Key;
beforeAll(() => {
  ec = makeKey('ec');
  ed = makeKey('ed25519');
  stranger = makeKey('ec');
});

const payload = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

function image(key: Key | undefined, major: number, minor: number, revision: number, size = 512) {
  return signMcubootImage({
    payload: payload(size, major + minor),
    version: { major, minor, revision, build: 7 },
    securityCounter: major,
    key: key?.priv,
  });
}

function fresh(maxImageBytes = 1024 * 1024) {
  const { db, dataDir } = openTestDb('firmware');
  let t = 1_000_000;
  const audit = new AuditLog(db, () => t);
  const dir = path.join(dataDir, 'firmware');
  const library = new FirmwareLibrary({
    db,
    dir,
    audit,
    actor: () => 'tech-1',
    maxImageBytes,
    log: silent,
    now: () => ++t,
  });
  const files = () => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const actions = () =>
    audit
      .list({ limit: 1000 })
      .entries.map((e) => e.action)
      .reverse();
  return { db, dir, audit, library, files, actions };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function flipped(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ mask;
  return copy;
}

describe('firmware library (real SQLite file, real files)', () => {
  test('imports ECDSA-P256 and Ed25519 images, lists them newest version first, stores them by SHA-256', async () => {
    const { library, files, dir, actions } = fresh();
    const ecKey = library.addKey('fleet ecdsa', ec.pem);
    const edKey = library.addKey('fleet ed25519', ed.pem);
    const older = image(ec, 1, 4, 2);
    const newer = image(ed, 1, 10, 0);
    const a = await library.import(older, 'probe-1.4.2.signed.bin');
    const b = await library.import(newer, 'probe-1.10.0.signed.bin');
    if (!a.ok || !b.ok) throw new Error('refused');
    expect(a.value).toMatchObject({
      existed: false,
      image: {
        sha256: sha(older),
        kind: 'mcuboot',
        version: '1.4.2+7',
        securityCounter: 1,
        size: older.length,
        target: null,
        signingKey: { id: ecKey.id, name: 'fleet ecdsa', pinned: true },
        fileName: 'probe-1.4.2.signed.bin',
      },
    });
    expect(b.value.image.signingKey).toEqual({ id: edKey.id, name: 'fleet ed25519', pinned: true });
    // 1.10.0 sorts above 1.4.2: compared as numbers, not as text
    expect(library.list().map((i) => i.version)).toEqual(['1.10.0+7', '1.4.2+7']);
    expect(files().sort()).toEqual([`${sha(older)}.bin`, `${sha(newer)}.bin`].sort());
    const read = await library.getImage(sha(newer));
    expect(read && Buffer.from(read.bytes).equals(Buffer.from(newer))).toBe(true);
    expect(read?.meta.version).toBe('1.10.0+7');
    expect(library.keys().map((k) => [k.name, k.images])).toEqual([
      ['fleet ecdsa', 1],
      ['fleet ed25519', 1],
    ]);
    expect(actions()).toEqual([
      'firmware.key.added',
      'firmware.key.added',
      'firmware.imported',
      'firmware.imported',
    ]);
    expect(dir).toContain('firmware');
  });

  test('the same bytes again change nothing and are not audited twice', async () => {
    const { library, actions } = fresh();
    library.addKey('fleet', ec.pem);
    const bytes = image(ec, 2, 0, 0);
    await library.import(bytes, 'a.bin');
    const again = await library.import(bytes, 'b.bin');
    expect(again).toMatchObject({ ok: true, value: { existed: true, image: { fileName: 'a.bin' } } });
    expect(actions().filter((a) => a === 'firmware.imported')).toHaveLength(1);
  });

  test('the same image imported twice at once: one entry, its file kept', async () => {
    const { library, files, actions } = fresh();
    library.addKey('fleet', ec.pem);
    const bytes = image(ec, 2, 1, 0);
    const results = await Promise.all([library.import(bytes, 'a.bin'), library.import(bytes, 'b.bin')]);
    expect(results.map((r) => r.ok && r.value.existed).sort()).toEqual([false, true]);
    expect(files()).toEqual([`${sha(bytes)}.bin`]);
    expect(await library.getImage(sha(bytes))).toBeDefined();
    expect(actions().filter((a) => a === 'firmware.imported')).toHaveLength(1);
  });

  test('bad images are refused with the exact reason and leave nothing behind', async () => {
    const { library, files, actions } = fresh(4096);
    library.addKey('fleet', ed.pem);
    const good = image(ed, 1, 0, 0);
    const cases: [string, Uint8Array, string, RegExp][] = [
      [
        'bad magic',
        Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
        'bad-magic',
        /starts with 7f454c46/,
      ],
      // a payload byte changed after signing: the SHA256 TLV no longer matches
      ['hash mismatch', flipped(good, 0x200 + 10), 'hash-mismatch', /^image hash mismatch/],
      ['wrong key', image(stranger, 1, 0, 0), 'unknown-key', /signed with a key that is not pinned/],
      // Ed25519 signature is the last TLV: its last byte changed
      [
        'bad signature',
        flipped(good, good.length - 1),
        'bad-signature',
        /does not verify with pinned key "fleet"/,
      ],
      ['too big', image(ed, 1, 0, 0, 8192), 'too-big', /more than the 4096 a slot can hold/],
      ['unsigned', image(undefined, 1, 0, 0), 'unsigned', /not signed/],
      ['truncated', good.subarray(0, 600), 'truncated', /run past the end of the file \(600 bytes\)/],
    ];
    for (const [name, bytes, code, reason] of cases) {
      const result = await library.import(bytes, `${name}.bin`);
      expect(result.ok, name).toBe(false);
      if (result.ok) continue;
      expect(result.code, name).toBe(code);
      expect(result.reason, name).toMatch(reason);
    }
    expect(library.list()).toEqual([]);
    expect(files()).toEqual([]);
    expect(actions()).toEqual(['firmware.key.added']);
  });

  test('every single-byte change of a signed image is refused, and random bytes never throw', async () => {
    const { library, files } = fresh();
    library.addKey('fleet', ed.pem);
    const good = image(ed, 1, 2, 3, 200);
    for (let at = 0; at < good.length; at++) {
      for (const mask of [0x01, 0x80]) {
        const result = await library.import(flipped(good, at, mask), 'x.bin');
        if (result.ok) throw new Error(`a change at byte ${at} (mask ${mask}) was accepted`);
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.nat(), async (noise, seed) => {
        // raw noise, and noise behind a valid MCUboot or ESP-IDF start so the parsers go deeper
        const starts = [new Uint8Array(0), good.subarray(0, 32), ESP32_APP.subarray(0, 24)];
        const start = starts[seed % starts.length] ?? new Uint8Array(0);
        const result = await library.import(Uint8Array.from([...start, ...noise]), 'noise.bin');
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(files()).toEqual([]);
    expect(library.list()).toEqual([]);
  });

  test('a real imgtool image (RSA-2048, MCUboot fuzz harness) is refused: signature type not supported', async () => {
    const { library, files } = fresh();
    library.addKey('fleet', ec.pem);
    expect(await library.import(IMGTOOL_RSA_IMAGE, 'rsa.bin')).toEqual({
      ok: false,
      code: 'unsupported',
      reason: 'signature type RSA2048_PSS is not supported (only ECDSA-P256 and Ed25519)',
    });
    expect(files()).toEqual([]);
  });

  test('with no key pinned, the refusal says to add one', async () => {
    const { library } = fresh();
    const result = await library.import(image(ec, 1, 0, 0), 'a.bin');
    expect(result).toMatchObject({ ok: false, code: 'unknown-key' });
    expect(!result.ok && result.reason).toMatch(/no signing key is pinned yet/);
  });

  test('ESP-IDF app images: chip, version and secure version from esp_app_desc_t', async () => {
    const { library } = fresh();
    const result = await library.import(ESP32_APP, 'probe.bin');
    expect(result).toMatchObject({
      ok: true,
      value: {
        image: {
          kind: 'esp-app',
          version: '1.4.2',
          target: 'ESP32 · fieldline-probe',
          securityCounter: 2,
          imageHash: '4dc05c06f72e4ae44fce66b2b801eb8b0644b081a265163377c74dbf52ba5971',
          signingKey: null,
        },
      },
    });
    // the appended SHA-256 no longer matches after one byte of a segment changed
    const tampered = await library.import(flipped(ESP32_APP, 300), 'bad.bin');
    expect(tampered).toMatchObject({ ok: false });
  });

  test('reads re-hash the file and re-check the key: a damaged file or a removed key is not handed out', async () => {
    const { library, dir, actions } = fresh();
    const key = library.addKey('fleet', ec.pem);
    const a = image(ec, 1, 0, 0);
    const b = image(ec, 1, 1, 0);
    await library.import(a, 'a.bin');
    await library.import(b, 'b.bin');
    writeFileSync(path.join(dir, `${sha(a)}.bin`), flipped(a, 700));
    expect(await library.readImage(sha(a))).toMatchObject({ ok: false, code: 'hash-mismatch' });
    expect(await library.getImage(sha(a))).toBeUndefined();

    library.removeKey(key.id);
    expect(library.keys()).toEqual([]);
    expect(library.list().find((i) => i.sha256 === sha(b))?.signingKey).toEqual({
      id: key.id,
      name: 'fleet',
      pinned: false,
    });
    expect(await library.readImage(sha(b))).toMatchObject({ ok: false, code: 'unknown-key' });
    expect(await library.readImage('00'.repeat(32))).toMatchObject({ ok: false, code: 'not-found' });
    expect(actions().at(-1)).toBe('firmware.key.removed');
    // the same key pinned again (a new row): its images are usable and counted again
    library.addKey('fleet again', ec.pem);
    expect(library.list().find((i) => i.sha256 === sha(b))?.signingKey?.pinned).toBe(true);
    expect(library.keys().map((k) => k.images)).toEqual([2]);
    expect(await library.readImage(sha(b))).toMatchObject({ ok: true });
  });

  test('remove deletes row and file, audited', async () => {
    const { library, files, audit } = fresh();
    library.addKey('fleet', ec.pem);
    const a = image(ec, 1, 0, 0);
    await library.import(a, 'a.bin');
    await library.remove(sha(a));
    expect(library.list()).toEqual([]);
    expect(files()).toEqual([]);
    const [entry] = audit.list({ action: 'firmware.removed' }).entries;
    expect(entry).toMatchObject({
      actor: 'tech-1',
      subject: `firmware:${sha(a)}`,
      before: { version: '1.0.0+7' },
    });
    await expect(library.remove(sha(a))).rejects.toThrow(/not in the library/);
  });

  test('ESP-IDF Secure Boot V2: RSA-3072 and P-384 keys pin; a signed image is kept with its key, an unpinned one refused', async () => {
    const { library } = fresh();
    const signedEsp = signedWith(ecdsaBlock());
    const refused = await library.import(signedEsp, 'app-signed.bin');
    expect(refused).toMatchObject({
      ok: false,
      code: 'unknown-key',
      reason: expect.stringMatching(
        /not pinned .*; no signing key is pinned yet: add the fleet's public key first$/,
      ),
    });
    expect(library.list()).toEqual([]);
    expect(library.addKey('esp rsa', SBV2_RSA_PEM).algorithm).toBe('rsa-3072');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(library.addKey('esp p384', p384.toString()).algorithm).toBe('ecdsa-p384');
    const key = library.addKey('esp p256', SBV2_ECDSA_PEM);
    const imported = await library.import(signedEsp, 'app-signed.bin');
    expect(imported).toMatchObject({
      ok: true,
      value: {
        image: {
          kind: 'esp-app',
          target: 'ESP32 · fieldline-probe',
          signingKey: { id: key.id, name: 'esp p256' },
        },
      },
    });
  });

  test('keys: KEYHASH as MCUboot computes it, duplicates, unsupported and broken keys refused, audited', () => {
    const { library, audit } = fresh();
    const added = library.addKey('fleet', ed.pem);
    // imgtool writes KEYHASH = SHA-256 of the SubjectPublicKeyInfo DER (keys/ed25519.py get_public_bytes)
    const signed = image(ed, 1, 0, 0);
    const keyHashTlv = Buffer.from(
      signed.subarray(signed.length - 64 - 4 - 32, signed.length - 64 - 4),
    ).toString('hex');
    expect(added).toMatchObject({ name: 'fleet', algorithm: 'ed25519', keyHash: keyHashTlv, images: 0 });
    expect(() => library.addKey('again', ed.pem)).toThrow('this key is already pinned as "fleet"');
    expect(() => library.addKey('fleet', ec.pem)).toThrow('a pinned key is already named "fleet"');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => library.addKey('rsa', rsa.toString())).toThrow(
      /rsa 2048-bit key cannot be pinned: only ECDSA P-256 and Ed25519 \(MCUboot\), RSA-3072 and ECDSA P-384/,
    );
    const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => library.addKey('p521', p521.toString())).toThrow(/ec \(secp521r1\) key cannot be pinned/);
    expect(() =>
      library.addKey('junk', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'),
    ).toThrow(/not a PEM public key/);
    expect(() => library.removeKey('nope')).toThrow(/no pinned key/);
    // a removed key may be pinned again under its old name
    library.removeKey(added.id);
    const back = library.addKey('fleet', ed.pem);
    expect(back.id).not.toBe(added.id);
    const entries = audit.list({ limit: 10 }).entries.reverse();
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['firmware.key.added', 'tech-1'],
      ['firmware.key.removed', 'tech-1'],
      ['firmware.key.added', 'tech-1'],
    ]);
    expect(entries[0]?.after).toEqual({ name: 'fleet', algorithm: 'ed25519', keyHash: keyHashTlv });
  });

  test('recover removes files no row names and temporaries a crash left', async () => {
    const { library, dir, files } = fresh();
    library.addKey('fleet', ec.pem);
    const kept = image(ec, 1, 0, 0);
    await library.import(kept, 'a.bin');
    writeFileSync(path.join(dir, `${'ab'.repeat(32)}.bin`), 'orphan');
    writeFileSync(path.join(dir, '.tmp-0123'), 'half');
    await library.recover();
    expect(files()).toEqual([`${sha(kept)}.bin`]);
  });
});

describe('firmware library setup', () => {
  test('with the cache replaced by an in-memory stand-in, the stored files are not swept as orphans', async () => {
    const dataDir = tempDataDir('firmware-memory');
    const dir = path.join(dataDir, 'firmware');
    mkdirSync(dir);
    const kept = `${'cd'.repeat(32)}.bin`;
    writeFileSync(path.join(dir, kept), 'an image the unreadable cache still lists');
    const { db } = openDatabase({ dataDir, log: silent, file: ':memory:' });
    const setup = await createFirmwareLibrary({
      db,
      dataDir,
      audit: new AuditLog(db),
      actor: () => 'x',
      log: silent,
      catalog: async () => undefined,
    });
    expect(setup.library.list()).toEqual([]);
    expect(readdirSync(dir)).toEqual([kept]);
  });
});

describe('firmware catalog link', () => {
  test('entries are linked by file SHA-256 or image hash; hostile fields read as absent', () => {
    const present = 'AB'.repeat(32);
    const linked = linkCatalog(
      [
        { version: '2.1.0', sha256: present, url: 'https://fw.example.com/2.1.0.bin', notes: 'fix' },
        { version: '2.0.3', sha256: 'cd'.repeat(32) },
        { version: 3, sha256: 'not-hex', url: { evil: true } },
        null,
        'text',
      ],
      new Set([present.toLowerCase()]),
    );
    expect(linked).toEqual([
      {
        sha256: present.toLowerCase(),
        version: '2.1.0',
        url: 'https://fw.example.com/2.1.0.bin',
        notes: 'fix',
        inLibrary: true,
      },
      { sha256: 'cd'.repeat(32), version: '2.0.3', url: null, notes: null, inLibrary: false },
      { sha256: null, version: null, url: null, notes: null, inLibrary: false },
    ]);
    expect(linkCatalog({ firmwareCatalog: [{ version: '1' }] }, new Set())).toHaveLength(1);
    for (const doc of [undefined, null, 42, 'x', { other: [] }])
      expect(linkCatalog(doc, new Set())).toEqual([]);
  });
});

describe('chunked uploads', () => {
  test('chunks in order fill the announced size; out of order, overrun and incomplete are refused', () => {
    let t = 0;
    const uploads = new FirmwareUploads(() => t);
    const id = uploads.begin('a.bin', 6);
    expect(uploads.chunk(id, 0, Uint8Array.from([1, 2, 3]))).toBe(3);
    expect(() => uploads.chunk(id, 0, Uint8Array.from([1]))).toThrow(/has 3 bytes, send from there/);
    expect(() => uploads.chunk(id, 3, Uint8Array.from([4, 5, 6, 7]))).toThrow(/past the announced size/);
    const short = uploads.begin('b.bin', 2);
    expect(() => uploads.finish(short)).toThrow('the upload is incomplete: 0 of 2 bytes arrived');
    expect(() => uploads.finish(short)).toThrow(/no such upload/);
    uploads.chunk(id, 3, Uint8Array.from([4, 5, 6]));
    expect(uploads.finish(id)).toEqual({ fileName: 'a.bin', bytes: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    // an idle upload is dropped
    const idle = uploads.begin('c.bin', 1);
    t += 11 * 60_000;
    expect(() => uploads.chunk(idle, 0, Uint8Array.from([1]))).toThrow(/no such upload/);
    // at most four open at once: the least recently used goes
    const ids = [1, 2, 3, 4, 5].map((n) => uploads.begin(`${n}.bin`, 1));
    expect(() => uploads.chunk(ids[0] ?? '', 0, Uint8Array.from([1]))).toThrow(/no such upload/);
    expect(uploads.chunk(ids[4] ?? '', 0, Uint8Array.from([1]))).toBe(1);
  });
});
