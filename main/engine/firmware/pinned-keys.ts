/**
 * The fleet's pinned signing keys: ECDSA P-256 and Ed25519 public keys an MCUboot image
 * must verify with, and RSA-3072 and ECDSA P-384 keys for ESP-IDF Secure Boot V2 (which
 * also signs with P-256). Every addition and removal is audited; a removed key keeps its row
 * (removed_at) so old images and audit entries still name it.
 */
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import type { PinnedKeyInfo } from '../../../common/firmware-contract';
import { RpcError } from '../../../common/protocol';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../store/database';
import { type ImageResult, refuse } from './image-refusal';
import type { PinnedKey } from './verify-image';

export interface PinnedKeysOptions {
  db: Db;
  audit: AuditLog;
  actor: () => string;
  now: () => number;
}

export class PinnedKeys {
  constructor(private readonly options: PinnedKeysOptions) {}

  list(): PinnedKeyInfo[] {
    return this.options.db
      .prepare(
        `SELECT k.id, k.name, k.algorithm, k.key_hash AS keyHash, k.added_at AS addedAt,
           (SELECT count(*) FROM firmware_images i JOIN pinned_keys s ON s.id = i.signing_key_id
            WHERE s.key_hash = k.key_hash) AS images
         FROM pinned_keys k WHERE k.removed_at IS NULL ORDER BY k.name`,
      )
      .all() as PinnedKeyInfo[];
  }

  add(name: string, pem: string, actor = this.options.actor()): PinnedKeyInfo {
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
    const addedAt = this.options.now();
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

  remove(id: string, actor = this.options.actor()): void {
    const key = this.list().find((k) => k.id === id);
    if (!key) throw new RpcError('NOT_FOUND', `no pinned key "${id}"`);
    this.options.db.transaction(() => {
      this.options.db
        .prepare('UPDATE pinned_keys SET removed_at = ? WHERE id = ?')
        .run(this.options.now(), id);
      this.options.audit.append({
        actor,
        action: 'firmware.key.removed',
        subject: `firmware-key:${id}`,
        before: { name: key.name, algorithm: key.algorithm, keyHash: key.keyHash },
        after: null,
      });
    })();
  }

  /** What verifyMcubootImage checks against: the keys pinned now, named by row id. */
  active(): PinnedKey[] {
    // the key's row id names it, so a later key with the same name is never mistaken for it
    return (
      this.options.db.prepare('SELECT id, pem FROM pinned_keys WHERE removed_at IS NULL').all() as PinnedKey[]
    ).map((k) => ({ id: k.id, pem: k.pem }));
  }

  nameOf(id: string): string | undefined {
    return this.options.db.prepare('SELECT name FROM pinned_keys WHERE id = ?').pluck().get(id) as
      | string
      | undefined;
  }
}

function algorithmOf(key: ReturnType<typeof createPublicKey>): PinnedKeyInfo['algorithm'] | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'secp384r1') return 'ecdsa-p384';
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength === 3072) return 'rsa-3072';
  return undefined;
}

export function parsePublicKey(
  pem: string,
): ImageResult<{ algorithm: PinnedKeyInfo['algorithm']; keyHash: string; spkiPem: string }> {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey(pem);
  } catch {
    return refuse('unknown-key', 'not a PEM public key ("-----BEGIN PUBLIC KEY-----" …)');
  }
  const algorithm = algorithmOf(key);
  if (!algorithm) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const bits = key.asymmetricKeyDetails?.modulusLength;
    return refuse(
      'unsupported',
      `a ${key.asymmetricKeyType}${curve ? ` (${curve})` : ''}${bits ? ` ${bits}-bit` : ''} key cannot be pinned: only ECDSA P-256 and Ed25519 (MCUboot), RSA-3072 and ECDSA P-384 (ESP-IDF Secure Boot V2) are supported`,
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
