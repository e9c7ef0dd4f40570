/**
 * The outbox table: what the engine must deliver to the cloud, in order, until every sink
 * has it. Readings are written one row per ingest batch (columnar, compressed), events one
 * row each. A sink's cursor says how far it got, and rows every sink has passed are deleted.
 * Rows are immutable but for one change: the quota (outbox-quota.ts) may fold raw rows into
 * one 'rollup' row that takes the seq of the last of them.
 *
 * The payload bytes held are kept as a running total (read once at start, then added and
 * taken off as rows come and go), so checking the quota costs nothing at ingest rate.
 */
import type Database from 'better-sqlite3';
import type { Reading } from '../../../common/reading';
import { chunksFromReadings, encodeChunks } from './series-chunks';

export interface OutboxRow {
  seq: number;
  kind: 'readings' | 'event' | 'rollup';
  /** for a rollup row: the raw readings it summarises */
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
  /** folded rows (1-minute rollups standing in for raw readings) */
  rollups: number;
  /** created_at of the oldest row not yet delivered, or null when caught up */
  oldestAt: number | null;
}

/** A row as the quota sees it: no body. */
export interface OutboxRowMeta {
  seq: number;
  kind: OutboxRow['kind'];
  readings: number;
  createdAt: number;
  bytes: number;
}

export class Outbox {
  private readonly statements;
  private bytes: number;

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
      backlog: db.prepare<
        [number],
        { rows: number; readings: number | null; events: number | null; rollups: number | null }
      >(
        `SELECT count(*) AS rows, sum(iif(kind = 'readings', readings, 0)) AS readings,
           sum(kind = 'event') AS events, sum(kind = 'rollup') AS rollups
         FROM outbox WHERE seq > ?`,
      ),
      bytes: db.prepare('SELECT coalesce(sum(length(body)), 0) FROM outbox').pluck(),
      bytesUpTo: db
        .prepare<[number]>('SELECT coalesce(sum(length(body)), 0) FROM outbox WHERE seq <= ?')
        .pluck(),
      meta: db.prepare<[number, number], OutboxRowMeta>(
        `SELECT seq, kind, readings, created_at AS createdAt, length(body) AS bytes FROM outbox
         WHERE seq > ? ORDER BY seq LIMIT ?`,
      ),
      body: db.prepare<[number]>('SELECT body FROM outbox WHERE seq = ?').pluck(),
      remove: db.prepare<[number]>('DELETE FROM outbox WHERE seq = ?'),
      fold: db.prepare<[number, number, number, Buffer, number]>(
        "UPDATE outbox SET kind = 'rollup', readings = ?, first_ts = ?, created_at = ?, body = ? WHERE seq = ?",
      ),
      oldestAfter: db
        .prepare<[number]>('SELECT created_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1')
        .pluck(),
    };
    this.bytes = this.statements.bytes.get() as number;
  }

  /** Payload bytes held (the running total). */
  storedBytes(): number {
    return this.bytes;
  }

  /**
   * Counts again from the table. The total can drift when an append rolls back with the
   * ingest transaction it ran in; the quota recounts before it acts on the total.
   */
  recount(): number {
    this.bytes = this.statements.bytes.get() as number;
    return this.bytes;
  }

  /** Rows after `afterSeq` without their bodies, oldest first. */
  meta(afterSeq: number, limit: number): OutboxRowMeta[] {
    return this.statements.meta.all(afterSeq, limit);
  }

  /** One row's body, or undefined when it is gone. */
  body(seq: number): Buffer | undefined {
    return this.statements.body.get(seq) as Buffer | undefined;
  }

  /**
   * Replaces raw rows (and folded rows taken in) by one rollup row at the seq of the last of them (the caller's
   * transaction makes it atomic). `seqs` ascending; `bytes` what they held.
   */
  replaceWithRollup(
    seqs: readonly number[],
    bytes: number,
    rollup: { readings: number; firstTs: number; createdAt: number; body: Buffer },
  ): void {
    const last = seqs.at(-1)!;
    for (const seq of seqs) if (seq !== last) this.statements.remove.run(seq);
    this.statements.fold.run(rollup.readings, rollup.firstTs, rollup.createdAt, rollup.body, last);
    this.bytes += rollup.body.length - bytes;
  }

  /** Appends one ingest batch; returns its seq, or null for an empty batch. */
  appendReadings(readings: readonly Reading[], now = Date.now()): number | null {
    if (readings.length === 0) return null;
    const chunks = chunksFromReadings(readings);
    let firstTs = Number.POSITIVE_INFINITY;
    for (const c of chunks) if (c.ts[0]! < firstTs) firstTs = c.ts[0]!;
    const body = encodeChunks(chunks);
    const info = this.statements.insert.run('readings', readings.length, firstTs, now, body);
    this.bytes += body.length;
    return Number(info.lastInsertRowid);
  }

  appendEvent(event: OutboxEventBody, now = Date.now()): number {
    const body = Buffer.from(JSON.stringify(event), 'utf8');
    const seq = Number(this.statements.insert.run('event', 0, null, now, body).lastInsertRowid);
    this.bytes += body.length;
    return seq;
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
    const freed = this.statements.bytesUpTo.get(upToSeq) as number;
    if (freed === 0) return 0;
    const n = this.statements.trim.run(upToSeq).changes;
    this.bytes -= freed;
    return n;
  }

  backlog(afterSeq: number): BacklogStats {
    const b = this.statements.backlog.get(afterSeq)!;
    return {
      rows: b.rows,
      readings: b.readings ?? 0,
      events: b.events ?? 0,
      rollups: b.rollups ?? 0,
      oldestAt: (this.statements.oldestAfter.get(afterSeq) as number | undefined) ?? null,
    };
  }
}
