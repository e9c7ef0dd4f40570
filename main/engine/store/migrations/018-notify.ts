import type { Migration } from './index';

/**
 * Notifications (issue 12): channels (their secrets live in the secret store), the routing
 * policy, silences and mute windows, the delivery outbox (one row per message to one
 * channel, at least once, in order per dedup key, with its backoff and dead-letter state),
 * the last send of each notification group, and each episode's escalation state, so a
 * restart neither pages twice nor forgets an escalation that was due.
 */
export const migration018: Migration = {
  version: 18,
  name: 'notify',
  up: `CREATE TABLE notify_channels (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    config        TEXT NOT NULL,
    last_at       INTEGER,
    last_ok       INTEGER,
    last_detail   TEXT,
    updated_at    INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE notify_policy (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    policy        TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE notify_silences (
    id            TEXT PRIMARY KEY,
    matchers      TEXT NOT NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    comment       TEXT NOT NULL,
    created_by    TEXT NOT NULL
  ) STRICT;
  CREATE TABLE notify_mute_windows (
    id            TEXT PRIMARY KEY,
    body          TEXT NOT NULL
  ) STRICT;
  CREATE TABLE notify_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id      TEXT NOT NULL,
    dedup_key       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    group_key       TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
  ) STRICT;
  CREATE INDEX notify_deliveries_due ON notify_deliveries (status, next_attempt_at);
  CREATE INDEX notify_deliveries_key ON notify_deliveries (channel_id, dedup_key, status);
  CREATE INDEX notify_deliveries_group ON notify_deliveries (channel_id, group_key, status);
  CREATE TABLE notify_groups (
    channel_id    TEXT NOT NULL,
    group_key     TEXT NOT NULL,
    last_sent_at  INTEGER NOT NULL,
    PRIMARY KEY (channel_id, group_key)
  ) STRICT;
  CREATE TABLE notify_episodes (
    dedup_key     TEXT PRIMARY KEY,
    channels      TEXT NOT NULL,
    notice        TEXT NOT NULL,
    route         TEXT,
    stage         INTEGER NOT NULL DEFAULT 0,
    round         INTEGER NOT NULL DEFAULT 0,
    escalate_at   INTEGER,
    repeat_at     INTEGER,
    updated_at    INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX notify_episodes_escalate ON notify_episodes (escalate_at);
  CREATE INDEX notify_episodes_repeat ON notify_episodes (repeat_at);
  CREATE TABLE notify_raised (
    at            INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX notify_raised_at ON notify_raised (at);`,
};
