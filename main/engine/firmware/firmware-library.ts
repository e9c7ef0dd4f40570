/**
 * The firmware library: images verified in full before they are kept (MCUboot: hash,
 * signature against the fleet's pinned keys, size; ESP-IDF: checksum and appended SHA-256),
 * stored content-addressed in <data folder>/firmware with their metadata in SQLite, and the
 * pinned keys themselves. A refused image leaves nothing behind. Reads re-hash the file and
 * re-check the signature against the keys pinned now, so a damaged file or an image whose
 * key was removed is never handed to the flashing code. Target compatibility with a given
 * device is the flashing step's check; here only what the image says about itself is checked.
 */
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import type { FirmwareImage, PinnedKeyInfo } from '../../../common/firmware-contract';
import { RpcError } from '../../../common/protocol';
import type { AuditLog } from '../audit/audit-log';
import type { Logger } from '../log';
import type { Db } from '../store/database';
import { ESP_IMAGE_MAGIC, type EspAppImage, espChipName, parseEspAppImage } from './esp-app-image';
import { FirmwareStore } from './firmware-store';
import { type ImageRefusal, type ImageResult, refuse } from './image-refusal';
import { type ImageVersion, MCUBOOT_IMAGE_MAGIC } from './mcuboot-image';
import { type PinnedKey, type VerifiedMcubootImage, verifyMcubootImage } from './verify-image';

/** imgtool/image.h TLV_UUID_CID: a 16-byte class id naming the hardware the image is for. */
const TLV_UUID_CID = 0x75;

export interface FirmwareLibraryOptions {
  db: Db;
  /** folder of the content-addressed files (<data folder>/firmware) */
  dir: string;
  audit: AuditLog;
  actor: () => string;
  /** the import check's slot size: no device takes a bigger file */
  maxImageBytes: number;
  log?: Logger;
  now?: () => number;
}

export interface LibraryImage {
  bytes: Uint8Array;
  meta: FirmwareImage;
}

interface ImageRow {
  sha256: string;
  kind: 'mcuboot' | 'esp-app';
  version: string;
  security_counter: number | null;
  size: number;
  target: string | null;
  image_hash: string;
  signing_key_id: string | null;
  key_name: string | null;
  key_pinned: 0 | 1;
  imported_at: number;
  file_name: string;
  notes: string;
}

interface KeyRow {
  id: string;
  name: string;
  algorithm: 'ecdsa-p256' | 'ed25519';
  pem: string;
  key_hash: string;
  added_at: number;
  images: number;
}

/** What an import learnt from the image, before it is stored. */
interface Accepted {
  kind: 'mcuboot' | 'esp-app';
  version: string;
  parts: (number | null)[];
  securityCounter: number | null;
  target: string | null;
  imageHash: string;
  keyId: string | null;
}

// a key removed and pinned again gets a new row: "pinned" follows the key itself (its hash)
const IMAGE_SELECT = `SELECT i.*, k.name AS key_name,
  EXISTS (SELECT 1 FROM pinned_keys a WHERE a.key_hash = k.key_hash AND a.removed_at IS NULL) AS key_pinned
  FROM firmware_images i LEFT JOIN pinned_keys k ON k.id = i.signing_key_id`;

export class FirmwareLibrary {
  private readonly store: FirmwareStore;
  private readonly now: () => number;

  constructor(private readonly options: FirmwareLibraryOptions) {
    this.store = new FirmwareStore(options.dir);
    this.now = options.now ?? Date.now;
  }

  /** Removes what a crash mid-import left: temporaries and files no row names. */
  async recover(): Promise<void> {
    await this.store.sweep();
    const known = new Set(
      this.options.db.prepare('SELECT sha256 FROM firmware_images').pluck().all() as string[],
    );
    for (const sha of await this.store.list()) {
      if (!known.has(sha)) {
        this.options.log?.warn('removing a firmware file with no library entry', { sha256: sha });
        await this.store.remove(sha);
      }
    }
  }

  list(): FirmwareImage[] {
    const rows = this.options.db
      .prepare(
        `${IMAGE_SELECT} ORDER BY i.v_major IS NULL, i.v_major DESC, i.v_minor DESC, i.v_revision DESC,
         i.v_build DESC, i.version DESC, i.imported_at DESC`,
      )
      .all() as ImageRow[];
    return rows.map(toImage);
  }

  meta(sha256: string): FirmwareImage | undefined {
    const row = this.options.db.prepare(`${IMAGE_SELECT} WHERE i.sha256 = ?`).get(sha256) as
      | ImageRow
      | undefined;
    return row ? toImage(row) : undefined;
  }

  /**
   * Checks the bytes in full; only an accepted image is written, file and row together.
   * The same bytes again give the existing entry back.
   */
  async import(
    bytes: Uint8Array,
    fileName: string,
    actor = this.options.actor(),
  ): Promise<ImageResult<{ image: FirmwareImage; existed: boolean }>> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const known = this.meta(sha256);
    if (known) return { ok: true, value: { image: known, existed: true } };
    const checked = this.check(bytes);
    if (!checked.ok) {
      this.options.log?.info('firmware image refused', {
        fileName,
        code: checked.code,
        reason: checked.reason,
      });
      return checked;
    }
    const a = checked.value;
    const stored = await this.store.put(bytes);
    // another import of the same bytes may have finished while this one wrote the file
    const raced = this.meta(sha256);
    if (raced) return { ok: true, value: { image: raced, existed: true } };
    try {
      this.options.db.transaction(() => {
        this.options.db
          .prepare(
            `INSERT INTO firmware_images (sha256, kind, version, v_major, v_minor, v_revision, v_build,
             security_counter, size, target, image_hash, signing_key_id, imported_at, file_name)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            sha256,
            a.kind,
            a.version,
            ...a.parts,
            a.securityCounter,
            bytes.length,
            a.target,
            a.imageHash,
            a.keyId,
            this.now(),
            fileName,
          );
        this.options.audit.append({
          actor,
          action: 'firmware.imported',
          subject: `firmware:${sha256}`,
          after: { fileName, kind: a.kind, version: a.version, size: bytes.length, signingKeyId: a.keyId },
        });
      })();
    } catch (error) {
      // no row, no file: a file no row names would only be swept at the next start
      if (!stored.existed) await this.store.remove(sha256);
      throw error;
    }
    const image = this.meta(sha256);
    if (!image) throw new Error(`firmware ${sha256} vanished right after its import`);
    return { ok: true, value: { image, existed: false } };
  }

  /** The bytes and metadata, re-hashed and re-verified against the keys pinned now. */
  async readImage(sha256: string): Promise<ImageResult<LibraryImage>> {
    const meta = this.meta(sha256);
    if (!meta) return refuse('not-found', `firmware ${sha256.slice(0, 80)} is not in the library`);
    const read = await this.store.get(sha256);
    if (!read.ok) return read;
    const checked = this.check(read.value);
    if (!checked.ok) return checked;
    return { ok: true, value: { bytes: read.value, meta } };
  }

  /** For the flashing code: an image fit to send, or undefined (readImage says why). */
  async getImage(sha256: string): Promise<LibraryImage | undefined> {
    const result = await this.readImage(sha256);
    return result.ok ? result.value : undefined;
  }

  async remove(sha256: string, actor = this.options.actor()): Promise<void> {
    const meta = this.meta(sha256);
    if (!meta) throw new RpcError('NOT_FOUND', `firmware ${sha256} is not in the library`);
    this.options.db.transaction(() => {
      this.options.db.prepare('DELETE FROM firmware_images WHERE sha256 = ?').run(sha256);
      this.options.audit.append({
        actor,
        action: 'firmware.removed',
        subject: `firmware:${sha256}`,
        before: { fileName: meta.fileName, kind: meta.kind, version: meta.version, size: meta.size },
        after: null,
      });
    })();
    await this.store.remove(sha256);
  }

  keys(): PinnedKeyInfo[] {
    const rows = this.options.db
      .prepare(
        `SELECT k.*, (SELECT count(*) FROM firmware_images i JOIN pinned_keys s ON s.id = i.signing_key_id
           WHERE s.key_hash = k.key_hash) AS images
         FROM pinned_keys k WHERE k.removed_at IS NULL ORDER BY k.name`,
      )
      .all() as KeyRow[];
    return rows.map(toKey);
  }

  addKey(name: string, pem: string, actor = this.options.actor()): PinnedKeyInfo {
    const parsed = parsePublicKey(pem);
    if (!parsed.ok) throw new RpcError('INVALID_PARAMS', parsed.reason);
    const { algorithm, keyHash, spkiPem } = parsed.value;
    const clash = this.options.db
      .prepare(
        'SELECT name, key_hash FROM pinned_keys WHERE removed_at IS NULL AND (name = ? OR key_hash = ?)',
      )
      .get(name, keyHash) as { name: string; key_hash: string } | undefined;
    if (clash) {
      throw new RpcError(
        'INVALID_PARAMS',
        clash.key_hash === keyHash
          ? `this key is already pinned as "${clash.name}"`
          : `a pinned key is already named "${name}"; pick another name`,
      );
    }
    const id = randomUUID();
    const addedAt = this.now();
    this.options.db.transaction(() => {
      this.options.db
        .prepare(
          'INSERT INTO pinned_keys (id, name, algorithm, pem, key_hash, added_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, name, algorithm, spkiPem, keyHash, addedAt);
      this.options.audit.append({
        actor,
        action: 'firmware.key.added',
        subject: `firmware-key:${id}`,
        after: { name, algorithm, keyHash },
      });
    })();
    return { id, name, algorithm, keyHash, addedAt, images: 0 };
  }

  removeKey(id: string, actor = this.options.actor()): void {
    const key = this.keys().find((k) => k.id === id);
    if (!key) throw new RpcError('NOT_FOUND', `no pinned key "${id}"`);
    this.options.db.transaction(() => {
      this.options.db.prepare('UPDATE pinned_keys SET removed_at = ? WHERE id = ?').run(this.now(), id);
      this.options.audit.append({
        actor,
        action: 'firmware.key.removed',
        subject: `firmware-key:${id}`,
        before: { name: key.name, algorithm: key.algorithm, keyHash: key.keyHash },
        after: null,
      });
    })();
  }

  /** Image hashes and file hashes of every library image: what a catalog entry may name. */
  hashes(): Set<string> {
    const rows = this.options.db.prepare('SELECT sha256, image_hash FROM firmware_images').all() as {
      sha256: string;
      image_hash: string;
    }[];
    return new Set(rows.flatMap((r) => [r.sha256, r.image_hash]));
  }

  private pinned(): PinnedKey[] {
    // the key's row id names it, so a later key with the same name is never mistaken for it
    return (
      this.options.db.prepare('SELECT id, pem FROM pinned_keys WHERE removed_at IS NULL').all() as PinnedKey[]
    ).map((k) => ({ id: k.id, pem: k.pem }));
  }

  private check(bytes: Uint8Array): ImageResult<Accepted> {
    if (bytes.length > this.options.maxImageBytes) {
      return refuse(
        'too-big',
        `the image is ${bytes.length} bytes, more than the ${this.options.maxImageBytes} a slot can hold`,
      );
    }
    if (bytes[0] === ESP_IMAGE_MAGIC) {
      const esp = parseEspAppImage(bytes, { maxSize: this.options.maxImageBytes });
      return esp.ok ? { ok: true, value: fromEsp(esp.value) } : esp;
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
    const keys = this.pinned();
    const verified = verifyMcubootImage(bytes, { keys, slotSize: this.options.maxImageBytes });
    if (!verified.ok)
      return keys.length === 0 ? explainNoKeys(verified) : nameKeys(verified, this.options.db);
    return { ok: true, value: fromMcuboot(verified.value) };
  }
}

function fromMcuboot(v: VerifiedMcubootImage): Accepted {
  const cid = v.image.tlvs.find((t) => t.type === TLV_UUID_CID);
  return {
    kind: 'mcuboot',
    version: v.version,
    parts: versionParts(v.image.version),
    securityCounter: v.image.securityCounter ?? null,
    target: cid ? `uuid-cid:${Buffer.from(cid.value).toString('hex')}` : null,
    imageHash: v.imageHash,
    keyId: v.keyId,
  };
}

function fromEsp(image: EspAppImage): Accepted {
  return {
    kind: 'esp-app',
    version: image.appDesc.version,
    parts: espVersionParts(image.appDesc.version),
    securityCounter: image.appDesc.secureVersion,
    target: espChipName(image.header.chipId),
    // parseEspAppImage requires the appended hash unless told otherwise
    imageHash: image.appendedSha256 ?? '',
    keyId: null,
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
function nameKeys(refusal: ImageRefusal, db: Db): ImageRefusal {
  const match = /pinned key "([^"]+)"/.exec(refusal.reason);
  if (!match?.[1]) return refusal;
  const name = db.prepare('SELECT name FROM pinned_keys WHERE id = ?').pluck().get(match[1]) as
    | string
    | undefined;
  return name ? { ...refusal, reason: refusal.reason.replace(match[1], name) } : refusal;
}

export function parsePublicKey(
  pem: string,
): ImageResult<{ algorithm: 'ecdsa-p256' | 'ed25519'; keyHash: string; spkiPem: string }> {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey(pem);
  } catch {
    return refuse('unknown-key', 'not a PEM public key ("-----BEGIN PUBLIC KEY-----" …)');
  }
  const algorithm =
    key.asymmetricKeyType === 'ed25519'
      ? 'ed25519'
      : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
        ? 'ecdsa-p256'
        : undefined;
  if (!algorithm) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return refuse(
      'unsupported',
      `a ${key.asymmetricKeyType}${curve ? ` (${curve})` : ''} key cannot be pinned: only ECDSA P-256 and Ed25519 are supported`,
    );
  }
  // MCUboot KEYHASH: SHA-256 of the DER SubjectPublicKeyInfo (imgtool keys/*.py get_public_bytes)
  const spki = key.export({ type: 'spki', format: 'der' });
  return {
    ok: true,
    value: {
      algorithm,
      keyHash: createHash('sha256').update(spki).digest('hex'),
      spkiPem: key.export({ type: 'spki', format: 'pem' }).toString(),
    },
  };
}

function toImage(row: ImageRow): FirmwareImage {
  return {
    sha256: row.sha256,
    kind: row.kind,
    version: row.version,
    securityCounter: row.security_counter,
    size: row.size,
    target: row.target,
    imageHash: row.image_hash,
    signingKey:
      row.signing_key_id === null
        ? null
        : {
            id: row.signing_key_id,
            name: row.key_name ?? row.signing_key_id,
            pinned: row.key_pinned === 1,
          },
    importedAt: row.imported_at,
    fileName: row.file_name,
    notes: row.notes,
  };
}

function toKey(row: KeyRow): PinnedKeyInfo {
  return {
    id: row.id,
    name: row.name,
    algorithm: row.algorithm,
    keyHash: row.key_hash,
    addedAt: row.added_at,
    images: row.images,
  };
}
