/**
 * SMP (mcumgr) packet header and error forms.
 *
 * Layout (Zephyr doc/services/device_mgmt/smp_protocol.rst, mgmt_defines.h), 8 bytes:
 *   byte0 bits7-5 reserved, bits4-3 version (0 = v1 legacy, 1 = v2), bits2-0 op;
 *   byte1 flags; bytes2-3 data length (BE, CBOR only); bytes4-5 group (BE);
 *   byte6 sequence; byte7 command id.
 * Errors: v1 `{rc, rsn?}` (MGMT_ERR_*), v2 `{err: {group, rc}}` (group-specific codes);
 * SMP-layer errors still arrive as top-level `rc` in v2, so both are handled.
 */

export const SMP_HEADER_SIZE = 8;

export const SmpOp = { read: 0, readRsp: 1, write: 2, writeRsp: 3 } as const;
export type SmpOp = (typeof SmpOp)[keyof typeof SmpOp];

export const SmpGroup = { os: 0, image: 1 } as const;
export const OsCommand = { echo: 0, reset: 5, mcumgrParams: 6 } as const;
export const ImageCommand = { state: 0, upload: 1, erase: 5 } as const;

export interface SmpHeader {
  op: SmpOp;
  /** 0 = v1 (legacy), 1 = v2 */
  version: 0 | 1;
  flags: number;
  length: number;
  group: number;
  seq: number;
  id: number;
}

export class SmpHeaderError extends Error {
  override readonly name = 'SmpHeaderError';
}

export function encodeHeader(h: SmpHeader): Uint8Array {
  const out = new Uint8Array(SMP_HEADER_SIZE);
  out[0] = ((h.version & 0x3) << 3) | (h.op & 0x7);
  out[1] = h.flags & 0xff;
  out[2] = (h.length >> 8) & 0xff;
  out[3] = h.length & 0xff;
  out[4] = (h.group >> 8) & 0xff;
  out[5] = h.group & 0xff;
  out[6] = h.seq & 0xff;
  out[7] = h.id & 0xff;
  return out;
}

export function decodeHeader(bytes: Uint8Array): SmpHeader {
  if (bytes.length < SMP_HEADER_SIZE)
    throw new SmpHeaderError(`SMP packet too short: ${bytes.length} bytes, the header alone is 8`);
  const b0 = bytes[0] as number;
  if (b0 & 0xe0) throw new SmpHeaderError(`SMP header reserved bits set (0x${b0.toString(16)})`);
  const version = (b0 >> 3) & 0x3;
  if (version > 1) throw new SmpHeaderError(`SMP version ${version} is not supported (only v1 and v2)`);
  const op = b0 & 0x7;
  if (op > 3) throw new SmpHeaderError(`SMP op ${op} is not a valid operation`);
  return {
    op: op as SmpOp,
    version: version as 0 | 1,
    flags: bytes[1] as number,
    length: ((bytes[2] as number) << 8) | (bytes[3] as number),
    group: ((bytes[4] as number) << 8) | (bytes[5] as number),
    seq: bytes[6] as number,
    id: bytes[7] as number,
  };
}

/** MGMT_ERR_* (mgmt_defines.h), the v1 / SMP-layer `rc`. */
export const MGMT_ERR_NAMES: Readonly<Record<number, string>> = {
  0: 'MGMT_ERR_EOK',
  1: 'MGMT_ERR_EUNKNOWN',
  2: 'MGMT_ERR_ENOMEM',
  3: 'MGMT_ERR_EINVAL',
  4: 'MGMT_ERR_ETIMEOUT',
  5: 'MGMT_ERR_ENOENT',
  6: 'MGMT_ERR_EBADSTATE',
  7: 'MGMT_ERR_EMSGSIZE',
  8: 'MGMT_ERR_ENOTSUP',
  9: 'MGMT_ERR_ECORRUPT',
  10: 'MGMT_ERR_EBUSY',
  11: 'MGMT_ERR_EACCESSDENIED',
  12: 'MGMT_ERR_UNSUPPORTED_TOO_OLD',
  13: 'MGMT_ERR_UNSUPPORTED_TOO_NEW',
};

/** IMG_MGMT_ERR_* (img_mgmt.h, enum order), the v2 `err.rc` for the image group. */
export const IMG_MGMT_ERR_NAMES: Readonly<Record<number, string>> = {
  1: 'IMG_MGMT_ERR_UNKNOWN',
  3: 'IMG_MGMT_ERR_NO_IMAGE',
  8: 'IMG_MGMT_ERR_HASH_NOT_FOUND',
  9: 'IMG_MGMT_ERR_NO_FREE_SLOT',
  12: 'IMG_MGMT_ERR_FLASH_WRITE_FAILED',
  13: 'IMG_MGMT_ERR_FLASH_ERASE_FAILED',
  14: 'IMG_MGMT_ERR_INVALID_SLOT',
  20: 'IMG_MGMT_ERR_INVALID_OFFSET',
  21: 'IMG_MGMT_ERR_INVALID_LENGTH',
  22: 'IMG_MGMT_ERR_INVALID_IMAGE_HEADER',
  23: 'IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC',
  24: 'IMG_MGMT_ERR_INVALID_HASH',
  25: 'IMG_MGMT_ERR_INVALID_FLASH_ADDRESS',
  27: 'IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER',
  28: 'IMG_MGMT_ERR_IMAGE_ALREADY_PENDING',
};

/** A device's error answer, v1 (`group` undefined) or v2. */
export class SmpDeviceError extends Error {
  override readonly name = 'SmpDeviceError';
  constructor(
    readonly rc: number,
    readonly code: string,
    readonly group: number | undefined,
    readonly reason?: string,
  ) {
    super(
      `device answered ${code} (rc ${rc}${group === undefined ? '' : `, group ${group}`})${reason ? `: ${reason}` : ''}`,
    );
  }
}

function errorName(rc: number, group: number | undefined): string {
  if (group === undefined)
    return MGMT_ERR_NAMES[rc] ?? (rc >= 256 ? `MGMT_ERR_PERUSER_${rc}` : `MGMT_ERR_${rc}`);
  if (group === SmpGroup.image) return IMG_MGMT_ERR_NAMES[rc] ?? `IMG_MGMT_ERR_${rc}`;
  return `GROUP_${group}_ERR_${rc}`;
}

/** The error a response body carries, or undefined on success (no `rc`/`err`, or rc 0). */
export function errorOf(body: Record<string, unknown>): SmpDeviceError | undefined {
  const rc = body.rc;
  if (typeof rc === 'number' && rc !== 0) {
    const rsn = typeof body.rsn === 'string' ? body.rsn : undefined;
    return new SmpDeviceError(rc, errorName(rc, undefined), undefined, rsn);
  }
  const err = body.err;
  if (err && typeof err === 'object' && !(err instanceof Uint8Array)) {
    const { group, rc: grc } = err as Record<string, unknown>;
    if (typeof group === 'number' && typeof grc === 'number' && grc !== 0)
      return new SmpDeviceError(grc, errorName(grc, group), group);
  }
  return undefined;
}
