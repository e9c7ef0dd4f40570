import type { Migration } from './index';

/**
 * Edge actions (issue 12): one row per (alarm notice, action of its rule) once the action was
 * done, dry-run, refused or given up on, written before the 'actions' cursor moves past the
 * notice, so a restart never repeats an action already logged nor skips one. Device writes
 * are rate-limited from here, so the limit holds across restarts.
 *
 * Assigned number 017; numbered 016 on this branch to keep migrations contiguous.
 */
export const migration016: Migration = {
  version: 16,
  name: 'alarm-actions',
  up: `CREATE TABLE alarm_action_log (
    notice_seq    INTEGER NOT NULL,
    action_index  INTEGER NOT NULL,
    rule_id       TEXT NOT NULL,
    episode_id    TEXT,
    trigger       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    device_id     TEXT,
    metric        TEXT,
    target        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    detail        TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    PRIMARY KEY (notice_seq, action_index)
  ) STRICT;
  CREATE INDEX alarm_action_log_at ON alarm_action_log (at);
  CREATE INDEX alarm_action_log_writes ON alarm_action_log (device_id, metric, at);
  CREATE INDEX alarm_action_log_episode ON alarm_action_log (episode_id, action_index, trigger);`,
};
