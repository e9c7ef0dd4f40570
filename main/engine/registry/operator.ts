/**
 * Who is at the keyboard. Recorded as the actor of every audited change and printed on
 * commissioning reports; kept in settings so a technician types it once per laptop.
 */
import os from 'node:os';
import type { Db } from '../store/database';

const KEY = 'operator';

export class Operator {
  private name: string;
  private readonly save;

  constructor(db: Db) {
    const stored = db.prepare(`SELECT value FROM settings WHERE key = '${KEY}'`).pluck().get() as
      | string
      | undefined;
    this.name = stored ? (JSON.parse(stored) as string) : defaultName();
    this.save = db.prepare(
      `INSERT INTO settings (key, value) VALUES ('${KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
  }

  get(): string {
    return this.name;
  }

  set(name: string): string {
    this.name = name.trim();
    this.save.run(JSON.stringify(this.name));
    return this.name;
  }
}

/** The OS account until someone says otherwise: better than "unknown" in an audit trail. */
function defaultName(): string {
  try {
    return os.userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}
