import type { Migration } from './index';

/**
 * Commissioning sessions, one row per device being commissioned. The session is one JSON
 * document (validated against the contract's schema when read back) because the wizard
 * reads and writes it whole at every step; batch and status are columns for listing.
 */
export const migration006: Migration = {
  version: 6,
  name: 'commissioning sessions',
  up: `
    CREATE TABLE commissioning_sessions (
      id         TEXT PRIMARY KEY,
      batch_id   TEXT,
      status     TEXT NOT NULL CHECK (status IN ('in-progress', 'done', 'abandoned')),
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      data       TEXT NOT NULL CHECK (json_valid(data))
    ) STRICT;
    CREATE INDEX commissioning_by_batch ON commissioning_sessions (batch_id, created_at);
    CREATE INDEX commissioning_by_status ON commissioning_sessions (status, updated_at);
  `,
};
