/**
 * The installation's identity: a random UUID made when the engine first opens its database,
 * kept in that database's settings table (key `installation`).
 *
 * It lives in the database, not in a file beside it, on purpose: outbox sequence numbers,
 * and so CloudEvents ids and Idempotency-Keys, start again at 1 in a new database. The
 * identity must start again with them, so a recreated data folder, a deleted cache or the
 * in-memory fallback is a new installation and never repeats an old one's ids.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface Installation {
  /** RFC 4122 version 4 UUID, lower case */
  id: string;
  createdAt: number;
}

const KEY = 'installation';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The CloudEvents `source` of everything the installation sends (a URI-reference, CloudEvents 1.0 §3.1.1). */
export function sourceOf(installationId: string): string {
  return `urn:fieldline:installation:${installationId}`;
}

/**
 * The database's identity, made on first call. `onCreate` runs in the same transaction when
 * a database that never had one gets it: one that already holds data is being upgraded.
 */
export function loadOrCreateInstallation(
  db: Database.Database,
  onCreate?: (db: Database.Database) => void,
): Installation {
  return db.transaction(() => {
    const stored = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(KEY) as
      | string
      | undefined;
    const parsed = stored === undefined ? null : parseInstallation(stored);
    if (parsed) return parsed;
    // a damaged row cannot be trusted to be unique: replaced, as a new installation
    const made: Installation = { id: randomUUID(), createdAt: Date.now() };
    db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(KEY, JSON.stringify(made));
    if (stored === undefined) onCreate?.(db);
    return made;
  })();
}

function parseInstallation(text: string): Installation | null {
  try {
    const v = JSON.parse(text) as Partial<Installation>;
    if (typeof v.id === 'string' && UUID.test(v.id) && Number.isSafeInteger(v.createdAt)) {
      return { id: v.id, createdAt: v.createdAt! };
    }
  } catch {
    // not JSON: treated as missing
  }
  return null;
}
