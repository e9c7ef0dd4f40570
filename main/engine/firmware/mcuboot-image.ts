/**
 * MCUboot signed-image parser (header + protected/unprotected TLV areas).
 *
 * Layout from MCUboot `boot/bootutil/include/bootutil/image.h` and `docs/design.md`
 * ("Image format"), as written by `scripts/imgtool/image.py`:
 *   header (32 bytes LE, padded to ih_hdr_size) | payload (ih_img_size) |
 *   [protected TLV info {u16 0x6908, u16 tot} + TLVs] | TLV info {u16 0x6907, u16 tot} + TLVs
 * `tot` counts its own 4-byte info header. Every offset is bounds-checked; a malformed
 * file yields an ImageRefusal with the exact reason, never an exception.
 * Verification (hash, signature, versions) lives in verify-image.ts.
 */
import { hex, type ImageResult, refuse } from './image-refusal';

export const MCUBOOT_IMAGE_MAGIC = 0x96f3b83d;
export const MCUBOOT_IMAGE_MAGIC_V1 = 0x96f3b83c;
export const MCUBOOT_HEADER_SIZE = 32;
export const TLV_INFO_MAGIC = 0x6907;
export const TLV_PROT_INFO_MAGIC = 0x6908;

export const TLV = {
  KEYHASH: 0x01,
  PUBKEY: 0x02,
  SHA256: 0x10,
  SHA384: 0x11,
  SHA512: 0x12,
  RSA2048_PSS: 0x20,
  ECDSA224: 0x21,
  ECDSA_SIG: 0x22,
  RSA3072_PSS: 0x23,
  ED25519: 0x24,
  SIG_PURE: 0x25,
  DEPENDENCY: 0x40,
  SEC_CNT: 0x50,
} as const;

const TLV_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TLV).map(([name, type]) => [type, name]),
);

/** Fixed value sizes from image.h / imgtool; a TLV with another length is malformed. */
const TLV_FIXED_LENGTH: Record<number, number> = {
  [TLV.KEYHASH]: 32,
  [TLV.SHA256]: 32,
  [TLV.ED25519]: 64,
  [TLV.SEC_CNT]: 4,
  [TLV.DEPENDENCY]: 12,
};

export const IMAGE_FLAGS = {
  PIC: 0x1,
  ENCRYPTED_AES128: 0x4,
  ENCRYPTED_AES256: 0x8,
  NON_BOOTABLE: 0x10,
  RAM_LOAD: 0x20,
  ROM_FIXED: 0x100,
} as const;

export interface ImageVersion {
  major: number;
  minor: number;
  revision: number;
  build: number;
}

export interface McubootTlv {
  type: number;
  /** Name from image.h, or 'unknown' (vendor and future TLVs are kept, not dropped). */
  name: string;
  protected: boolean;
  /** Offset of the value in the file. */
  offset: number;
  value: Uint8Array;
}

export interface McubootDependency {
  imageId: number;
  minVersion: ImageVersion;
}

export interface McubootImage {
  loadAddr: number;
  hdrSize: number;
  protectTlvSize: number;
  imgSize: number;
  flags: number;
  version: ImageVersion;
  tlvs: McubootTlv[];
  /** Bytes covered by the SHA256 TLV: header, payload and protected TLV area. */
  hashedLength: number;
  /** End of the unprotected TLV area; anything after it (imgtool --pad trailer) is not image. */
  imageLength: number;
  securityCounter?: number;
  dependencies: McubootDependency[];
}

export function formatVersion(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}+${v.build}`;
}

/** MCUboot/imgtool order: major, minor, revision, then build number. */
export function compareVersions(a: ImageVersion, b: ImageVersion): number {
  return a.major - b.major || a.minor - b.minor || a.revision - b.revision || a.build - b.build;
}

export function readVersion(view: DataView, offset: number): ImageVersion {
  return {
    major: view.getUint8(offset),
    minor: view.getUint8(offset + 1),
    revision: view.getUint16(offset + 2, true),
    build: view.getUint32(offset + 4, true),
  };
}

export function parseMcubootImage(bytes: Uint8Array): ImageResult<McubootImage> {
  if (bytes.length < MCUBOOT_HEADER_SIZE) {
    return refuse(
      'truncated',
      `file is ${bytes.length} bytes, shorter than the ${MCUBOOT_HEADER_SIZE}-byte MCUboot header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic === MCUBOOT_IMAGE_MAGIC_V1) {
    return refuse('unsupported', `legacy MCUboot v1 header magic ${hex(magic)} is not supported`);
  }
  if (magic !== MCUBOOT_IMAGE_MAGIC) return refuse('bad-magic', `bad header magic ${hex(magic)}`);
  const loadAddr = view.getUint32(4, true);
  const hdrSize = view.getUint16(8, true);
  const protectTlvSize = view.getUint16(10, true);
  const imgSize = view.getUint32(12, true);
  const flags = view.getUint32(16, true);
  const version = readVersion(view, 20);
  if (hdrSize < MCUBOOT_HEADER_SIZE) {
    return refuse(
      'bad-header',
      `header size ${hdrSize} is smaller than the ${MCUBOOT_HEADER_SIZE}-byte header`,
    );
  }
  const tlvStart = hdrSize + imgSize;
  if (tlvStart > bytes.length) {
    return refuse(
      'truncated',
      `header and payload (${hdrSize} + ${imgSize} bytes) run past the end of the file (${bytes.length} bytes)`,
    );
  }

  const tlvs: McubootTlv[] = [];
  let offset = tlvStart;
  const protectedArea = readTlvInfo(bytes, view, offset);
  if (!protectedArea.ok) return protectedArea;
  if (protectedArea.value.magic === TLV_PROT_INFO_MAGIC) {
    // bootutil_tlv_iter_begin: the protected area's tot must equal ih_protect_tlv_size.
    if (protectedArea.value.total !== protectTlvSize) {
      return refuse(
        'bad-tlv',
        `protected TLV area is ${protectedArea.value.total} bytes but the header says ${protectTlvSize}`,
      );
    }
    const entries = readTlvEntries(bytes, view, offset, protectedArea.value.total, true);
    if (!entries.ok) return entries;
    tlvs.push(...entries.value);
    offset += protectedArea.value.total;
  } else if (protectTlvSize !== 0) {
    return refuse(
      'bad-tlv',
      `header announces ${protectTlvSize} bytes of protected TLVs but found magic ${hex(protectedArea.value.magic, 4)} instead of 0x6908`,
    );
  }
  const hashedLength = offset;
  const area = readTlvInfo(bytes, view, offset);
  if (!area.ok) return area;
  if (area.value.magic !== TLV_INFO_MAGIC) {
    return refuse(
      'bad-tlv',
      `bad TLV area magic ${hex(area.value.magic, 4)} at offset ${offset} (expected 0x6907)`,
    );
  }
  const entries = readTlvEntries(bytes, view, offset, area.value.total, false);
  if (!entries.ok) return entries;
  tlvs.push(...entries.value);

  const dependencies: McubootDependency[] = [];
  let securityCounter: number | undefined;
  for (const tlv of tlvs) {
    if (tlv.type !== TLV.SEC_CNT && tlv.type !== TLV.DEPENDENCY) continue;
    // Outside the protected area these would not be covered by the hash or signature.
    if (!tlv.protected) return refuse('bad-tlv', `${tlv.name} TLV is outside the protected TLV area`);
    const tv = new DataView(tlv.value.buffer, tlv.value.byteOffset, tlv.value.byteLength);
    if (tlv.type === TLV.SEC_CNT) {
      if (securityCounter !== undefined) return refuse('bad-tlv', 'more than one security counter TLV');
      securityCounter = tv.getUint32(0, true);
    } else {
      dependencies.push({ imageId: tv.getUint8(0), minVersion: readVersion(tv, 4) });
    }
  }

  return {
    ok: true,
    value: {
      loadAddr,
      hdrSize,
      protectTlvSize,
      imgSize,
      flags,
      version,
      tlvs,
      hashedLength,
      imageLength: offset + area.value.total,
      securityCounter,
      dependencies,
    },
  };
}

function readTlvInfo(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
): ImageResult<{ magic: number; total: number }> {
  if (offset + 4 > bytes.length) {
    return refuse(
      'truncated',
      `TLV area runs past the end of the file (no TLV info header at offset ${offset})`,
    );
  }
  return {
    ok: true,
    value: { magic: view.getUint16(offset, true), total: view.getUint16(offset + 2, true) },
  };
}

function readTlvEntries(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  total: number,
  isProtected: boolean,
): ImageResult<McubootTlv[]> {
  const areaName = isProtected ? 'protected TLV area' : 'TLV area';
  if (total < 4)
    return refuse('bad-tlv', `${areaName} length ${total} is smaller than its 4-byte info header`);
  const end = start + total;
  if (end > bytes.length) {
    return refuse('truncated', `${areaName} runs past the end of the file (${end} > ${bytes.length} bytes)`);
  }
  const tlvs: McubootTlv[] = [];
  let offset = start + 4;
  while (offset < end) {
    if (offset + 4 > end)
      return refuse('bad-tlv', `truncated TLV header at offset ${offset} in the ${areaName}`);
    const type = view.getUint16(offset, true);
    const length = view.getUint16(offset + 2, true);
    const valueOffset = offset + 4;
    const name = TLV_NAMES[type] ?? 'unknown';
    if (valueOffset + length > end) {
      return refuse(
        'bad-tlv',
        `TLV ${name} (${hex(type, 2)}) at offset ${offset} is ${length} bytes and runs past the end of the ${areaName}`,
      );
    }
    const expected = TLV_FIXED_LENGTH[type];
    if (expected !== undefined && length !== expected) {
      return refuse('bad-tlv', `TLV ${name} is ${length} bytes, expected ${expected}`);
    }
    tlvs.push({
      type,
      name,
      protected: isProtected,
      offset: valueOffset,
      value: bytes.subarray(valueOffset, valueOffset + length),
    });
    offset = valueOffset + length;
  }
  return { ok: true, value: tlvs };
}
