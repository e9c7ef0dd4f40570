/**
 * One file per schema version, applied in order inside one transaction each, so a crash
 * mid-migration leaves the database at the previous version, never between two.
 */
import type Database from 'better-sqlite3';
import { migration001 } from './001-initial';
import { migration002 } from './002-blocks-and-rollups';
import { migration003 } from './003-settings';

export interface Migration {
  version: number;
  name: string;
  /** SQL, or a function for migrations that move data through code */
  up: string | ((db: Database.Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003];
