import type { Migration } from './index';

/**
 * Firmware library (issue 11): metadata of verified images (the bytes live content-addressed
 * in <data folder>/firmware/<sha256>.bin) and the fleet's pinned signing keys. A removed key
 * keeps its row (removed_at) so audit entries and old images still name it.
 * Numbered 011 on this branch to keep migrations contiguous; assigned number 012.
 */
export const migration012: Migration = {
  version: 12,
  name: 'firmware library',
  up: `CREATE TABLE firmware_images (
    sha256           TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('mcuboot', 'esp-app')),
    version          TEXT NOT NULL,
    v_major          INTEGER,
    v_minor          INTEGER,
    v_revision       INTEGER,
    v_build          INTEGER,
    security_counter INTEGER,
    size             INTEGER NOT NULL,
    target           TEXT,
    image_hash       TEXT NOT NULL,
    signing_key_id   TEXT,
    imported_at      INTEGER NOT NULL,
    file_name        TEXT NOT NULL,
    notes            TEXT NOT NULL DEFAULT ''
  ) STRICT;
  CREATE TABLE pinned_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    algorithm  TEXT NOT NULL CHECK (algorithm IN ('ecdsa-p256', 'ed25519')),
    pem        TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    added_at   INTEGER NOT NULL,
    removed_at INTEGER
  ) STRICT;
  CREATE UNIQUE INDEX pinned_keys_active_hash ON pinned_keys (key_hash) WHERE removed_at IS NULL;
  CREATE UNIQUE INDEX pinned_keys_active_name ON pinned_keys (name) WHERE removed_at IS NULL;`,
};
