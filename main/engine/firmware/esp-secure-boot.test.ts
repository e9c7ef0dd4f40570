/**
 * ESP-IDF Secure Boot V2: the signature sector of esp-sbv2-vectors.ts (made by a script that
 * follows espsecure.py, not by Fieldline) verifies with its pinned key and is refused with the
 * exact reason when it is unpinned, damaged or tampered with; Fieldline's test signer lays
 * blocks out byte for byte as espsecure does; the parser survives fuzzing.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ESP32_APP } from './esp-app-vectors';
import {
  ecdsaBlock,
  rsaBlock,
  SBV2_DIGEST,
  SBV2_ECDSA_BLOCK_CRC,
  SBV2_ECDSA_BLOCK_HEAD,
  SBV2_ECDSA_PEM,
  SBV2_RSA_BLOCK,
  SBV2_RSA_PEM,
  signedWith,
  TEST_RSA_3072_PRIVATE_PEM,
} from './esp-sbv2-vectors';
import { crc32, readSignatureSector, verifyEspSecureBoot } from './esp-secure-boot';
import { rsaPrimitives, signatureBlock, signEspSecureBootV2 } from './espsecure-sign';

const IMAGE_LENGTH = ESP32_APP.length; // 352: checksum at 319, then the appended SHA-256

const pinned = (id: string, pem: string) => ({ id, pem });
const withCrc = (block: Buffer) => {
  block.writeUInt32LE(crc32(block.subarray(0, 1196)), 1196);
  return block;
};

describe('Secure Boot V2 vectors (espsecure.py layout)', () => {
  it('ECDSA P-256: the block verifies with its pinned key', () => {
    const bytes = signedWith(ecdsaBlock());
    expect(verifyEspSecureBoot(bytes, IMAGE_LENGTH, [pinned('esp-p256', SBV2_ECDSA_PEM)])).toEqual({
      ok: true,
      value: { signed: true, keyId: 'esp-p256', scheme: 'ecdsa-p256' },
    });
    const [block] = (readSignatureSector(bytes, IMAGE_LENGTH) as { value: { digest: Buffer }[] }).value;
    expect(block?.digest.toString('hex')).toBe(SBV2_DIGEST);
  });

  it('RSA-3072 PSS: the block verifies with its pinned key, also as the second of two blocks', () => {
    const keys = [pinned('esp-rsa', SBV2_RSA_PEM)];
    expect(verifyEspSecureBoot(signedWith(rsaBlock()), IMAGE_LENGTH, keys)).toMatchObject({
      ok: true,
      value: { keyId: 'esp-rsa', scheme: 'rsa-3072' },
    });
    expect(verifyEspSecureBoot(signedWith(ecdsaBlock(), rsaBlock()), IMAGE_LENGTH, keys)).toMatchObject({
      ok: true,
      value: { keyId: 'esp-rsa' },
    });
  });

  it('no trailing bytes: unsigned (integrity only), not an error', () => {
    expect(verifyEspSecureBoot(ESP32_APP, IMAGE_LENGTH, [])).toEqual({
      ok: true,
      value: { signed: false, keyId: null, scheme: null },
    });
  });

  it('an unpinned key is refused with the key digest the eFuse would hold', () => {
    const refused = verifyEspSecureBoot(signedWith(ecdsaBlock()), IMAGE_LENGTH, [
      pinned('esp-rsa', SBV2_RSA_PEM),
    ]);
    expect(refused).toMatchObject({ ok: false, code: 'unknown-key' });
    expect(!refused.ok && refused.reason).toMatch(
      /^image is signed for Secure Boot V2 only with keys that are not pinned \(public key digest [0-9a-f]{64}\)$/,
    );
  });

  it('a changed image byte: the digest no longer matches', () => {
    const bytes = Buffer.from(signedWith(ecdsaBlock()));
    bytes.writeUInt8(bytes.readUInt8(100) ^ 1, 100);
    expect(verifyEspSecureBoot(bytes, IMAGE_LENGTH, [pinned('k', SBV2_ECDSA_PEM)])).toEqual({
      ok: false,
      code: 'hash-mismatch',
      reason: expect.stringMatching(
        new RegExp(
          `^Secure Boot V2 signature block 0 carries the digest ${SBV2_DIGEST}, the image hashes to [0-9a-f]{64}$`,
        ),
      ),
    });
  });

  it('a damaged block: its CRC32 says so', () => {
    const block = ecdsaBlock();
    block.writeUInt8(block.readUInt8(120) ^ 0x40, 120);
    expect(verifyEspSecureBoot(signedWith(block), IMAGE_LENGTH, [pinned('k', SBV2_ECDSA_PEM)])).toEqual({
      ok: false,
      code: 'bad-signature',
      reason: `Secure Boot V2 signature block 0 is damaged: its CRC32 0x${Buffer.from(SBV2_ECDSA_BLOCK_CRC, 'hex').readUInt32LE(0).toString(16).padStart(8, '0')} does not match 0x${crc32(block.subarray(0, 1196)).toString(16).padStart(8, '0')}`,
    });
  });

  it('a forged signature (CRC made to fit) does not verify with the pinned key', () => {
    const ecdsa = ecdsaBlock();
    ecdsa.writeUInt8(ecdsa.readUInt8(110) ^ 1, 110); // inside r
    expect(
      verifyEspSecureBoot(signedWith(withCrc(ecdsa)), IMAGE_LENGTH, [pinned('k', SBV2_ECDSA_PEM)]),
    ).toEqual({
      ok: false,
      code: 'bad-signature',
      reason: 'Secure Boot V2 signature block 0 (ecdsa-p256) does not verify with pinned key "k"',
    });
    const rsa = rsaBlock();
    rsa.writeUInt8(rsa.readUInt8(900) ^ 1, 900);
    expect(
      verifyEspSecureBoot(signedWith(withCrc(rsa)), IMAGE_LENGTH, [pinned('r', SBV2_RSA_PEM)]),
    ).toMatchObject({
      code: 'bad-signature',
    });
  });

  it('trailing bytes that are no signature sector, no block, or an unknown version are refused', () => {
    const keys = [pinned('k', SBV2_ECDSA_PEM)];
    const extra = Buffer.concat([ESP32_APP, Buffer.alloc(100)]);
    expect(verifyEspSecureBoot(extra, IMAGE_LENGTH, keys)).toEqual({
      ok: false,
      code: 'bad-signature',
      reason:
        '100 bytes follow the image but they are not a Secure Boot V2 signature sector (4096 bytes at the next 4096-byte boundary after the image)',
    });
    expect(verifyEspSecureBoot(signedWith(), IMAGE_LENGTH, keys)).toMatchObject({
      code: 'bad-signature',
      reason: 'the signature sector at offset 4096 has no signature block (magic 0xff, expected 0xe7)',
    });
    const v4 = ecdsaBlock();
    v4[1] = 4;
    expect(verifyEspSecureBoot(signedWith(withCrc(v4)), IMAGE_LENGTH, keys)).toMatchObject({
      code: 'unsupported',
    });
  });
});

describe('the test signer lays blocks out as espsecure.py does', () => {
  // the vector's P-256 private scalar (the generating script's ec.derive_private_key)
  const d = Buffer.from('1f2e3d4c5b6a798800112233445566778899aabbccddeeff0102030405060708', 'hex');
  const jwk = createPublicKey(SBV2_ECDSA_PEM).export({ format: 'jwk' });
  const ecdsaKey = createPrivateKey({ key: { ...jwk, d: d.toString('base64url') }, format: 'jwk' });
  const contents = signedWith(ecdsaBlock()).subarray(0, 4096);

  it('ECDSA: magic, version, scheme, digest, curve and key bytes equal the vector (the signature is random)', () => {
    const block = signatureBlock(contents, ecdsaKey);
    expect(block.subarray(0, 101).toString('hex')).toBe(SBV2_ECDSA_BLOCK_HEAD.slice(0, 202));
    expect(block.subarray(165, 1196).every((b) => b === 0)).toBe(true);
    expect(
      verifyEspSecureBoot(signEspSecureBootV2(ESP32_APP, [ecdsaKey]), IMAGE_LENGTH, [
        pinned('k', SBV2_ECDSA_PEM),
      ]).ok,
    ).toBe(true);
  });

  it("RSA: modulus, exponent, R and M' equal the vector's", () => {
    const vector = Buffer.from(SBV2_RSA_BLOCK, 'hex');
    expect(rsaPrimitives(createPublicKey(SBV2_RSA_PEM)).toString('hex')).toBe(
      vector.subarray(36, 812).toString('hex'),
    );
  });

  it('RSA-3072 and P-384 round trips; with three blocks the pinned third one is found', () => {
    const rsaPrivate = createPrivateKey(TEST_RSA_3072_PRIVATE_PEM);
    const rsa = { privateKey: rsaPrivate, publicKey: createPublicKey(rsaPrivate) };
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const pem = (k: { publicKey: KeyObject }) =>
      k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const bytes = signEspSecureBootV2(ESP32_APP, [ecdsaKey, rsa.privateKey, p384.privateKey]);
    expect(bytes.length).toBe(8192);
    expect(verifyEspSecureBoot(bytes, IMAGE_LENGTH, [pinned('p384', pem(p384))])).toMatchObject({
      ok: true,
      value: { keyId: 'p384', scheme: 'ecdsa-p384' },
    });
    expect(verifyEspSecureBoot(bytes, IMAGE_LENGTH, [pinned('rsa', pem(rsa))])).toMatchObject({
      ok: true,
      value: { keyId: 'rsa', scheme: 'rsa-3072' },
    });
  });
});

describe('fuzz: any bytes give a verdict, never an exception', () => {
  it('mutated sectors and random tails', () => {
    const keys = [pinned('k', SBV2_ECDSA_PEM), pinned('r', SBV2_RSA_PEM)];
    const base = Buffer.from(signedWith(ecdsaBlock(), rsaBlock()));
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 1000; i++) {
      const bytes = Buffer.from(base);
      const flips = 1 + (rand() % 8);
      for (let f = 0; f < flips; f++) bytes[4096 + (rand() % 4096)] = rand() & 0xff;
      if (i % 3 === 0) {
        // keep CRCs right so the key and signature parsers see the garbage too
        withCrc(bytes.subarray(4096, 4096 + 1216));
        withCrc(bytes.subarray(4096 + 1216, 4096 + 2432));
      }
      const cut = i % 7 === 0 ? bytes.subarray(0, IMAGE_LENGTH + (rand() % 8000)) : bytes;
      const result = verifyEspSecureBoot(cut, IMAGE_LENGTH, keys);
      expect(typeof result.ok).toBe('boolean');
    }
  });
});
