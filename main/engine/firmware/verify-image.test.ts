import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { type SignImageOptions, signMcubootImage } from './imgtool-sign';
import { TLV } from './mcuboot-image';
import { IMGTOOL_RSA_IMAGE, IMGTOOL_RSA_IMAGE_WITH_SECURITY_COUNTER } from './mcuboot-vectors';
import { type PinnedKey, verifyMcubootImage } from './verify-image';

interface TestKey {
  priv: KeyObject;
  pinned: PinnedKey;
}

function makeKey(id: string, type: 'ec' | 'ed25519'): TestKey {
  const pair =
    type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  return {
    priv: pair.privateKey,
    pinned: { id, pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  };
}

let ecKey: TestKey;
let edKey: TestKey;
let otherEcKey: TestKey;

beforeAll(() => {
  ecKey = makeKey('fleet-ecdsa', 'ec');
  edKey = makeKey('fleet-ed25519', 'ed25519');
  otherEcKey = makeKey('someone-else', 'ec');
});

const v = (major: number, minor: number, revision: number, build = 0) => ({ major, minor, revision, build });

function build(key: TestKey | undefined, extra: Partial<SignImageOptions> = {}): Uint8Array {
  return signMcubootImage({
    payload: Uint8Array.from({ length: 256 }, (_, i) => (i * 7) & 0xff),
    version: v(1, 4, 2, 17),
    securityCounter: 3,
    key: key?.priv,
    ...extra,
  });
}

function tlvOffset(bytes: Uint8Array, type: number): number {
  // Walk the unprotected area of a known-good image to find a TLV value.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = view.getUint16(8, true) + view.getUint32(12, true) + view.getUint16(10, true) + 4;
  while (view.getUint16(offset, true) !== type) offset += 4 + view.getUint16(offset + 2, true);
  return offset + 4;
}

function patchedCopy(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = value;
  return copy;
}

function flipped(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ mask;
  return copy;
}

describe('MCUboot image verification', () => {
  test('accepts an ECDSA-P256 image and reports what SMP and the store need', () => {
    const bytes = build(ecKey);
    const result = verifyMcubootImage(bytes, { keys: [edKey.pinned, ecKey.pinned], slotSize: 4096 });
    if (!result.ok) throw new Error(result.reason);
    const hashTlv = bytes.subarray(tlvOffset(bytes, TLV.SHA256), tlvOffset(bytes, TLV.SHA256) + 32);
    expect(result.value).toMatchObject({
      version: '1.4.2+17',
      keyId: 'fleet-ecdsa',
      signatureType: 'ecdsa-p256',
      size: bytes.length,
      imageHash: Buffer.from(hashTlv).toString('hex'),
      fileSha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(result.value.imageHash).not.toBe(result.value.fileSha256);
    expect(result.value.image.securityCounter).toBe(3);
  });

  test('accepts an Ed25519 image (imgtool signs the 32-byte digest)', () => {
    const result = verifyMcubootImage(build(edKey), { keys: [ecKey.pinned, edKey.pinned] });
    expect(result).toMatchObject({ ok: true, value: { keyId: 'fleet-ed25519', signatureType: 'ed25519' } });
  });

  test('KEYHASH is SHA-256 of the DER SubjectPublicKeyInfo (imgtool keys/*.py get_public_bytes)', () => {
    const bytes = build(edKey);
    const keyHash = bytes.subarray(tlvOffset(bytes, TLV.KEYHASH), tlvOffset(bytes, TLV.KEYHASH) + 32);
    const pem = edKey.pinned.pem.replace(/-----[^-]+-----|\s/g, '');
    expect(Buffer.from(keyHash)).toEqual(createHash('sha256').update(Buffer.from(pem, 'base64')).digest());
  });

  test('real imgtool output: the hash verifies, the RSA signature is refused as unsupported', () => {
    expect(verifyMcubootImage(IMGTOOL_RSA_IMAGE, { keys: [ecKey.pinned] })).toEqual({
      ok: false,
      code: 'unsupported',
      reason: 'signature type RSA2048_PSS is not supported (only ECDSA-P256 and Ed25519)',
    });
    // One payload bit flipped in the real image: the recomputed hash no longer matches its TLV.
    expect(verifyMcubootImage(flipped(IMGTOOL_RSA_IMAGE_WITH_SECURITY_COUNTER, 100), { keys: [] })).toEqual({
      ok: false,
      code: 'hash-mismatch',
      reason: expect.stringMatching(
        /^image hash mismatch: the SHA256 TLV says f4d02925dcf7c2a5748c0819a9e66d66a7f24a3f9228aa9c06d59d2c7594cdf2, the image hashes to [0-9a-f]{64}$/,
      ),
    });
  });

  test('refuses bad images with the exact reason', () => {
    const good = build(ecKey);
    const keys = [ecKey.pinned];
    const sig = tlvOffset(good, TLV.ECDSA_SIG);
    const cases: [Uint8Array, Parameters<typeof verifyMcubootImage>[1], string, string | RegExp][] = [
      [flipped(good, 0, 0xff), { keys }, 'bad-magic', 'bad header magic 0x96f3b8c2'],
      [flipped(good, 0x200 + 5), { keys }, 'hash-mismatch', /^image hash mismatch: /],
      [
        build(otherEcKey),
        { keys },
        'unknown-key',
        /^image is signed with a key that is not pinned \(key hash [0-9a-f]{64}\)$/,
      ],
      [
        flipped(good, sig + 10),
        { keys },
        'bad-signature',
        'signature does not verify with pinned key "fleet-ecdsa"',
      ],
      [
        flipped(good, sig),
        { keys },
        'bad-signature',
        'signature does not verify with pinned key "fleet-ecdsa"',
      ],
      [build(undefined), { keys }, 'unsigned', 'image is not signed'],
      // SHA256 TLV (0x10) retyped as SHA384 (0x11) in the real imgtool image: no hash left to check.
      [patchedCopy(IMGTOOL_RSA_IMAGE, 196, 0x11), { keys }, 'no-hash', 'image has no SHA256 TLV'],
      [good, { keys, slotSize: 600 }, 'too-big', `image size ${good.length} exceeds slot size 600`],
      [
        good,
        { keys, current: { version: v(1, 5, 0) } },
        'downgrade',
        'version 1.4.2+17 is older than the installed 1.5.0+0',
      ],
      [
        good,
        { keys, current: { version: v(1, 4, 2, 18) } },
        'downgrade',
        'version 1.4.2+17 is older than the installed 1.4.2+18',
      ],
      [
        good,
        { keys, current: { securityCounter: 4 } },
        'security-counter',
        "security counter 3 is lower than the device's 4",
      ],
      [
        build(ecKey, { securityCounter: undefined }),
        { keys, current: { securityCounter: 1 } },
        'security-counter',
        'image has no security counter but the device requires at least 1',
      ],
      [
        good,
        {
          keys,
          checkTarget: (image) =>
            image.loadAddr === 0x8000 ? undefined : 'built for another board (load address 0)',
        },
        'wrong-target',
        'built for another board (load address 0)',
      ],
      [
        good,
        { keys: [{ id: 'broken', pem: 'not a key' }] },
        'unknown-key',
        'pinned key "broken" is not a valid PEM public key',
      ],
      [
        build(ecKey, { flags: 0x4 }),
        { keys },
        'unsupported',
        'encrypted images are not supported (their hash covers the plaintext)',
      ],
      [
        build(ecKey, { customTlvs: [{ type: TLV.SIG_PURE, value: new Uint8Array(1) }] }),
        { keys },
        'unsupported',
        'pure signatures (SIG_PURE TLV) are not supported',
      ],
    ];
    for (const [bytes, options, code, reason] of cases) {
      const result = verifyMcubootImage(bytes, options);
      expect(result, String(reason)).toMatchObject({ ok: false, code });
      if (!result.ok) expect(result.reason).toMatch(reason);
    }
  });

  test('an Ed25519 KEYHASH on an ECDSA signature is refused as a signature/key type mismatch', () => {
    const bytes = build(ecKey);
    const copy = Uint8Array.from(bytes);
    const edSpki = Buffer.from(edKey.pinned.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // KEYHASH is unprotected (imgtool adds it after hashing), so it can be swapped without touching the hash.
    copy.set(createHash('sha256').update(edSpki).digest(), tlvOffset(bytes, TLV.KEYHASH));
    expect(verifyMcubootImage(copy, { keys: [ecKey.pinned, edKey.pinned] })).toEqual({
      ok: false,
      code: 'bad-signature',
      reason: 'image has an ECDSA_SIG signature but pinned key "fleet-ed25519" is ed25519',
    });
  });

  test('ECDSA signatures zero-padded to 72 bytes (imgtool --pad-sig) verify; other trailing bytes do not', () => {
    // DER signatures are 70-72 bytes; retry until one actually carries padding (~75 % per try).
    let padded = build(ecKey, { padSignature: true });
    let at = tlvOffset(padded, TLV.ECDSA_SIG);
    for (let i = 0; i < 50 && padded[at + 1] === 70; i++) {
      padded = build(ecKey, { padSignature: true });
      at = tlvOffset(padded, TLV.ECDSA_SIG);
    }
    expect(padded[at + 1]).toBeLessThan(70);
    expect(new DataView(padded.buffer, padded.byteOffset).getUint16(at - 2, true)).toBe(72);
    expect(verifyMcubootImage(padded, { keys: [ecKey.pinned] }).ok).toBe(true);
    expect(verifyMcubootImage(flipped(padded, at + 71), { keys: [ecKey.pinned] })).toMatchObject({
      ok: false,
      code: 'bad-signature',
    });
  });

  test('a PUBKEY TLV (imgtool --public-key-format full) selects the pinned key by its DER', () => {
    const bytes = build(edKey, { publicKeyFormat: 'full' });
    expect(verifyMcubootImage(bytes, { keys: [ecKey.pinned, edKey.pinned] })).toMatchObject({
      ok: true,
      value: { keyId: 'fleet-ed25519' },
    });
    expect(verifyMcubootImage(bytes, { keys: [ecKey.pinned] })).toEqual({
      ok: false,
      code: 'unknown-key',
      reason: 'image carries a public key that is not pinned',
    });
  });

  test('allowDowngrade lifts the version check but never the security counter', () => {
    const good = build(edKey);
    const keys = [edKey.pinned];
    expect(
      verifyMcubootImage(good, { keys, allowDowngrade: true, current: { version: v(2, 0, 0) } }).ok,
    ).toBe(true);
    expect(
      verifyMcubootImage(good, {
        keys,
        allowDowngrade: true,
        current: { version: v(2, 0, 0), securityCounter: 9 },
      }),
    ).toMatchObject({ ok: false, code: 'security-counter' });
    // Same version and counter is not a downgrade (re-flashing the running build is allowed here).
    expect(
      verifyMcubootImage(good, { keys, current: { version: v(1, 4, 2, 17), securityCounter: 3 } }).ok,
    ).toBe(true);
  });

  test('every single-bit flip of a signed image is refused (Ed25519 and ECDSA)', () => {
    for (const key of [edKey, ecKey]) {
      const good = signMcubootImage({
        payload: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
        headerSize: 32,
        version: v(1, 0, 0),
        securityCounter: 1,
        key: key.priv,
      });
      for (let at = 0; at < good.length; at++) {
        for (let bit = 0; bit < 8; bit++) {
          const result = verifyMcubootImage(flipped(good, at, 1 << bit), {
            keys: [edKey.pinned, ecKey.pinned],
          });
          if (result.ok) throw new Error(`flip of bit ${bit} at byte ${at} was accepted (${key.pinned.id})`);
        }
      }
    }
  });

  test('fuzz: random bytes and truncations never throw', () => {
    const good = build(ecKey);
    const keys = [ecKey.pinned];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 800 }), (bytes) => {
        expect(verifyMcubootImage(bytes, { keys }).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(good.length - 1), (n) => {
        expect(verifyMcubootImage(good.subarray(0, n), { keys }).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
