import type { Migration } from './index';

/**
 * Firmware history of each device (issue 11): every flash and rollout outcome that changed
 * or tried to change what a device runs, so the registry can say how it got its version.
 * Assigned number 014.
 */
export const migration014: Migration = {
  version: 14,
  name: 'device firmware history',
  up: `CREATE TABLE device_firmware_history (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id     TEXT NOT NULL,
    at            INTEGER NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('flash', 'rollout')),
    campaign_id   TEXT,
    from_version  TEXT,
    to_version    TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    reason        TEXT
  ) STRICT;
  CREATE INDEX device_firmware_history_device ON device_firmware_history (device_id, seq);`,
};
