/**
 * Commissioning sessions in SQLite: written after every change, so a crash, a cable pull
 * or a restart resumes the wizard where it was. A row that no longer matches the schema
 * (hand-edited, or from a future version) is skipped with a log line, never fatal.
 */
import { type CommissioningSession, SessionSchema } from '../../../common/commissioning-contract';
import type { Logger } from '../log';
import type { Db } from '../store/database';

/** what is kept: the session without its runtime-only fields */
type Stored = Omit<CommissioningSession, 'linkOpen' | 'progress'>;

export class SessionStore {
  private readonly statements;

  constructor(
    db: Db,
    private readonly log: Logger,
  ) {
    this.statements = {
      save: db.prepare(
        `INSERT INTO commissioning_sessions (id, batch_id, status, created_at, updated_at, data)
         VALUES (@id, @batchId, @status, @createdAt, @updatedAt, @data)
         ON CONFLICT (id) DO UPDATE SET batch_id = excluded.batch_id, status = excluded.status,
           updated_at = excluded.updated_at, data = excluded.data`,
      ),
      get: db.prepare<[string], { data: string }>('SELECT data FROM commissioning_sessions WHERE id = ?'),
      all: db.prepare<[], { data: string }>(
        'SELECT data FROM commissioning_sessions ORDER BY created_at, id',
      ),
    };
  }

  save(session: CommissioningSession): void {
    const { linkOpen: _l, progress: _p, ...stored } = session;
    this.statements.save.run({
      id: session.id,
      batchId: session.batchId,
      status: session.status,
      createdAt: session.createdAt,
      updatedAt: session.updatedAt,
      data: JSON.stringify(stored satisfies Stored),
    });
  }

  get(id: string): CommissioningSession | undefined {
    const row = this.statements.get.get(id);
    return row ? this.parse(row.data) : undefined;
  }

  all(): CommissioningSession[] {
    return this.statements.all.all().flatMap((row) => {
      const s = this.parse(row.data);
      return s ? [s] : [];
    });
  }

  private parse(data: string): CommissioningSession | undefined {
    try {
      const parsed = SessionSchema.safeParse({ ...JSON.parse(data), linkOpen: false, progress: null });
      if (parsed.success) return parsed.data;
      this.log.warn('a stored commissioning session does not match the schema; skipped', {
        issue: parsed.error.issues[0]?.message,
      });
    } catch (error) {
      this.log.warn('a stored commissioning session is not JSON; skipped', {
        error: (error as Error).message,
      });
    }
    return undefined;
  }
}
