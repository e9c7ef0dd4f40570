import type { Migration } from './index';

/**
 * Cloud sync: the outbox, the sinks with their cursors, parked batches and what down-sync
 * brought back.
 *
 * - outbox: one row per ingest batch of readings (every series of the batch, each as a
 *   block-codec column block) or per event (commissioning record, audit entry, alert).
 *   AUTOINCREMENT so a sequence number is never reused after the table empties: idempotency
 *   keys are derived from sequence numbers, and a reused one would make the receiver drop
 *   new data as a duplicate.
 * - sync_sinks: one row per sink; `cursor` is the last outbox seq it delivered,
 *   `rollup_cursor` the last seq whose 1-minute rollups it sent (metered mode), `inflight`
 *   the last seq of the raw batch on the wire: after a crash that same batch is rebuilt, so
 *   it carries the same Idempotency-Key even though more rows have arrived since;
 *   `rollup_inflight` the same for rollup batches.
 * - sync_parked: batches a sink refused for good (4xx), kept whole (the exact gzip payload and
 *   its key) so the user can see, retry or discard them.
 * - sync_down: documents fetched by down-sync (firmware catalog, settings, ...) by kind, with
 *   the version/ETag they were applied at.
 */
export const migration007: Migration = {
  version: 7,
  name: 'cloud sync outbox',
  up: `
    CREATE TABLE outbox (
      seq        INTEGER PRIMARY KEY AUTOINCREMENT,
      kind       TEXT NOT NULL CHECK (kind IN ('readings', 'event')),
      readings   INTEGER NOT NULL,
      first_ts   INTEGER,
      created_at INTEGER NOT NULL,
      body       BLOB NOT NULL
    ) STRICT;
    CREATE TABLE sync_sinks (
      id            TEXT PRIMARY KEY,
      kind          TEXT NOT NULL CHECK (kind IN ('http', 'mqtt')),
      name          TEXT NOT NULL,
      enabled       INTEGER NOT NULL DEFAULT 1,
      config        TEXT NOT NULL CHECK (json_valid(config)),
      cursor        INTEGER NOT NULL,
      rollup_cursor INTEGER NOT NULL,
      inflight      INTEGER NOT NULL DEFAULT 0,
      rollup_inflight INTEGER NOT NULL DEFAULT 0,
      created_at    INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE sync_parked (
      id              INTEGER PRIMARY KEY AUTOINCREMENT,
      sink_id         TEXT NOT NULL REFERENCES sync_sinks (id) ON DELETE CASCADE,
      first_seq       INTEGER NOT NULL,
      last_seq        INTEGER NOT NULL,
      idempotency_key TEXT NOT NULL,
      events          INTEGER NOT NULL,
      readings        INTEGER NOT NULL,
      status          INTEGER,
      error           TEXT NOT NULL,
      parked_at       INTEGER NOT NULL,
      payload         BLOB NOT NULL
    ) STRICT;
    CREATE INDEX sync_parked_by_sink ON sync_parked (sink_id, id);
    CREATE TABLE sync_settings (
      id                 INTEGER PRIMARY KEY CHECK (id = 1),
      bandwidth_bytes_s  INTEGER,
      metered            INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    INSERT INTO sync_settings (id, bandwidth_bytes_s, metered) VALUES (1, NULL, 0);
    CREATE TABLE sync_down (
      kind       TEXT PRIMARY KEY,
      version    TEXT NOT NULL,
      data       TEXT NOT NULL CHECK (json_valid(data)),
      applied_at INTEGER NOT NULL
    ) STRICT;
  `,
};
