import type Database from 'better-sqlite3';
import type { Migration } from './index';

/**
 * The outbox quota (issue 6): when the outbox outgrows its quota, the oldest raw rows are
 * folded into 1-minute rollups that stay queued in their place.
 *
 * - outbox: a third kind, 'rollup': a folded row, kept at the seq of the last raw row it
 *   replaced so every sink's cursor keeps meaning what it meant; `readings` holds how many
 *   raw readings it summarises. SQLite cannot change a CHECK in place, so the table is
 *   copied, and its AUTOINCREMENT high-water mark carried over by hand: a seq must never be
 *   reused (idempotency keys are made of seqs).
 * - sync_settings.outbox_quota_bytes: the quota, 1 GiB unless set.
 * - sync_sinks.folded_*: per sink, what it will only ever get as rollups (readings, the
 *   device-time range, when it last happened), so the UI can say so.
 */
export const migration008: Migration = {
  version: 8,
  name: 'outbox quota and folded rollups',
  up: (db: Database.Database) => {
    const head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").pluck().get() as
      | number
      | undefined;
    db.exec(`
      CREATE TABLE outbox_folding (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT NOT NULL CHECK (kind IN ('readings', 'event', 'rollup')),
        readings   INTEGER NOT NULL,
        first_ts   INTEGER,
        created_at INTEGER NOT NULL,
        body       BLOB NOT NULL
      ) STRICT;
      INSERT INTO outbox_folding (seq, kind, readings, first_ts, created_at, body)
        SELECT seq, kind, readings, first_ts, created_at, body FROM outbox ORDER BY seq;
      DROP TABLE outbox;
      ALTER TABLE outbox_folding RENAME TO outbox;
      DELETE FROM sqlite_sequence WHERE name IN ('outbox', 'outbox_folding');
      ALTER TABLE sync_settings ADD COLUMN outbox_quota_bytes INTEGER NOT NULL DEFAULT 1073741824;
      ALTER TABLE sync_sinks ADD COLUMN folded_readings INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sync_sinks ADD COLUMN folded_from INTEGER;
      ALTER TABLE sync_sinks ADD COLUMN folded_to INTEGER;
      ALTER TABLE sync_sinks ADD COLUMN folded_at INTEGER;
    `);
    if (head !== undefined)
      db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").run(head);
  },
};
