/**
 * Flood detection (ISA-18.2 / EEMUA 191: more than 10 alarms in 10 minutes per operator):
 * every raise is counted in SQLite, so a restart in the middle of a flood stays in it.
 * In a flood only critical alarms page; the rest go into one digest.
 */
import type Database from 'better-sqlite3';
import { SEVERITIES, type Severity } from '../../../common/alarm-contract';

export class FloodDetector {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      add: db.prepare('INSERT INTO notify_raised (at) VALUES (?)'),
      prune: db.prepare('DELETE FROM notify_raised WHERE at <= ?'),
      window: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM notify_raised WHERE at > ?'),
    };
  }

  /** counts a raise; true when it should page, false when it belongs in the flood digest */
  raise(severity: Severity | null, now: number, flood: { alarms: number; windowMs: number }): boolean {
    this.s.prune.run(now - flood.windowMs);
    this.s.add.run(now);
    const n = this.s.window.get(now - flood.windowMs)?.n ?? 0;
    return n <= flood.alarms || severity === SEVERITIES[SEVERITIES.length - 1];
  }
}
