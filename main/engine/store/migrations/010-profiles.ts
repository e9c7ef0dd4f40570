import type { Migration } from './index';

/**
 * Device profiles people made (issue 10): the profile as they wrote or imported it, so an
 * export gives back the same JSON. Shipped profiles stay in resources/profiles, read-only.
 */
export const migration010: Migration = {
  version: 10,
  name: 'user device profiles',
  up: `CREATE TABLE device_profiles (
    id         TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;`,
};
