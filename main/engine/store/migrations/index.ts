/**
 * One file per schema version, applied in order inside one transaction each, so a crash
 * mid-migration leaves the database at the previous version, never between two.
 */
import { migration001 } from './001-initial';

export interface Migration {
  version: number;
  name: string;
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [migration001];
