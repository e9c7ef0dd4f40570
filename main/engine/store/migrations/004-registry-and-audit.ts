import type { Migration } from './index';

/**
 * The registry lives on the ingest store's `devices` table rather than beside it, so a
 * device seen by a connector and a device commissioned by a technician are one row with
 * one id, and the ingest path keeps working unchanged (its upsert names only its own
 * columns; the new ones take their defaults).
 *
 * SQLite (3.37+) accepts CHECK constraints in ADD COLUMN and tests them against the
 * existing rows, so lifecycle and the JSON columns are checked by the database too; the
 * store still validates transitions in code, because a CHECK cannot see the old value.
 *
 * The audit log is append-only at the SQL level: triggers abort any UPDATE or DELETE, so
 * a bug (or a careless query) in this process cannot rewrite history. Someone with the
 * file can drop the triggers; that is what the hash chain is for.
 */
export const migration004: Migration = {
  version: 4,
  name: 'device registry and audit log',
  up: `
    ALTER TABLE devices ADD COLUMN lifecycle TEXT NOT NULL DEFAULT 'discovered'
      CHECK (lifecycle IN ('discovered', 'commissioned', 'active', 'decommissioned'));
    ALTER TABLE devices ADD COLUMN serial_number TEXT;
    ALTER TABLE devices ADD COLUMN hardware_version TEXT;
    ALTER TABLE devices ADD COLUMN firmware_version TEXT;
    ALTER TABLE devices ADD COLUMN site TEXT;
    ALTER TABLE devices ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'
      CHECK (json_valid(tags) AND json_type(tags) = 'array');
    ALTER TABLE devices ADD COLUMN desired_config TEXT NOT NULL DEFAULT '{}'
      CHECK (json_valid(desired_config) AND json_type(desired_config) = 'object');
    ALTER TABLE devices ADD COLUMN reported_config TEXT NOT NULL DEFAULT '{}'
      CHECK (json_valid(reported_config) AND json_type(reported_config) = 'object');
    ALTER TABLE devices ADD COLUMN last_heartbeat INTEGER;
    ALTER TABLE devices ADD COLUMN health TEXT CHECK (health IS NULL OR json_valid(health));
    ALTER TABLE devices ADD COLUMN credential_kind TEXT;
    ALTER TABLE devices ADD COLUMN credential_fingerprint TEXT;
    ALTER TABLE devices ADD COLUMN credential_serial TEXT;
    ALTER TABLE devices ADD COLUMN credential_expires INTEGER;
    ALTER TABLE devices ADD COLUMN commissioned_at INTEGER;
    ALTER TABLE devices ADD COLUMN updated_at INTEGER;

    -- the registry list sorts by name case-insensitively; id breaks ties so pages are stable
    CREATE INDEX devices_by_name ON devices (name COLLATE NOCASE, id);
    CREATE INDEX devices_by_site ON devices (site, name COLLATE NOCASE, id);
    CREATE INDEX devices_by_lifecycle ON devices (lifecycle, name COLLATE NOCASE, id);
    CREATE INDEX devices_by_last_seen ON devices (last_seen, id);
    CREATE INDEX devices_by_firmware ON devices (firmware_version, id);

    CREATE TABLE audit_log (
      seq       INTEGER PRIMARY KEY,
      at        INTEGER NOT NULL,
      actor     TEXT NOT NULL,
      action    TEXT NOT NULL,
      subject   TEXT NOT NULL,
      before    TEXT,
      after     TEXT,
      prev_hash TEXT NOT NULL,
      hash      TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_by_subject ON audit_log (subject, seq);
    CREATE INDEX audit_by_actor ON audit_log (actor, seq);
    CREATE INDEX audit_by_at ON audit_log (at);

    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  `,
};
