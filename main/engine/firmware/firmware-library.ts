/**
 * The firmware library: images verified in full before they are kept (MCUboot: hash,
 * signature against the fleet's pinned keys, size; ESP-IDF: checksum and appended SHA-256),
 * stored content-addressed in <data folder>/firmware with their metadata in SQLite, and the
 * pinned keys (pinned-keys.ts). A refused image leaves nothing behind. Reads re-hash the file and
 * re-check the signature against the keys pinned now, so a damaged file or an image whose
 * key was removed is never handed to the flashing code. Target compatibility with a given
 * device is the flashing step's check; here only what the image says about itself is checked.
 */
import { createHash } from 'node:crypto';
import type { FirmwareImage, PinnedKeyInfo } from '../../../common/firmware-contract';
import { RpcError } from '../../../common/protocol';
import type { AuditLog } from '../audit/audit-log';
import type { Logger } from '../log';
import type { Db } from '../store/database';
import { FirmwareStore } from './firmware-store';
import { type AcceptedImage, checkImportedImage } from './image-import-check';
import { type ImageResult, refuse } from './image-refusal';
import { PinnedKeys } from './pinned-keys';
import type { PinnedKey } from './verify-image';

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

// a key removed and pinned again gets a new row: "pinned" follows the key itself (its hash)
const IMAGE_SELECT = `SELECT i.*, k.name AS key_name,
  EXISTS (SELECT 1 FROM pinned_keys a WHERE a.key_hash = k.key_hash AND a.removed_at IS NULL) AS key_pinned
  FROM firmware_images i LEFT JOIN pinned_keys k ON k.id = i.signing_key_id`;

export class FirmwareLibrary {
  private readonly store: FirmwareStore;
  private readonly now: () => number;
  private readonly pinnedKeys: PinnedKeys;

  constructor(private readonly options: FirmwareLibraryOptions) {
    this.store = new FirmwareStore(options.dir);
    this.now = options.now ?? Date.now;
    this.pinnedKeys = new PinnedKeys({
      db: options.db,
      audit: options.audit,
      actor: options.actor,
      now: this.now,
    });
  }

  private check(bytes: Uint8Array): ImageResult<AcceptedImage> {
    return checkImportedImage(bytes, {
      keys: this.pinnedKeys.active(),
      maxImageBytes: this.options.maxImageBytes,
      keyName: (id) => this.pinnedKeys.nameOf(id),
    });
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
    return this.pinnedKeys.list();
  }

  /** The keys pinned now, as the verifier takes them (flashing checks an image again with these). */
  activeKeys(): PinnedKey[] {
    return this.pinnedKeys.active();
  }

  addKey(name: string, pem: string, actor = this.options.actor()): PinnedKeyInfo {
    return this.pinnedKeys.add(name, pem, actor);
  }

  removeKey(id: string, actor = this.options.actor()): void {
    this.pinnedKeys.remove(id, actor);
  }

  /** Image hashes and file hashes of every library image: what a catalog entry may name. */
  hashes(): Set<string> {
    const rows = this.options.db.prepare('SELECT sha256, image_hash FROM firmware_images').all() as {
      sha256: string;
      image_hash: string;
    }[];
    return new Set(rows.flatMap((r) => [r.sha256, r.image_hash]));
  }
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
