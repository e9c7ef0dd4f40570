import type { Migration } from './index';

/**
 * Frozen sync batches (issue 16). A batch is frozen the first time it goes on the wire:
 * its range, its Idempotency-Key and its exact payload bytes. Every retry sends that row
 * again, in the same process or after a crash, so a receiver that dedups on the key alone
 * never sees two different batches under one key, nor one batch under two keys (rows that
 * arrive during a backoff wait for the next batch instead of growing this one).
 *
 * One row per sink: a sink has one batch on the wire at a time (raw or rollup). The row
 * goes in the transaction that moves the sink's cursor past it (or parks it).
 */
export const migration011: Migration = {
  version: 11,
  name: 'frozen sync batches',
  up: `
    CREATE TABLE sync_frozen (
      sink_id         TEXT PRIMARY KEY REFERENCES sync_sinks (id) ON DELETE CASCADE,
      channel         TEXT NOT NULL CHECK (channel IN ('raw', 'rollup')),
      first_seq       INTEGER NOT NULL,
      last_seq        INTEGER NOT NULL,
      idempotency_key TEXT NOT NULL,
      events          INTEGER NOT NULL,
      readings        INTEGER NOT NULL,
      oldest_at       INTEGER NOT NULL,
      frozen_at       INTEGER NOT NULL,
      payload         BLOB NOT NULL
    ) STRICT;
  `,
};
