/**
 * Opens the engine's SQLite cache: WAL so readers never wait for the one writer,
 * migrations tracked in a version table, and a slow-query log so a query that starts to
 * hurt shows up in the log before it shows up as a frozen chart.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../log';
import { MIGRATIONS, type Migration } from './migrations/index';
import { sqliteNativeBinding } from './native-binding';
import { createPrivateFile, ensurePrivateDir, restrictFiles } from './private-files';

export type Db = Database.Database;

export const DATABASE_FILE = 'fieldline.sqlite';
const SLOW_QUERY_MS = 50;

export class DatabaseError extends Error {}

export interface OpenDatabaseOptions {
  dataDir: string;
  log: Logger;
  /** ':memory:' for a cache that keeps nothing (the fallback when the file cannot be used) */
  file?: string;
  migrations?: readonly Migration[];
}

export function openDatabase(options: OpenDatabaseOptions): { db: Db; file: string } {
  const { dataDir, log } = options;
  if (options.file !== ':memory:') {
    try {
      ensurePrivateDir(dataDir, log);
    } catch (error) {
      throw new DatabaseError(`cannot create the data folder ${dataDir}: ${(error as Error).message}`);
    }
  }
  const file = options.file ?? path.join(dataDir, DATABASE_FILE);
  const nativeBinding = sqliteNativeBinding(__dirname);
  let db: Db;
  const onDisk = file !== ':memory:';
  try {
    // SQLite makes the file 0644 and gives its -wal and -shm the file's mode: create it 0600 first
    if (onDisk) createPrivateFile(file, log);
    db = new Database(file, nativeBinding ? { nativeBinding } : {});
    db.pragma('journal_mode = WAL');
    // ones an older build left behind keep their mode when reused
    if (onDisk) restrictFiles([`${file}-wal`, `${file}-shm`, `${file}-journal`], log);
    // NORMAL in WAL mode: a committed transaction survives a process crash; only an OS
    // crash or power cut can lose the last few, and the database is never corrupted
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, options.migrations ?? MIGRATIONS, log);
  } catch (error) {
    throw new DatabaseError(`cannot open the cache ${file}: ${(error as Error).message}`, { cause: error });
  }
  return { db, file };
}

export function schemaVersion(db: Db): number {
  return (db.pragma('user_version', { simple: true }) as number) ?? 0;
}

function migrate(db: Db, migrations: readonly Migration[], log: Logger): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
  const current = schemaVersion(db);
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new DatabaseError(
      `the cache is at schema version ${current}, newer than this build knows (${newest}); ` +
        'it was written by a newer Fieldline: update the app or point it at another data folder',
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      record.run(migration.version, migration.name, Date.now());
      db.pragma(`user_version = ${migration.version}`);
    })();
    log.info('database migrated', { version: migration.version, name: migration.name });
  }
}

/** Wraps a statement runner so slow calls are logged with their SQL. */
export function timed<A extends unknown[], R>(
  log: Logger,
  label: string,
  run: (...args: A) => R,
): (...args: A) => R {
  return (...args: A) => {
    const started = performance.now();
    const result = run(...args);
    const ms = performance.now() - started;
    if (ms > SLOW_QUERY_MS) log.warn('slow query', { query: label, ms: Math.round(ms) });
    return result;
  };
}
