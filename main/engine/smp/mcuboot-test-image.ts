/**
 * Test and simulator helper: the smallest well-formed MCUboot image (docs/design.md
 * "Image format", bootutil image.h): a 32-byte header (magic 0x96f3b83d, hdr_size 32,
 * version), the payload, and an unprotected TLV area holding the SHA256 TLV (0x10) over
 * header + payload. Unsigned: signing belongs to the firmware library. Also reads back
 * the version and SHA256 TLV the way img_mgmt reports them in the image state list.
 */
import { createHash } from 'node:crypto';

export const IMAGE_MAGIC = 0x96f3b83d;
const TLV_INFO_MAGIC = 0x6907;
const TLV_PROT_INFO_MAGIC = 0x6908;
const TLV_SHA256 = 0x10;

export interface TestImageVersion {
  major: number;
  minor: number;
  revision: number;
  build?: number;
}

export function buildTestImage(payload: Uint8Array, v: TestImageVersion): Uint8Array {
  const hdr = Buffer.alloc(32);
  hdr.writeUInt32LE(IMAGE_MAGIC, 0);
  hdr.writeUInt16LE(32, 8);
  hdr.writeUInt32LE(payload.length, 12);
  hdr.writeUInt8(v.major, 20);
  hdr.writeUInt8(v.minor, 21);
  hdr.writeUInt16LE(v.revision, 22);
  hdr.writeUInt32LE(v.build ?? 0, 24);
  const covered = Buffer.concat([hdr, payload]);
  const digest = createHash('sha256').update(covered).digest();
  const tlv = Buffer.alloc(4 + 4 + 32);
  tlv.writeUInt16LE(TLV_INFO_MAGIC, 0);
  tlv.writeUInt16LE(tlv.length, 2);
  tlv.writeUInt16LE(TLV_SHA256, 4);
  tlv.writeUInt16LE(32, 6);
  digest.copy(tlv, 8);
  return new Uint8Array(Buffer.concat([covered, tlv]));
}

export interface ImageIdentity {
  version: string;
  hash: Uint8Array;
}

/** Version (`maj.min.rev[.build]`) and SHA256 TLV, or undefined if the bytes are not an MCUboot image. */
export function readImageIdentity(bytes: Uint8Array): ImageIdentity | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 32 || b.readUInt32LE(0) !== IMAGE_MAGIC) return undefined;
  const hdrSize = b.readUInt16LE(8);
  const protSize = b.readUInt16LE(10);
  const imgSize = b.readUInt32LE(12);
  let at = hdrSize + imgSize;
  if (protSize > 0) {
    if (at + 4 > b.length || b.readUInt16LE(at) !== TLV_PROT_INFO_MAGIC) return undefined;
    at += protSize;
  }
  if (at + 4 > b.length || b.readUInt16LE(at) !== TLV_INFO_MAGIC) return undefined;
  const end = at + b.readUInt16LE(at + 2);
  if (end > b.length) return undefined;
  for (let p = at + 4; p + 4 <= end; ) {
    const type = b.readUInt16LE(p);
    const len = b.readUInt16LE(p + 2);
    if (p + 4 + len > end) return undefined;
    if (type === TLV_SHA256 && len === 32) {
      const build = b.readUInt32LE(24);
      const base = `${b.readUInt8(20)}.${b.readUInt8(21)}.${b.readUInt16LE(22)}`;
      return { version: build ? `${base}.${build}` : base, hash: new Uint8Array(b.subarray(p + 4, p + 36)) };
    }
    p += 4 + len;
  }
  return undefined;
}
