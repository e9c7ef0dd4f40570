/**
 * One file per schema version, applied in order inside one transaction each, so a crash
 * mid-migration leaves the database at the previous version, never between two.
 */
import type Database from 'better-sqlite3';
import { migration001 } from './001-initial';
import { migration002 } from './002-blocks-and-rollups';
import { migration003 } from './003-settings';
import { migration004 } from './004-registry-and-audit';
import { migration005 } from './005-secrets';
import { migration006 } from './006-commissioning';
import { migration007 } from './007-outbox';
import { migration008 } from './008-outbox-quota';
import { migration009 } from './009-device-removal';
import { migration010 } from './010-profiles';
import { migration011 } from './011-frozen-sync-batches';
import { migration012 } from './012-firmware';
import { migration013 } from './013-rollouts';
import { migration014 } from './014-device-firmware-history';
import { migration015 } from './015-alarms';
import { migration016 } from './016-alarm-actions';
import { migration017 } from './017-pinned-key-algorithms';
import { migration018 } from './018-notify';

export interface Migration {
  version: number;
  name: string;
  /** SQL, or a function for migrations that move data through code */
  up: string | ((db: Database.Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
  migration010,
  migration011,
  migration012,
  migration013,
  migration014,
  migration015,
  migration016,
  migration017,
  migration018,
];
