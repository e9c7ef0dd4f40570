/**
 * Firmware library: verified MCUboot and ESP-IDF images, the fleet's pinned signing keys,
 * and the cloud's firmware catalog linked to them. Split from contract.ts by domain;
 * contract.ts merges it in.
 */
import { z } from 'zod';

const empty = z.object({}).strict().optional();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex (64 characters)');
const fileName = z.string().min(1).max(255);

/** Biggest image the library takes (decoded bytes). */
export const FIRMWARE_MAX_IMAGE_BYTES = 32 * 1024 * 1024;
/**
 * Decoded bytes per import chunk: base64 of it plus the envelope stays under the headless
 * host's 1 MiB WebSocket message limit.
 */
/** base64 of a chunk plus its envelope must fit one WebSocket message of the headless host (512 KiB) */
export const FIRMWARE_CHUNK_BYTES = 256 * 1024;
const chunkBase64 = z
  .string()
  .max(Math.ceil(FIRMWARE_CHUNK_BYTES / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

/** MCUboot signs with ECDSA P-256 or Ed25519; ESP-IDF Secure Boot V2 with RSA-3072, ECDSA P-256 or P-384 */
export const FirmwareKeyAlgorithmSchema = z.enum(['ecdsa-p256', 'ed25519', 'rsa-3072', 'ecdsa-p384']);

export const FirmwareImageSchema = z.object({
  /** SHA-256 of the whole file: its content address, and the `sha` an SMP upload sends */
  sha256: z.string(),
  kind: z.enum(['mcuboot', 'esp-app']),
  /** MCUboot "major.minor.revision+build"; ESP-IDF esp_app_desc_t.version as written */
  version: z.string(),
  /** MCUboot SEC_CNT TLV, ESP-IDF secure_version; null when the image has none */
  securityCounter: z.number().int().nonnegative().nullable(),
  size: z.number().int().nonnegative(),
  /** the hardware it is for: ESP-IDF "chip · project", or the MCUboot UUID_CID hardware class; null when not stated */
  target: z.string().nullable(),
  /** MCUboot SHA256 TLV (what SMP image state reports as `hash`); ESP-IDF appended SHA-256 */
  imageHash: z.string(),
  /** the pinned key the signature verified with; null for an ESP-IDF image without a Secure Boot V2 signature */
  signingKey: z
    .object({
      id: z.string(),
      name: z.string(),
      /** false once the key was removed: the image is kept but no longer handed out */
      pinned: z.boolean(),
    })
    .nullable(),
  importedAt: z.number(),
  fileName: z.string(),
  notes: z.string(),
});
export type FirmwareImage = z.infer<typeof FirmwareImageSchema>;

export const PinnedKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  algorithm: FirmwareKeyAlgorithmSchema,
  /** SHA-256 of the key's DER SubjectPublicKeyInfo, as the image's KEYHASH TLV carries it */
  keyHash: z.string(),
  addedAt: z.number(),
  /** library images signed with it */
  images: z.number().int().nonnegative(),
});
export type PinnedKeyInfo = z.infer<typeof PinnedKeySchema>;

export const FirmwareCatalogEntrySchema = z.object({
  sha256: z.string().nullable(),
  version: z.string().nullable(),
  url: z.string().nullable(),
  notes: z.string().nullable(),
  /** an image with this SHA-256 (file or MCUboot image hash) is in the library */
  inLibrary: z.boolean(),
});
export type FirmwareCatalogEntry = z.infer<typeof FirmwareCatalogEntrySchema>;

const ImportResultSchema = z.object({
  image: FirmwareImageSchema,
  /** the same bytes were already in the library: nothing was written */
  existed: z.boolean(),
});
export type FirmwareImportResult = z.infer<typeof ImportResultSchema>;

export const firmwareRequests = {
  /** library images, newest version first */
  'firmware.list': { params: empty, result: z.array(FirmwareImageSchema) },
  /**
   * one image in one message, up to FIRMWARE_CHUNK_BYTES; verified before anything is
   * stored. A refused image: INVALID_PARAMS "Refused: <reason>", details {refusal: code}
   */
  'firmware.import': {
    params: z.object({ fileName, dataBase64: chunkBase64 }).strict(),
    result: ImportResultSchema,
  },
  /** a bigger image in chunks: begin, chunks in order, finish (which verifies and stores) */
  'firmware.import.begin': {
    params: z.object({ fileName, size: z.number().int().min(1).max(FIRMWARE_MAX_IMAGE_BYTES) }).strict(),
    result: z.object({ uploadId: z.string(), chunkBytes: z.number().int().positive() }),
  },
  'firmware.import.chunk': {
    params: z
      .object({
        uploadId: z.string().min(1).max(100),
        offset: z.number().int().nonnegative(),
        dataBase64: chunkBase64,
      })
      .strict(),
    result: z.object({ received: z.number().int().nonnegative() }),
  },
  'firmware.import.finish': {
    params: z.object({ uploadId: z.string().min(1).max(100) }).strict(),
    result: ImportResultSchema,
  },
  /** removes the image and its file; audited */
  'firmware.remove': { params: z.object({ sha256 }).strict(), result: z.object({ ok: z.boolean() }) },
  /** the cloud's firmware catalog (down-synced), each release marked present or missing */
  'firmware.catalog': { params: empty, result: z.array(FirmwareCatalogEntrySchema) },
  'firmware.keys.list': { params: empty, result: z.array(PinnedKeySchema) },
  /** pins an ECDSA-P256 or Ed25519 public key (PEM); audited */
  'firmware.keys.add': {
    params: z
      .object({
        name: z.string().trim().min(1).max(100),
        pem: z
          .string()
          .min(1)
          .max(16 * 1024),
      })
      .strict(),
    result: PinnedKeySchema,
  },
  /** images it signed stay listed but are no longer handed out for flashing; audited */
  'firmware.keys.remove': {
    params: z.object({ id: z.string().min(1).max(100) }).strict(),
    result: z.object({ ok: z.boolean() }),
  },
} as const;
