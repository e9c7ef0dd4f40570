/**
 * Builds and signs MCUboot images the way imgtool does (`scripts/imgtool/image.py`,
 * `Image.add_header` / `Image.create`), with node:crypto, because imgtool itself cannot
 * be installed on the project machines. Used by tests and simulated devices; the
 * product never signs firmware.
 *
 * imgtool facts reproduced here:
 * - `--pad-header`: the header area is filled with the erased value 0xff, then the
 *   32-byte header is written over its start.
 * - ih_protect_tlv_size counts the 4-byte protected info header plus the protected TLVs.
 * - Protected TLVs: SEC_CNT, then custom TLVs, then DEPENDENCY entries.
 * - Unprotected TLVs: SHA256 over header+payload+protected TLVs, KEYHASH = SHA-256 of
 *   `key.get_public_bytes()` (DER SubjectPublicKeyInfo, keys/ecdsa.py and keys/ed25519.py),
 *   then the signature: ECDSA-P256 `key.sign(payload)` (ECDSA with SHA-256 over the
 *   covered bytes, DER), Ed25519 `key.sign_digest(digest)` (over the 32-byte digest).
 */
import { createHash, createPublicKey, type KeyObject, sign } from 'node:crypto';
import {
  type ImageVersion,
  MCUBOOT_IMAGE_MAGIC,
  type McubootDependency,
  TLV,
  TLV_INFO_MAGIC,
  TLV_PROT_INFO_MAGIC,
} from './mcuboot-image';

export interface RawTlv {
  type: number;
  value: Uint8Array;
}

export interface SignImageOptions {
  payload: Uint8Array;
  version: ImageVersion;
  headerSize?: number;
  loadAddr?: number;
  flags?: number;
  securityCounter?: number;
  dependencies?: McubootDependency[];
  /** imgtool --vid / --cid: protected UUID_VID (0x74) / UUID_CID (0x75) TLVs, UUID text. */
  vendorId?: string;
  classId?: string;
  /** Extra protected TLVs (imgtool --custom-tlv), e.g. a target id. */
  customTlvs?: RawTlv[];
  /** ECDSA P-256 or Ed25519 private key; omitted → hash-only image. */
  key?: KeyObject;
  /** imgtool --public-key-format: 'hash' adds KEYHASH (default), 'full' adds PUBKEY (the DER itself). */
  publicKeyFormat?: 'hash' | 'full';
  /** imgtool --pad-sig: ECDSA signatures zero-padded to 72 bytes (MCUboot < 1.5 needed it). */
  padSignature?: boolean;
}

export function signMcubootImage(options: SignImageOptions): Uint8Array {
  const headerSize = options.headerSize ?? 0x200;
  const protectedTlvs: RawTlv[] = [];
  if (options.securityCounter !== undefined)
    protectedTlvs.push({ type: TLV.SEC_CNT, value: u32(options.securityCounter) });
  if (options.vendorId) protectedTlvs.push({ type: 0x74, value: uuidBytes(options.vendorId) });
  if (options.classId) protectedTlvs.push({ type: 0x75, value: uuidBytes(options.classId) });
  protectedTlvs.push(...(options.customTlvs ?? []));
  for (const dep of options.dependencies ?? []) {
    const value = new Uint8Array(12);
    const view = new DataView(value.buffer);
    view.setUint8(0, dep.imageId);
    writeVersion(view, 4, dep.minVersion);
    protectedTlvs.push({ type: TLV.DEPENDENCY, value });
  }
  const protectedArea =
    protectedTlvs.length > 0 ? tlvArea(TLV_PROT_INFO_MAGIC, protectedTlvs) : new Uint8Array(0);

  const header = new Uint8Array(headerSize).fill(0xff);
  const view = new DataView(header.buffer);
  view.setUint32(0, MCUBOOT_IMAGE_MAGIC, true);
  view.setUint32(4, options.loadAddr ?? 0, true);
  view.setUint16(8, headerSize, true);
  view.setUint16(10, protectedArea.length, true);
  view.setUint32(12, options.payload.length, true);
  view.setUint32(16, options.flags ?? 0, true);
  writeVersion(view, 20, options.version);
  view.setUint32(28, 0, true);

  const covered = concat([header, options.payload, protectedArea]);
  const digest = createHash('sha256').update(covered).digest();
  const tlvs: RawTlv[] = [{ type: TLV.SHA256, value: digest }];
  if (options.key) {
    const spki = createPublicKey(options.key).export({ type: 'spki', format: 'der' });
    tlvs.push(
      options.publicKeyFormat === 'full'
        ? { type: TLV.PUBKEY, value: spki }
        : { type: TLV.KEYHASH, value: createHash('sha256').update(spki).digest() },
    );
    if (options.key.asymmetricKeyType === 'ed25519') {
      tlvs.push({ type: TLV.ED25519, value: sign(null, digest, options.key) });
    } else if (options.key.asymmetricKeyType === 'ec') {
      const signature = sign('sha256', covered, options.key);
      const padded = options.padSignature
        ? Buffer.concat([signature, Buffer.alloc(72 - signature.length)])
        : signature;
      tlvs.push({ type: TLV.ECDSA_SIG, value: padded });
    } else {
      throw new Error(`unsupported signing key type ${options.key.asymmetricKeyType}`);
    }
  }
  return concat([covered, tlvArea(TLV_INFO_MAGIC, tlvs)]);
}

export function tlvArea(magic: number, tlvs: RawTlv[]): Uint8Array {
  const total = 4 + tlvs.reduce((sum, t) => sum + 4 + t.value.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint16(0, magic, true);
  view.setUint16(2, total, true);
  let offset = 4;
  for (const tlv of tlvs) {
    view.setUint16(offset, tlv.type, true);
    view.setUint16(offset + 2, tlv.value.length, true);
    out.set(tlv.value, offset + 4);
    offset += 4 + tlv.value.length;
  }
  return out;
}

function writeVersion(view: DataView, offset: number, v: ImageVersion): void {
  view.setUint8(offset, v.major);
  view.setUint8(offset + 1, v.minor);
  view.setUint16(offset + 2, v.revision, true);
  view.setUint32(offset + 4, v.build, true);
}

function uuidBytes(uuid: string): Uint8Array {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
