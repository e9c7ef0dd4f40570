/**
 * Signs an ESP-IDF app image for Secure Boot V2 the way espsecure.py `sign_data --version 2`
 * does (esptool espsecure/__init__.py: `sign_secure_boot_v2`,
 * `generate_signature_block_using_private_key`, `generate_rsa_signature_block`,
 * `generate_ecdsa_signature_block`, `_get_sbv2_rsa_primitives`, `_microecc_format`), with
 * node:crypto, because espsecure cannot be installed on the project machines. Used by tests
 * only; the product never signs firmware.
 */
import { createHash, type KeyObject, sign } from 'node:crypto';
import { crc32, SBV2_BLOCK_SIZE, SBV2_MAGIC, SBV2_MAX_BLOCKS, SBV2_SECTOR_SIZE } from './esp-secure-boot';

/** Pads `image` with 0xff to 4096 bytes and appends a signature sector with one block per key. */
export function signEspSecureBootV2(image: Uint8Array, keys: readonly KeyObject[]): Uint8Array {
  if (keys.length === 0 || keys.length > SBV2_MAX_BLOCKS) throw new Error('1 to 3 signing keys');
  const pad = (SBV2_SECTOR_SIZE - (image.length % SBV2_SECTOR_SIZE)) % SBV2_SECTOR_SIZE;
  const contents = Buffer.concat([image, Buffer.alloc(pad, 0xff)]);
  const sector = Buffer.alloc(SBV2_SECTOR_SIZE, 0xff);
  keys.forEach((key, i) => {
    signatureBlock(contents, key).copy(sector, i * SBV2_BLOCK_SIZE);
  });
  return Buffer.concat([contents, sector]);
}

export function signatureBlock(contents: Uint8Array, key: KeyObject): Buffer {
  const block = Buffer.alloc(SBV2_BLOCK_SIZE);
  block[0] = SBV2_MAGIC;
  const jwk = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType === 'rsa') {
    block[1] = 0x02;
    createHash('sha256').update(contents).digest().copy(block, 4);
    rsaPrimitives(key).copy(block, 36);
    const signature = sign('sha256', contents, {
      key,
      padding: 6 /* RSA_PKCS1_PSS_PADDING */,
      saltLength: 32,
    });
    Buffer.from(signature).reverse().copy(block, 812);
  } else {
    const p384 = jwk.crv === 'P-384';
    const size = p384 ? 48 : 32;
    const field = p384 ? 96 : 64;
    const digestLength = p384 ? 48 : 32;
    block[1] = 0x03;
    block[2] = p384 ? 1 : 0;
    createHash(p384 ? 'sha384' : 'sha256')
      .update(contents)
      .digest()
      .copy(block, 4);
    const at = 4 + digestLength;
    block[at] = p384 ? 3 : 2;
    const rev = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64url').reverse();
    rev(jwk.x).copy(block, at + 1);
    rev(jwk.y).copy(block, at + 1 + size);
    const rs = sign(p384 ? 'sha384' : 'sha256', contents, { key, dsaEncoding: 'ieee-p1363' });
    Buffer.from(rs.subarray(0, size))
      .reverse()
      .copy(block, at + 1 + field);
    Buffer.from(rs.subarray(size))
      .reverse()
      .copy(block, at + 1 + field + size);
  }
  block.writeUInt32LE(crc32(block.subarray(0, 1196)), 1196);
  return block;
}

/**
 * The RSA public part of a block (bytes 36..812): modulus, exponent, R = 2^6144 mod n and
 * M' = -n^-1 mod 2^32, little-endian (`_get_sbv2_rsa_primitives`, `generate_rsa_signature_block`).
 */
export function rsaPrimitives(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const n = BigInt(`0x${Buffer.from(jwk.n ?? '', 'base64url').toString('hex')}`);
  const e = Number(BigInt(`0x${Buffer.from(jwk.e ?? '', 'base64url').toString('hex')}`));
  const out = Buffer.alloc(776);
  le(n, 384).copy(out, 0);
  out.writeUInt32LE(e, 384);
  le((1n << 6144n) % n, 384).copy(out, 388);
  out.writeUInt32LE(Number((1n << 32n) - modInverse(n, 1n << 32n)), 772);
  return out;
}

function le(n: bigint, size: number): Buffer {
  return Buffer.from(n.toString(16).padStart(size * 2, '0'), 'hex').reverse();
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}
