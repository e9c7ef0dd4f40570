/**
 * Named secrets (CA key, device PSKs, broker passwords) sealed with the master key and kept
 * in the engine's SQLite file. Only names ever reach the log; values never do.
 */
import type Database from 'better-sqlite3';
import type { Logger } from '../log';
import type { MasterKey } from './master-key';
import { createSecretBox, type SecretBox } from './secret-box';

const NAME = /^[A-Za-z0-9._:/-]{1,200}$/;

export class SecretStoreError extends Error {}

export class SecretStore {
  private readonly box: SecretBox;
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    masterKey: MasterKey,
    private readonly log?: Logger,
  ) {
    this.box = createSecretBox(masterKey);
    this.statements = {
      put: db.prepare(
        `INSERT INTO secrets (name, sealed, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
      ),
      get: db.prepare<[string], { sealed: string }>('SELECT sealed FROM secrets WHERE name = ?'),
      delete: db.prepare('DELETE FROM secrets WHERE name = ?'),
      // substr, not LIKE: a prefix holding % or _ must match only itself
      names: db.prepare<[{ prefix: string }], { name: string }>(
        'SELECT name FROM secrets WHERE substr(name, 1, length(@prefix)) = @prefix ORDER BY name',
      ),
    };
  }

  put(name: string, value: string | Uint8Array): void {
    checkName(name);
    // the name is the associated data: a sealed value moved onto another name will not open
    this.statements.put.run(name, this.box.seal(value, name), Date.now());
    this.log?.info('secret stored', { name });
  }

  get(name: string): string | undefined {
    return this.getBytes(name)?.toString('utf8');
  }

  getBytes(name: string): Buffer | undefined {
    checkName(name);
    const row = this.statements.get.get(name);
    if (!row) return undefined;
    try {
      return this.box.open(row.sealed, name);
    } catch (error) {
      throw new SecretStoreError(`cannot open the secret "${name}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  has(name: string): boolean {
    checkName(name);
    return this.statements.get.get(name) !== undefined;
  }

  delete(name: string): boolean {
    checkName(name);
    const removed = this.statements.delete.run(name).changes > 0;
    if (removed) this.log?.info('secret deleted', { name });
    return removed;
  }

  /** Names only, never values: for listing what exists (e.g. every device PSK). */
  names(prefix = ''): string[] {
    return this.statements.names.all({ prefix }).map((r) => r.name);
  }

  /** Runs `fn` in one SQLite transaction, so a secret and the rows that refer to it commit together. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new SecretStoreError(`invalid secret name "${name.slice(0, 40)}"`);
}
