import type { Migration } from './index';

/**
 * Raw readings are keyed by (series, device time) in a WITHOUT ROWID table: the primary
 * key is the storage order, so a time-range scan of one series is one contiguous b-tree
 * walk, and a reading delivered twice (QoS 1 retry, replay) collides and is dropped.
 */
export const migration001: Migration = {
  version: 1,
  name: 'devices, series and raw readings',
  up: `
    CREATE TABLE devices (
      id           TEXT PRIMARY KEY,
      name         TEXT NOT NULL,
      kind         TEXT NOT NULL,
      profile      TEXT NOT NULL,
      transport    TEXT NOT NULL,
      connector_id TEXT NOT NULL,
      first_seen   INTEGER NOT NULL,
      last_seen    INTEGER,
      readings     INTEGER NOT NULL DEFAULT 0,
      duplicates   INTEGER NOT NULL DEFAULT 0,
      flagged      INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    CREATE TABLE series (
      id        INTEGER PRIMARY KEY,
      device_id TEXT NOT NULL REFERENCES devices(id),
      metric    TEXT NOT NULL,
      UNIQUE (device_id, metric)
    ) STRICT;

    CREATE TABLE readings (
      series_id INTEGER NOT NULL,
      ts        INTEGER NOT NULL,
      value     REAL,
      quality   INTEGER NOT NULL,
      seq       INTEGER,
      PRIMARY KEY (series_id, ts)
    ) STRICT, WITHOUT ROWID;
  `,
};
