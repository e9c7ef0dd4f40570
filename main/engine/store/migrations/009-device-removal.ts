import type { Migration } from './index';

/**
 * Device removal (issue 10). A device removed with its readings kept stays as a row, so
 * its series keep their foreign key, but is left out of every list until it reports again.
 */
export const migration009: Migration = {
  version: 9,
  name: 'removed devices',
  up: 'ALTER TABLE devices ADD COLUMN removed_at INTEGER;',
};
