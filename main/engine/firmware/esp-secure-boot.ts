/**
 * ESP-IDF Secure Boot V2 signature check of an app image, against the fleet's pinned keys.
 *
 * Layout (ESP-IDF docs "Secure Boot V2", "Signature Block Format"; espsecure.py
 * `sign_secure_boot_v2`, `verify_signature_v2`, `validate_signature_block`): the image is
 * padded with 0xff to a 4096-byte boundary and followed by one 4096-byte signature sector:
 * up to 3 blocks of 1216 bytes, then 0xff. Each block: magic 0xe7, version 0x02 (RSA-3072
 * PSS) or 0x03 (ECDSA), the digest of everything before the sector, the public key and the
 * signature (big numbers little-endian), CRC32 of the first 1196 bytes, 16 zero bytes.
 * RSA: SHA-256 digest, RSA-PSS with MGF1-SHA256 and a 32-byte salt. ECDSA: byte 2 says
 * SHA-256 (0, curve P-256 at 36, key at 37, signature at 101) or SHA-384 (1, 48-byte digest,
 * curve P-384 at 52, key at 53, signature at 149). Malformed input yields a refusal, never
 * an exception.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { hex, type ImageResult, refuse } from './image-refusal';
import type { PinnedKey } from './verify-image';

export const SBV2_SECTOR_SIZE = 4096;
export const SBV2_BLOCK_SIZE = 1216;
export const SBV2_MAX_BLOCKS = 3;
export const SBV2_MAGIC = 0xe7;
const VERSION_RSA = 0x02;
const VERSION_ECDSA = 0x03;
const CRC_COVERS = 1196;

export type Sbv2Scheme = 'rsa-3072' | 'ecdsa-p256' | 'ecdsa-p384';

export interface Sbv2Block {
  index: number;
  scheme: Sbv2Scheme;
  digest: Buffer;
  hash: 'sha256' | 'sha384';
  key: KeyObject;
  /** what the bootloader's eFuse holds: SHA-256 of the block's public key part (espsecure digest_sbv2_public_key) */
  keyDigest: string;
  /** DER ECDSA or raw RSA-PSS signature, big-endian as node:crypto takes it */
  signature: Buffer;
  dsaEncoding?: 'ieee-p1363';
}

export interface Sbv2Result {
  signed: boolean;
  /** the pinned key a block verified with */
  keyId: string | null;
  scheme: Sbv2Scheme | null;
}

/**
 * `imageLength`: where the app image proper ends (parseEspAppImage). Nothing after it: unsigned.
 * Anything after it must be a valid signature sector signed with a pinned key.
 */
export function verifyEspSecureBoot(
  bytes: Uint8Array,
  imageLength: number,
  keys: readonly PinnedKey[],
): ImageResult<Sbv2Result> {
  if (bytes.length === imageLength) return { ok: true, value: { signed: false, keyId: null, scheme: null } };
  const blocks = readSignatureSector(bytes, imageLength);
  if (!blocks.ok) return blocks;
  const signed = bytes.subarray(0, bytes.length - SBV2_SECTOR_SIZE);
  const unpinned: string[] = [];
  for (const block of blocks.value) {
    const digest = createHash(block.hash).update(signed).digest();
    if (!digest.equals(block.digest)) {
      return refuse(
        'hash-mismatch',
        `Secure Boot V2 signature block ${block.index} carries the digest ${block.digest.toString('hex')}, the image hashes to ${digest.toString('hex')}`,
      );
    }
    const der = block.key.export({ type: 'spki', format: 'der' });
    const pinned = keys.find((k) => samePublicKey(k.pem, der));
    if (!pinned) {
      unpinned.push(block.keyDigest);
      continue;
    }
    if (!checkSignature(block, signed)) {
      return refuse(
        'bad-signature',
        `Secure Boot V2 signature block ${block.index} (${block.scheme}) does not verify with pinned key "${pinned.id}"`,
      );
    }
    return { ok: true, value: { signed: true, keyId: pinned.id, scheme: block.scheme } };
  }
  return refuse(
    'unknown-key',
    `image is signed for Secure Boot V2 only with keys that are not pinned (public key digest ${unpinned.join(', ')})`,
  );
}

/** The valid blocks of the signature sector that ends the file. */
export function readSignatureSector(bytes: Uint8Array, imageLength: number): ImageResult<Sbv2Block[]> {
  const trailing = bytes.length - imageLength;
  const sectorAt = bytes.length - SBV2_SECTOR_SIZE;
  // espsecure pads the image to the sector boundary, then appends exactly one sector
  if (
    bytes.length % SBV2_SECTOR_SIZE !== 0 ||
    sectorAt < imageLength ||
    sectorAt - imageLength >= SBV2_SECTOR_SIZE
  ) {
    return refuse(
      'bad-signature',
      `${trailing} bytes follow the image but they are not a Secure Boot V2 signature sector (4096 bytes at the next 4096-byte boundary after the image)`,
    );
  }
  const blocks: Sbv2Block[] = [];
  for (let index = 0; index < SBV2_MAX_BLOCKS; index++) {
    const at = sectorAt + index * SBV2_BLOCK_SIZE;
    const raw = bytes.subarray(at, at + SBV2_BLOCK_SIZE);
    if (raw[0] !== SBV2_MAGIC) {
      if (index > 0) break;
      return refuse(
        'bad-signature',
        `the signature sector at offset ${sectorAt} has no signature block (magic ${hex(raw[0] ?? 0, 2)}, expected 0xe7)`,
      );
    }
    const block = parseBlock(Buffer.from(raw), index);
    if (!block.ok) return block;
    blocks.push(block.value);
  }
  return { ok: true, value: blocks };
}

function parseBlock(raw: Buffer, index: number): ImageResult<Sbv2Block> {
  const stored = raw.readUInt32LE(CRC_COVERS);
  const crc = crc32(raw.subarray(0, CRC_COVERS));
  if (stored !== crc) {
    return refuse(
      'bad-signature',
      `Secure Boot V2 signature block ${index} is damaged: its CRC32 ${hex(stored)} does not match ${hex(crc)}`,
    );
  }
  const version = raw[1] ?? 0;
  if (version === VERSION_RSA) return rsaBlock(raw, index);
  if (version === VERSION_ECDSA) return ecdsaBlock(raw, index);
  return refuse(
    'unsupported',
    `Secure Boot V2 signature block ${index} has version ${hex(version, 2)} (0x02 RSA or 0x03 ECDSA expected)`,
  );
}

function rsaBlock(raw: Buffer, index: number): ImageResult<Sbv2Block> {
  const n = Buffer.from(raw.subarray(36, 420)).reverse();
  const e = raw.readUInt32LE(420);
  let key: KeyObject;
  try {
    key = createPublicKey({
      key: { kty: 'RSA', n: base64url(n), e: base64url(uintBytes(e)) },
      format: 'jwk',
    });
  } catch {
    return refuse('bad-signature', `Secure Boot V2 signature block ${index} holds no valid RSA public key`);
  }
  if (key.asymmetricKeyDetails?.modulusLength !== 3072)
    return refuse('unsupported', `Secure Boot V2 signature block ${index}: only RSA-3072 keys are used`);
  return {
    ok: true,
    value: {
      index,
      scheme: 'rsa-3072',
      digest: Buffer.from(raw.subarray(4, 36)),
      hash: 'sha256',
      key,
      keyDigest: createHash('sha256').update(raw.subarray(36, 812)).digest('hex'),
      signature: Buffer.from(raw.subarray(812, 1196)).reverse(),
    },
  };
}

function ecdsaBlock(raw: Buffer, index: number): ImageResult<Sbv2Block> {
  const sha384 = raw[2] === 1;
  if (raw[2] !== 0 && !sha384)
    return refuse(
      'unsupported',
      `Secure Boot V2 signature block ${index}: unknown ECDSA hash scheme ${raw[2]}`,
    );
  const digestLength = sha384 ? 48 : 32;
  const curveAt = 4 + digestLength;
  const curveId = raw[curveAt];
  const size = curveId === 2 ? 32 : curveId === 3 ? 48 : 0;
  if (!size || (curveId === 3) !== sha384) {
    return refuse(
      'unsupported',
      `Secure Boot V2 signature block ${index}: curve id ${curveId} with ${sha384 ? 'SHA-384' : 'SHA-256'} is not supported (P-256 with SHA-256, P-384 with SHA-384)`,
    );
  }
  // micro-ecc order: each coordinate little-endian, in a field as long as the curve's largest
  const field = sha384 ? 96 : 64;
  const point = raw.subarray(curveAt + 1, curveAt + 1 + field);
  const sig = raw.subarray(curveAt + 1 + field, curveAt + 1 + 2 * field);
  const be = (b: Uint8Array, from: number) => Buffer.from(b.subarray(from, from + size)).reverse();
  let key: KeyObject;
  try {
    key = createPublicKey({
      key: {
        kty: 'EC',
        crv: sha384 ? 'P-384' : 'P-256',
        x: base64url(be(point, 0)),
        y: base64url(be(point, size)),
      },
      format: 'jwk',
    });
  } catch {
    return refuse('bad-signature', `Secure Boot V2 signature block ${index} holds no valid ECDSA public key`);
  }
  return {
    ok: true,
    value: {
      index,
      scheme: sha384 ? 'ecdsa-p384' : 'ecdsa-p256',
      digest: Buffer.from(raw.subarray(4, 4 + digestLength)),
      hash: sha384 ? 'sha384' : 'sha256',
      key,
      keyDigest: createHash('sha256')
        .update(raw.subarray(curveAt, curveAt + 1 + field))
        .digest('hex'),
      signature: Buffer.concat([be(sig, 0), be(sig, size)]),
      dsaEncoding: 'ieee-p1363',
    },
  };
}

function checkSignature(block: Sbv2Block, signed: Uint8Array): boolean {
  try {
    if (block.scheme === 'rsa-3072') {
      return verify(
        'sha256',
        signed,
        { key: block.key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 },
        block.signature,
      );
    }
    return verify(block.hash, signed, { key: block.key, dsaEncoding: 'ieee-p1363' }, block.signature);
  } catch {
    return false;
  }
}

function samePublicKey(pem: string, der: Buffer): boolean {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' }).equals(der);
  } catch {
    return false;
  }
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function uintBytes(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  let i = 0;
  while (i < 3 && b[i] === 0) i++;
  return b.subarray(i);
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** zlib.crc32 (reflected, polynomial 0xedb88320, init and xorout 0xffffffff). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
