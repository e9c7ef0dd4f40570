import type { Migration } from './index';

/**
 * Pinned keys may also be RSA-3072 and ECDSA P-384: the keys ESP-IDF Secure Boot V2 signs
 * with (issue 11). SQLite cannot change a CHECK constraint in place, so the table is rebuilt
 * with its rows and indexes.
 */
export const migration017: Migration = {
  version: 17,
  name: 'pinned key algorithms for ESP-IDF secure boot',
  up: `CREATE TABLE pinned_keys_new (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    algorithm  TEXT NOT NULL CHECK (algorithm IN ('ecdsa-p256', 'ed25519', 'ecdsa-p384', 'rsa-3072')),
    pem        TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    added_at   INTEGER NOT NULL,
    removed_at INTEGER
  ) STRICT;
  INSERT INTO pinned_keys_new (id, name, algorithm, pem, key_hash, added_at, removed_at)
    SELECT id, name, algorithm, pem, key_hash, added_at, removed_at FROM pinned_keys;
  DROP TABLE pinned_keys;
  ALTER TABLE pinned_keys_new RENAME TO pinned_keys;
  CREATE UNIQUE INDEX pinned_keys_active_hash ON pinned_keys (key_hash) WHERE removed_at IS NULL;
  CREATE UNIQUE INDEX pinned_keys_active_name ON pinned_keys (name) WHERE removed_at IS NULL;`,
};
