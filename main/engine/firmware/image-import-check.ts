/**
 * The import check: what the library demands of an image before it keeps it, whatever
 * device it is for. MCUboot: parsed, SHA256 TLV recomputed, signature verified with a
 * pinned key, size within the largest slot; ESP-IDF: header, esp_app_desc_t, checksum and
 * appended SHA-256, and a Secure Boot V2 signature sector when there is one (verified with a
 * pinned key; an image without one is kept as unsigned). Device fit (target, version,
 * security counter) is the flashing step's check.
 */
import { ESP_IMAGE_MAGIC, type EspAppImage, parseEspAppImage } from './esp-app-image';
import { verifyEspSecureBoot } from './esp-secure-boot';
import { describeImageTarget, imageTargetOf } from './firmware-target';
import { type ImageRefusal, type ImageResult, refuse } from './image-refusal';
import { type ImageVersion, MCUBOOT_IMAGE_MAGIC } from './mcuboot-image';
import { type PinnedKey, type VerifiedMcubootImage, verifyMcubootImage } from './verify-image';

/** What an import learnt from the image, before it is stored. */
export interface AcceptedImage {
  kind: 'mcuboot' | 'esp-app';
  version: string;
  parts: (number | null)[];
  securityCounter: number | null;
  target: string | null;
  imageHash: string;
  keyId: string | null;
}

export interface ImportCheckOptions {
  keys: readonly PinnedKey[];
  maxImageBytes: number;
  /** a key id (what verify-image names) to the name people gave it */
  keyName: (id: string) => string | undefined;
}

export function checkImportedImage(
  bytes: Uint8Array,
  options: ImportCheckOptions,
): ImageResult<AcceptedImage> {
  if (bytes.length > options.maxImageBytes) {
    return refuse(
      'too-big',
      `the image is ${bytes.length} bytes, more than the ${options.maxImageBytes} a slot can hold`,
    );
  }
  if (bytes[0] === ESP_IMAGE_MAGIC) {
    const esp = parseEspAppImage(bytes, { maxSize: options.maxImageBytes });
    if (!esp.ok) return esp;
    const signed = verifyEspSecureBoot(bytes, esp.value.imageLength, options.keys);
    if (!signed.ok)
      return options.keys.length === 0 ? explainNoKeys(signed) : nameKeys(signed, options.keyName);
    return { ok: true, value: fromEsp(esp.value, signed.value.keyId, bytes) };
  }
  if (
    bytes.length >= 4 &&
    new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) !== MCUBOOT_IMAGE_MAGIC
  ) {
    const magic = Buffer.from(bytes.subarray(0, 4)).toString('hex');
    return refuse(
      'bad-magic',
      `not a firmware image: it starts with ${magic}, neither an MCUboot header (3db8f396) nor an ESP-IDF app image (e9)`,
    );
  }
  const { keys } = options;
  const verified = verifyMcubootImage(bytes, { keys, slotSize: options.maxImageBytes });
  if (!verified.ok) return keys.length === 0 ? explainNoKeys(verified) : nameKeys(verified, options.keyName);
  return { ok: true, value: fromMcuboot(verified.value, bytes) };
}

function targetText(bytes: Uint8Array): string | null {
  const target = imageTargetOf(bytes);
  return target ? describeImageTarget(target) : null;
}

function fromMcuboot(v: VerifiedMcubootImage, bytes: Uint8Array): AcceptedImage {
  return {
    kind: 'mcuboot',
    version: v.version,
    parts: versionParts(v.image.version),
    securityCounter: v.image.securityCounter ?? null,
    target: targetText(bytes),
    imageHash: v.imageHash,
    keyId: v.keyId,
  };
}

function fromEsp(image: EspAppImage, keyId: string | null, bytes: Uint8Array): AcceptedImage {
  return {
    kind: 'esp-app',
    version: image.appDesc.version,
    parts: espVersionParts(image.appDesc.version),
    securityCounter: image.appDesc.secureVersion,
    target: targetText(bytes),
    // parseEspAppImage requires the appended hash unless told otherwise
    imageHash: image.appendedSha256 ?? '',
    keyId,
  };
}

function versionParts(v: ImageVersion): number[] {
  return [v.major, v.minor, v.revision, v.build];
}

/** "v1.4.2-rc1" sorts as 1.4.2.0; a version with no number sorts after every numbered one. */
function espVersionParts(version: string): (number | null)[] {
  const match = /(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (!match) return [null, null, null, null];
  return [1, 2, 3, 4].map((i) => (match[i] === undefined ? 0 : Math.min(Number(match[i]), 2 ** 32)));
}

function explainNoKeys(refusal: ImageRefusal): ImageRefusal {
  return refusal.code === 'unknown-key'
    ? refuse(
        'unknown-key',
        `${refusal.reason}; no signing key is pinned yet: add the fleet's public key first`,
      )
    : refusal;
}

/** verify-image names keys by id; people know them by name. */
function nameKeys(refusal: ImageRefusal, nameOf: (id: string) => string | undefined): ImageRefusal {
  const match = /pinned key "([^"]+)"/.exec(refusal.reason);
  if (!match?.[1]) return refusal;
  const name = nameOf(match[1]);
  return name ? { ...refusal, reason: refusal.reason.replace(match[1], name) } : refusal;
}
