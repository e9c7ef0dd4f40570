/**
 * AlarmNoticeSource over the alarm_notices / alarm_cursors / alarm_instances tables of
 * migration 015: what notify reads while the alarm engine is built in parallel. The alarm
 * engine writes `body` as the notice's JSON (without `seq`, which is the row's); the lead
 * swaps this for alarm-core's own source at merge if theirs differs.
 */
import type Database from 'better-sqlite3';
import type { AlarmState, Severity } from '../../../common/alarm-contract';
import type { AlarmNotice, AlarmNoticeSource } from './alarm-notices';

export class NoticeTableSource implements AlarmNoticeSource {
  private readonly listeners = new Set<() => void>();
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      after: db.prepare<[number, number], { seq: number; body: string }>(
        'SELECT seq, body FROM alarm_notices WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      cursor: db.prepare<[string], { seq: number }>('SELECT seq FROM alarm_cursors WHERE consumer = ?'),
      advance: db.prepare(
        `INSERT INTO alarm_cursors (consumer, seq) VALUES (?, ?)
         ON CONFLICT (consumer) DO UPDATE SET seq = max(seq, excluded.seq)`,
      ),
      states: db.prepare<[], { key: string; state: AlarmState; severity: Severity | null }>(
        'SELECT key, state, severity FROM alarm_instances',
      ),
    };
  }

  after(afterSeq: number, limit: number): AlarmNotice[] {
    const out: AlarmNotice[] = [];
    for (const row of this.statements.after.all(afterSeq, limit)) {
      // a body that is not JSON cannot be told to anyone: it is passed over, not retried for ever
      try {
        out.push({ ...(JSON.parse(row.body) as Omit<AlarmNotice, 'seq'>), seq: row.seq });
      } catch {}
    }
    return out;
  }

  onNotices(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** whoever committed notices says so (tests, the alarm engine until its own source replaces this) */
  notify(): void {
    for (const l of this.listeners) l();
  }

  cursor(consumer: string): number {
    return this.statements.cursor.get(consumer)?.seq ?? 0;
  }

  advance(consumer: string, seq: number): void {
    this.statements.advance.run(consumer, seq);
  }

  states(): ReadonlyMap<string, { state: AlarmState; severity: Severity | null }> {
    return new Map(
      this.statements.states.all().map((r) => [r.key, { state: r.state, severity: r.severity }]),
    );
  }
}
