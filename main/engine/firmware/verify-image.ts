/**
 * Verifies an MCUboot image before any byte of it may go to a device: the SHA256 TLV
 * recomputed as bootutil does (`bootutil_img_validate`: header + payload + protected
 * TLVs), the signature checked against the fleet's pinned public keys, then slot size,
 * target, security counter and version against what the device runs now.
 *
 * Key and signature rules follow imgtool (`scripts/imgtool/keys/*.py`, `image.py`):
 * KEYHASH = SHA-256 of the key's DER SubjectPublicKeyInfo (or a PUBKEY TLV carrying that
 * DER); ECDSA-P256 signs the covered bytes with SHA-256 (DER signature), Ed25519 signs
 * the 32-byte digest. Encrypted images (hash over the plaintext) and pure signatures
 * (SIG_PURE) cannot be checked here and are refused as unsupported.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { type ImageRefusal, type ImageResult, refuse } from './image-refusal';
import {
  compareVersions,
  formatVersion,
  IMAGE_FLAGS,
  type ImageVersion,
  type McubootImage,
  parseMcubootImage,
  TLV,
} from './mcuboot-image';

export interface PinnedKey {
  id: string;
  /** PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"). */
  pem: string;
}

export interface DeviceFirmwareState {
  version?: ImageVersion;
  securityCounter?: number;
}

export interface VerifyMcubootOptions {
  keys: readonly PinnedKey[];
  /** Usable slot size in bytes (slot minus MCUboot trailer); the whole file must fit. */
  slotSize?: number;
  current?: DeviceFirmwareState;
  allowDowngrade?: boolean;
  /** Target compatibility hook: a refusal reason, or undefined when the image fits. */
  checkTarget?: (image: McubootImage) => string | undefined;
}

export interface VerifiedMcubootImage {
  image: McubootImage;
  version: string;
  /** SHA256 TLV in hex: what SMP image state reports as `hash`. */
  imageHash: string;
  /** SHA-256 of the whole file in hex: content address and SMP upload `sha`. */
  fileSha256: string;
  keyId: string;
  signatureType: 'ecdsa-p256' | 'ed25519';
  size: number;
}

interface LoadedKey {
  id: string;
  key: KeyObject;
  spki: Buffer;
  keyHash: Buffer;
  type: 'ecdsa-p256' | 'ed25519' | 'other';
}

export function loadPinnedKeys(keys: readonly PinnedKey[]): ImageResult<LoadedKey[]> {
  const loaded: LoadedKey[] = [];
  for (const { id, pem } of keys) {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      return refuse('unknown-key', `pinned key "${id}" is not a valid PEM public key`);
    }
    const spki = key.export({ type: 'spki', format: 'der' });
    const type =
      key.asymmetricKeyType === 'ed25519'
        ? 'ed25519'
        : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
          ? 'ecdsa-p256'
          : 'other';
    loaded.push({ id, key, spki, keyHash: createHash('sha256').update(spki).digest(), type });
  }
  return { ok: true, value: loaded };
}

export function verifyMcubootImage(
  bytes: Uint8Array,
  options: VerifyMcubootOptions,
): ImageResult<VerifiedMcubootImage> {
  const parsed = parseMcubootImage(bytes);
  if (!parsed.ok) return parsed;
  const image = parsed.value;
  if (image.flags & (IMAGE_FLAGS.ENCRYPTED_AES128 | IMAGE_FLAGS.ENCRYPTED_AES256)) {
    return refuse('unsupported', 'encrypted images are not supported (their hash covers the plaintext)');
  }
  if (image.tlvs.some((t) => t.type === TLV.SIG_PURE)) {
    return refuse('unsupported', 'pure signatures (SIG_PURE TLV) are not supported');
  }

  if (options.slotSize !== undefined && bytes.length > options.slotSize) {
    return refuse('too-big', `image size ${bytes.length} exceeds slot size ${options.slotSize}`);
  }

  const hashTlvs = image.tlvs.filter((t) => t.type === TLV.SHA256 && !t.protected);
  const [hashTlv] = hashTlvs;
  if (!hashTlv || hashTlvs.length > 1) {
    return refuse('no-hash', hashTlv ? 'image has more than one SHA256 TLV' : 'image has no SHA256 TLV');
  }
  const covered = bytes.subarray(0, image.hashedLength);
  const digest = createHash('sha256').update(covered).digest();
  const expected = Buffer.from(hashTlv.value);
  if (!digest.equals(expected)) {
    return refuse(
      'hash-mismatch',
      `image hash mismatch: the SHA256 TLV says ${expected.toString('hex')}, the image hashes to ${digest.toString('hex')}`,
    );
  }

  const signed = checkSignature(image, covered, digest, options.keys);
  if (!signed.ok) return signed;

  if (options.checkTarget) {
    const reason = options.checkTarget(image);
    if (reason !== undefined) return refuse('wrong-target', reason);
  }

  const rollback = checkRollback(image, options);
  if (rollback) return rollback;

  return {
    ok: true,
    value: {
      image,
      version: formatVersion(image.version),
      imageHash: digest.toString('hex'),
      fileSha256: createHash('sha256').update(bytes).digest('hex'),
      keyId: signed.value.id,
      signatureType: signed.value.type as VerifiedMcubootImage['signatureType'],
      size: bytes.length,
    },
  };
}

function checkSignature(
  image: McubootImage,
  covered: Uint8Array,
  digest: Buffer,
  pinned: readonly PinnedKey[],
): ImageResult<LoadedKey> {
  const loaded = loadPinnedKeys(pinned);
  if (!loaded.ok) return loaded;
  const signatures = image.tlvs.filter((t) => t.type === TLV.ECDSA_SIG || t.type === TLV.ED25519);
  if (signatures.length === 0) {
    const other = image.tlvs.find((t) => t.type >= 0x20 && t.type <= 0x25 && t.type !== TLV.SIG_PURE);
    return other
      ? refuse('unsupported', `signature type ${other.name} is not supported (only ECDSA-P256 and Ed25519)`)
      : refuse('unsigned', 'image is not signed');
  }
  const keyHash = image.tlvs.find((t) => t.type === TLV.KEYHASH);
  const pubkey = image.tlvs.find((t) => t.type === TLV.PUBKEY);
  let key: LoadedKey | undefined;
  if (keyHash) {
    key = loaded.value.find((k) => k.keyHash.equals(keyHash.value));
    if (!key) {
      return refuse(
        'unknown-key',
        `image is signed with a key that is not pinned (key hash ${Buffer.from(keyHash.value).toString('hex')})`,
      );
    }
  } else if (pubkey) {
    key = loaded.value.find((k) => k.spki.equals(pubkey.value));
    if (!key) return refuse('unknown-key', 'image carries a public key that is not pinned');
  } else {
    return refuse('unknown-key', 'image names no signing key (no KEYHASH or PUBKEY TLV)');
  }

  let mismatch: ImageRefusal | undefined;
  for (const sig of signatures) {
    const sigType = sig.type === TLV.ED25519 ? 'ed25519' : 'ecdsa-p256';
    if (sigType !== key.type) {
      mismatch = refuse(
        'bad-signature',
        `image has an ${sig.name} signature but pinned key "${key.id}" is ${key.type === 'other' ? 'neither ECDSA-P256 nor Ed25519' : key.type}`,
      );
      continue;
    }
    if (verifySignature(sigType, key.key, covered, digest, sig.value)) return { ok: true, value: key };
  }
  return mismatch ?? refuse('bad-signature', `signature does not verify with pinned key "${key.id}"`);
}

function verifySignature(
  type: 'ed25519' | 'ecdsa-p256',
  key: KeyObject,
  covered: Uint8Array,
  digest: Buffer,
  signature: Uint8Array,
): boolean {
  try {
    if (type === 'ed25519') return verify(null, digest, key, signature);
    return verify('sha256', covered, key, stripSignaturePadding(signature));
  } catch {
    // A malformed DER signature makes OpenSSL throw instead of returning false.
    return false;
  }
}

function checkRollback(image: McubootImage, options: VerifyMcubootOptions): ImageRefusal | undefined {
  const current = options.current;
  if (!current) return undefined;
  // A lower security counter never boots (MCUBOOT_HW_ROLLBACK_PROT), so allowDowngrade does not lift it.
  if (current.securityCounter !== undefined && current.securityCounter > 0) {
    if (image.securityCounter === undefined) {
      return refuse(
        'security-counter',
        `image has no security counter but the device requires at least ${current.securityCounter}`,
      );
    }
    if (image.securityCounter < current.securityCounter) {
      return refuse(
        'security-counter',
        `security counter ${image.securityCounter} is lower than the device's ${current.securityCounter}`,
      );
    }
  }
  if (current.version && !options.allowDowngrade && compareVersions(image.version, current.version) < 0) {
    return refuse(
      'downgrade',
      `version ${formatVersion(image.version)} is older than the installed ${formatVersion(current.version)}`,
    );
  }
  return undefined;
}

/**
 * imgtool --pad-sig appends zeros up to 72 bytes and its own verify strips them with
 * `signature[:signature[1] + 2]` (keys/ecdsa.py); OpenSSL's strict DER parser would reject
 * them. Only zero padding after a short-form DER SEQUENCE is removed.
 */
function stripSignaturePadding(signature: Uint8Array): Uint8Array {
  const length = signature[1];
  if (signature[0] !== 0x30 || length === undefined || length >= 0x80 || length + 2 > signature.length) {
    return signature;
  }
  const tail = signature.subarray(length + 2);
  return tail.every((b) => b === 0) ? signature.subarray(0, length + 2) : signature;
}
