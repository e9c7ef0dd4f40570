/**
 * The outbox table: what the engine must deliver to the cloud, in order, until every sink
 * has it. Readings are written one row per ingest batch (columnar, compressed), events one
 * row each. Rows are immutable; a sink's cursor says how far it got, and rows every sink
 * has passed are deleted.
 */
import type Database from 'better-sqlite3';
import type { Reading } from '../../../common/reading';
import { chunksFromReadings, encodeChunks } from './series-chunks';

export interface OutboxRow {
  seq: number;
  kind: 'readings' | 'event';
  readings: number;
  createdAt: number;
  body: Buffer;
}

export interface OutboxEventBody {
  type: string;
  subject: string;
  data: unknown;
}

export interface BacklogStats {
  rows: number;
  readings: number;
  events: number;
  /** created_at of the oldest row not yet delivered, or null when caught up */
  oldestAt: number | null;
}

export class Outbox {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      insert: db.prepare<[string, number, number | null, number, Buffer]>(
        'INSERT INTO outbox (kind, readings, first_ts, created_at, body) VALUES (?, ?, ?, ?, ?)',
      ),
      read: db.prepare<[number, number], OutboxRow>(
        `SELECT seq, kind, readings, created_at AS createdAt, body FROM outbox
         WHERE seq > ? ORDER BY seq LIMIT ?`,
      ),
      head: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").pluck(),
      oldest: db.prepare('SELECT min(seq) FROM outbox').pluck(),
      trim: db.prepare<[number]>('DELETE FROM outbox WHERE seq <= ?'),
      backlog: db.prepare<[number], { rows: number; readings: number | null; events: number | null }>(
        `SELECT count(*) AS rows, sum(readings) AS readings, sum(kind = 'event') AS events
         FROM outbox WHERE seq > ?`,
      ),
      oldestAfter: db
        .prepare<[number]>('SELECT created_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1')
        .pluck(),
    };
  }

  /** Appends one ingest batch; returns its seq, or null for an empty batch. */
  appendReadings(readings: readonly Reading[], now = Date.now()): number | null {
    if (readings.length === 0) return null;
    const chunks = chunksFromReadings(readings);
    let firstTs = Number.POSITIVE_INFINITY;
    for (const c of chunks) if (c.ts[0]! < firstTs) firstTs = c.ts[0]!;
    const info = this.statements.insert.run('readings', readings.length, firstTs, now, encodeChunks(chunks));
    return Number(info.lastInsertRowid);
  }

  appendEvent(event: OutboxEventBody, now = Date.now()): number {
    const body = Buffer.from(JSON.stringify(event), 'utf8');
    return Number(this.statements.insert.run('event', 0, null, now, body).lastInsertRowid);
  }

  /** Rows after `afterSeq`, oldest first. */
  read(afterSeq: number, limit: number): OutboxRow[] {
    return this.statements.read.all(afterSeq, limit);
  }

  /** The highest seq ever given out (0 before the first), even if its row was deleted. */
  head(): number {
    return (this.statements.head.get() as number | undefined) ?? 0;
  }

  /** The seq just before the oldest row still held: where a new sink starts. */
  start(): number {
    const oldest = this.statements.oldest.get() as number | null;
    return oldest === null ? this.head() : oldest - 1;
  }

  trim(upToSeq: number): number {
    return this.statements.trim.run(upToSeq).changes;
  }

  backlog(afterSeq: number): BacklogStats {
    const b = this.statements.backlog.get(afterSeq)!;
    return {
      rows: b.rows,
      readings: b.readings ?? 0,
      events: b.events ?? 0,
      oldestAt: (this.statements.oldestAfter.get(afterSeq) as number | undefined) ?? null,
    };
  }
}
