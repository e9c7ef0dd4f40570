/**
 * ESP-IDF application image parser and integrity check.
 *
 * Layout from ESP-IDF `components/bootloader_support/include/esp_app_format.h`
 * (esp_image_header_t, 24 bytes LE; esp_image_segment_header_t {load_addr, data_len})
 * and `components/esp_app_format/include/esp_app_desc.h` (esp_app_desc_t, 256 bytes,
 * magic 0xABCD5432 at the start of the first (DROM) segment's data). After the
 * segments the image is zero-padded so that a one-byte checksum (XOR of all segment
 * data, seed 0xEF) ends on a 16-byte boundary; with hash_appended a SHA-256 of
 * everything up to and including the checksum follows (bootloader_support
 * esp_image_format.c). Anything after that (a secure-boot signature block) is kept
 * outside `imageLength`. Malformed input yields an ImageRefusal, never an exception.
 */
import { createHash } from 'node:crypto';
import { hex, type ImageRefusal, type ImageResult, refuse } from './image-refusal';

export const ESP_IMAGE_MAGIC = 0xe9;
export const ESP_APP_DESC_MAGIC = 0xabcd5432;
export const ESP_IMAGE_HEADER_SIZE = 24;
export const ESP_IMAGE_MAX_SEGMENTS = 16;
const SEGMENT_HEADER_SIZE = 8;
const APP_DESC_SIZE = 256;
const CHECKSUM_SEED = 0xef;

/** esp_chip_id_t (esp_app_format.h; P4, C61 and C5 were added in later IDF releases). */
export const ESP_CHIP_NAMES: Record<number, string> = {
  0: 'ESP32',
  2: 'ESP32-S2',
  5: 'ESP32-C3',
  9: 'ESP32-S3',
  12: 'ESP32-C2',
  13: 'ESP32-C6',
  16: 'ESP32-H2',
  18: 'ESP32-P4',
  20: 'ESP32-C61',
  23: 'ESP32-C5',
};

export function espChipName(chipId: number): string {
  return ESP_CHIP_NAMES[chipId] ?? `unknown chip ${hex(chipId, 4)}`;
}

export interface EspImageHeader {
  segmentCount: number;
  spiMode: number;
  spiSpeed: number;
  spiSize: number;
  entryAddr: number;
  wpPin: number;
  chipId: number;
  /** Legacy field; min/maxChipRevFull (major * 100 + minor) are authoritative. */
  minChipRev: number;
  minChipRevFull: number;
  maxChipRevFull: number;
  hashAppended: boolean;
}

export interface EspSegment {
  loadAddr: number;
  /** Offset of the segment's data in the file. */
  offset: number;
  length: number;
}

export interface EspAppDesc {
  secureVersion: number;
  version: string;
  projectName: string;
  time: string;
  date: string;
  idfVersion: string;
  appElfSha256: string;
}

export interface EspAppImage {
  header: EspImageHeader;
  segments: EspSegment[];
  appDesc: EspAppDesc;
  checksum: number;
  /** Appended SHA-256 (hex) when hash_appended is set. */
  appendedSha256?: string;
  /** Header through checksum and appended hash; later bytes (signature block) excluded. */
  imageLength: number;
}

export interface EspImageChecks {
  /** Partition size; the whole file must fit. */
  maxSize?: number;
  /** The device's chip: its esp_chip_id_t and revision (major * 100 + minor). */
  chipId?: number;
  chipRevision?: number;
  /** eFuse secure version of the device (anti-rollback). */
  secureVersion?: number;
  /**
   * Default true: without the appended SHA-256 only the 8-bit checksum guards the image,
   * and clearing the hash_appended flag would silently drop the hash check.
   */
  requireAppendedHash?: boolean;
}

export function parseEspImageHeader(bytes: Uint8Array): ImageResult<EspImageHeader> {
  if (bytes.length < ESP_IMAGE_HEADER_SIZE) {
    return refuse(
      'truncated',
      `file is ${bytes.length} bytes, shorter than the ${ESP_IMAGE_HEADER_SIZE}-byte ESP image header`,
    );
  }
  const view = viewOf(bytes);
  const magic = view.getUint8(0);
  if (magic !== ESP_IMAGE_MAGIC)
    return refuse('bad-magic', `bad image magic ${hex(magic, 2)} (expected 0xe9)`);
  const segmentCount = view.getUint8(1);
  if (segmentCount === 0 || segmentCount > ESP_IMAGE_MAX_SEGMENTS) {
    return refuse('bad-header', `segment count ${segmentCount} is outside 1..${ESP_IMAGE_MAX_SEGMENTS}`);
  }
  const speedSize = view.getUint8(3);
  return {
    ok: true,
    value: {
      segmentCount,
      spiMode: view.getUint8(2),
      spiSpeed: speedSize & 0x0f,
      spiSize: speedSize >> 4,
      entryAddr: view.getUint32(4, true),
      wpPin: view.getUint8(8),
      chipId: view.getUint16(12, true),
      minChipRev: view.getUint8(14),
      minChipRevFull: view.getUint16(15, true),
      maxChipRevFull: view.getUint16(17, true),
      hashAppended: view.getUint8(23) !== 0,
    },
  };
}

export function parseEspAppImage(bytes: Uint8Array, checks: EspImageChecks = {}): ImageResult<EspAppImage> {
  const parsedHeader = parseEspImageHeader(bytes);
  if (!parsedHeader.ok) return parsedHeader;
  const header = parsedHeader.value;
  const view = viewOf(bytes);

  if (checks.maxSize !== undefined && bytes.length > checks.maxSize) {
    return refuse('too-big', `image size ${bytes.length} exceeds partition size ${checks.maxSize}`);
  }

  const segments: EspSegment[] = [];
  let offset = ESP_IMAGE_HEADER_SIZE;
  let checksum = CHECKSUM_SEED;
  for (let i = 0; i < header.segmentCount; i++) {
    if (offset + SEGMENT_HEADER_SIZE > bytes.length) {
      return refuse('truncated', `segment ${i} header runs past the end of the file (${bytes.length} bytes)`);
    }
    const loadAddr = view.getUint32(offset, true);
    const length = view.getUint32(offset + 4, true);
    const dataOffset = offset + SEGMENT_HEADER_SIZE;
    if (length % 4 !== 0) return refuse('bad-header', `segment ${i} length ${length} is not a multiple of 4`);
    if (dataOffset + length > bytes.length) {
      return refuse(
        'truncated',
        `segment ${i} (${length} bytes at offset ${dataOffset}) runs past the end of the file`,
      );
    }
    for (let j = dataOffset; j < dataOffset + length; j++) checksum ^= bytes[j] ?? 0;
    segments.push({ loadAddr, offset: dataOffset, length });
    offset = dataOffset + length;
  }

  // The checksum byte ends on the next 16-byte boundary after the segments.
  const checksumAt = (((offset + 1 + 15) >> 4) << 4) - 1;
  if (checksumAt >= bytes.length) return refuse('truncated', 'image ends before its checksum byte');
  const stored = view.getUint8(checksumAt);
  if (stored !== checksum) {
    return refuse(
      'bad-checksum',
      `checksum ${hex(stored, 2)} does not match the segments' ${hex(checksum, 2)}`,
    );
  }
  let imageLength = checksumAt + 1;
  let appendedSha256: string | undefined;
  if (!header.hashAppended && checks.requireAppendedHash !== false) {
    return refuse('no-hash', 'image has no appended SHA-256 (hash_appended is 0)');
  }
  if (header.hashAppended) {
    if (imageLength + 32 > bytes.length) return refuse('truncated', 'image ends before its appended SHA-256');
    const expected = Buffer.from(bytes.subarray(imageLength, imageLength + 32)).toString('hex');
    const actual = createHash('sha256').update(bytes.subarray(0, imageLength)).digest('hex');
    if (expected !== actual) {
      return refuse('hash-mismatch', `appended SHA-256 ${expected} does not match the image's ${actual}`);
    }
    appendedSha256 = actual;
    imageLength += 32;
  }

  const appDesc = readAppDesc(bytes, segments[0]);
  if (!appDesc.ok) return appDesc;

  const mismatch = checkTarget(header, appDesc.value, checks);
  if (mismatch) return mismatch;

  return {
    ok: true,
    value: { header, segments, appDesc: appDesc.value, checksum, appendedSha256, imageLength },
  };
}

function readAppDesc(bytes: Uint8Array, first: EspSegment | undefined): ImageResult<EspAppDesc> {
  if (!first || first.length < APP_DESC_SIZE) {
    return refuse(
      'bad-header',
      `first segment is too short to hold the ${APP_DESC_SIZE}-byte esp_app_desc_t`,
    );
  }
  const view = viewOf(bytes);
  const at = first.offset;
  const magic = view.getUint32(at, true);
  if (magic !== ESP_APP_DESC_MAGIC) {
    return refuse(
      'bad-magic',
      `bad esp_app_desc_t magic ${hex(magic)} at offset ${at} (expected 0xabcd5432)`,
    );
  }
  return {
    ok: true,
    value: {
      secureVersion: view.getUint32(at + 4, true),
      version: cString(bytes, at + 16, 32),
      projectName: cString(bytes, at + 48, 32),
      time: cString(bytes, at + 80, 16),
      date: cString(bytes, at + 96, 16),
      idfVersion: cString(bytes, at + 112, 32),
      appElfSha256: Buffer.from(bytes.subarray(at + 144, at + 176)).toString('hex'),
    },
  };
}

function checkTarget(
  header: EspImageHeader,
  desc: EspAppDesc,
  checks: EspImageChecks,
): ImageRefusal | undefined {
  if (checks.chipId !== undefined && checks.chipId !== header.chipId) {
    // Same wording as esp_https_ota's "Mismatch chip id, expected %d, found %d", in plain words.
    return refuse(
      'wrong-target',
      `image is built for ${espChipName(header.chipId)} (chip id ${header.chipId}), the device is ${espChipName(checks.chipId)} (chip id ${checks.chipId})`,
    );
  }
  const rev = checks.chipRevision;
  if (rev !== undefined && (rev < header.minChipRevFull || rev > header.maxChipRevFull)) {
    return refuse(
      'wrong-target',
      `image supports chip revisions ${revision(header.minChipRevFull)} to ${revision(header.maxChipRevFull)}, the device is ${revision(rev)}`,
    );
  }
  if (checks.secureVersion !== undefined && desc.secureVersion < checks.secureVersion) {
    return refuse(
      'security-counter',
      `secure version ${desc.secureVersion} is lower than the device's eFuse secure version ${checks.secureVersion}`,
    );
  }
  return undefined;
}

function revision(full: number): string {
  return `v${Math.floor(full / 100)}.${full % 100}`;
}

/** Fixed-size NUL-terminated C string; invalid UTF-8 becomes U+FFFD rather than failing. */
function cString(bytes: Uint8Array, offset: number, size: number): string {
  const field = bytes.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end === -1 ? size : end)).toString('utf8');
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
