import type { Migration } from './index';

/**
 * Fleet rollouts (issue 11): campaigns, each device's place and state in one, and a
 * journal of every transition, so an engine restart mid-rollout resumes where it was.
 * Assigned number 013; 011 here until the lead renumbers at merge.
 */
export const migration013: Migration = {
  version: 13,
  name: 'fleet rollouts',
  up: `CREATE TABLE rollout_campaigns (
    id            TEXT PRIMARY KEY,
    config        TEXT NOT NULL,
    state         TEXT NOT NULL,
    current_wave  INTEGER NOT NULL,
    reason        TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE rollout_devices (
    campaign_id   TEXT NOT NULL REFERENCES rollout_campaigns(id) ON DELETE CASCADE,
    device_id     TEXT NOT NULL,
    position      INTEGER NOT NULL,
    wave          INTEGER NOT NULL,
    from_version  TEXT,
    state         TEXT NOT NULL,
    reason        TEXT,
    notified_at   INTEGER,
    confirmed_at  INTEGER,
    rollback      TEXT,
    exec_version  INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, device_id)
  ) STRICT;
  CREATE TABLE rollout_journal (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id   TEXT NOT NULL,
    device_id     TEXT,
    at            INTEGER NOT NULL,
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    detail        TEXT
  ) STRICT;
  CREATE INDEX rollout_journal_campaign ON rollout_journal (campaign_id, seq);`,
};
