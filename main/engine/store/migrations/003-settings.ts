import type { Migration } from './index';

/** Engine settings that must survive a restart (retention and quota), as JSON per key. */
export const migration003: Migration = {
  version: 3,
  name: 'settings',
  up: `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;`,
};
