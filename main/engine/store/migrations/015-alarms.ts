import type { Migration } from './index';

/**
 * Alarms (issue 12): rules by version, one instance per rule × series with the evaluation
 * state a restart must find where it was (on/off-delay start, N-of-M window, ladder rung,
 * shelve expiry), the journal of every state transition, and the notice outbox written in
 * the same transaction as the transition it announces. Notification routing and edge
 * actions read the notices through their own cursors (at least once, in order).
 */
export const migration015: Migration = {
  version: 15,
  name: 'alarms',
  up: `CREATE TABLE alarm_rules (
    id            TEXT PRIMARY KEY,
    version       INTEGER NOT NULL,
    hash          TEXT NOT NULL,
    rule          TEXT NOT NULL,
    built_in      INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE alarm_instances (
    key           TEXT PRIMARY KEY,
    rule_id       TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    metric        TEXT,
    state         TEXT NOT NULL,
    underlying    TEXT,
    severity      TEXT,
    episode_id    TEXT,
    since         INTEGER,
    value         REAL,
    late          INTEGER NOT NULL DEFAULT 0,
    shelved_until INTEGER,
    shelve_reason TEXT,
    acked_by      TEXT,
    eval_state    TEXT,
    updated_at    INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX alarm_instances_rule ON alarm_instances (rule_id);
  CREATE INDEX alarm_instances_device ON alarm_instances (device_id);
  CREATE TABLE alarm_transitions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    key           TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    rule_version  INTEGER NOT NULL,
    device_id     TEXT NOT NULL,
    metric        TEXT,
    episode_id    TEXT,
    from_state    TEXT NOT NULL,
    to_state      TEXT NOT NULL,
    severity      TEXT,
    value         REAL,
    device_time   INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    late          INTEGER NOT NULL DEFAULT 0,
    shadow        INTEGER NOT NULL DEFAULT 0,
    actor         TEXT,
    reason        TEXT
  ) STRICT;
  CREATE INDEX alarm_transitions_device ON alarm_transitions (device_id, device_time);
  CREATE INDEX alarm_transitions_episode ON alarm_transitions (episode_id);
  CREATE INDEX alarm_transitions_at ON alarm_transitions (at);
  CREATE TABLE alarm_comments (
    key           TEXT NOT NULL,
    at            INTEGER NOT NULL,
    by            TEXT NOT NULL,
    text          TEXT NOT NULL
  ) STRICT;
  CREATE INDEX alarm_comments_key ON alarm_comments (key, at);
  CREATE TABLE alarm_notices (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    transition_seq INTEGER NOT NULL,
    dedup_key      TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE alarm_cursors (
    consumer      TEXT PRIMARY KEY,
    seq           INTEGER NOT NULL
  ) STRICT;`,
};
