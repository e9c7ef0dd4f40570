/**
 * The raw time-series store. Readings are accepted into per-series in-memory heads
 * (where duplicates are caught and late readings slot in) and made durable by one
 * ingest-log row per batch; compaction turns the heads into compressed blocks plus
 * rollups in one transaction and deletes the log rows it covered. A crash loses nothing
 * that was committed: on open, the log is replayed into the heads.
 */
import type { Logger } from '../log';
import { type BlockColumns, decodeBlock, encodeBlock } from './codec/block-codec';
import type { ColumnBatch } from './column-batch';
import type { Db } from './database';
import { decodeLogRecord, encodeLogRecord } from './log-record';
import { RETRY_MEMORY } from './message-numbers';
import { MAX_BLOCK_POINTS } from './migrations/002-blocks-and-rollups';
import { aggregate, RESOLUTIONS, rollupParams, UPSERT_ROLLUP_SQL } from './rollups';
import { SeriesHead } from './series-head';
import { sortedHas } from './sorted-search';

export interface TimeSeriesStoreOptions {
  /** compact when the heads hold this many readings */
  compactAtPoints?: number;
  /** ...or when the oldest uncompacted batch is this old */
  compactAfterMs?: number;
  now?: () => number;
}

export interface IngestOutcome {
  /** 1 where the reading was stored, 0 where it was a duplicate */
  accepted: Uint8Array;
  stored: number;
  duplicates: number;
}

interface CachedBlock {
  series: number;
  start: number;
  end: number;
  ts: Float64Array;
}

export class TimeSeriesStore {
  private readonly heads: (SeriesHead | undefined)[] = [];
  private readonly compactedMax: number[] = [];
  private readonly dirty = new Set<number>();
  private headPoints = 0;
  private oldestUncompactedAt = 0;
  private storedTotal = 0;
  private blockCache: CachedBlock[] = [];
  private readonly compactAtPoints: number;
  private readonly compactAfterMs: number;
  private readonly now: () => number;
  private readonly statements;
  /** called inside the compaction transaction, for state that must commit with it */
  onCompact: (() => void) | undefined;
  readonly counters = { compactions: 0, lastCompactionMs: 0, blocksWritten: 0 };
  lastCompactionAt = 0;
  /** what the last open replayed from the log, per series */
  readonly replayed = new Map<number, { stored: number; flagged: number }>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    options: TimeSeriesStoreOptions = {},
  ) {
    this.compactAtPoints = options.compactAtPoints ?? 1_000_000;
    this.compactAfterMs = options.compactAfterMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.statements = {
      appendLog: db.prepare('INSERT INTO ingest_log (created, count, data) VALUES (?, ?, ?)'),
      readLog: db.prepare('SELECT created, data FROM ingest_log ORDER BY id').raw(),
      maxLogId: db.prepare('SELECT max(id) FROM ingest_log').pluck(),
      trimLog: db.prepare('DELETE FROM ingest_log WHERE id <= ?'),
      insertBlock: db.prepare(
        'INSERT INTO blocks (series_id, start_ts, end_ts, count, data) VALUES (?, ?, ?, ?, ?)',
      ),
      blocksCovering: db
        .prepare(
          'SELECT start_ts, end_ts, data FROM blocks WHERE series_id = ? AND end_ts >= ? AND start_ts <= ?',
        )
        .raw(),
      compactedMax: db.prepare('SELECT series_id, max(end_ts) FROM blocks GROUP BY series_id').raw(),
      blockCount: db.prepare('SELECT coalesce(sum(count), 0) FROM blocks').pluck(),
      latestBlocks: db
        .prepare('SELECT data FROM blocks WHERE series_id = ? ORDER BY end_ts DESC LIMIT 64')
        .pluck(),
      upsertRollup: db.prepare(UPSERT_ROLLUP_SQL),
    };
    this.recover();
  }

  /** Readings stored in all (blocks and heads). */
  totalStored(): number {
    return this.storedTotal;
  }

  pendingPoints(): number {
    return this.headPoints;
  }

  head(series: number): SeriesHead | undefined {
    return this.heads[series];
  }

  /**
   * Dedups a batch against everything stored, appends the accepted readings to the log
   * (durable when this returns) and to the heads. Throws if the write fails, leaving the
   * store as it was. `withinCommit` runs inside the log row's transaction, only when
   * something was accepted.
   */
  ingest(batch: ColumnBatch, withinCommit?: (accepted: Uint8Array) => void): IngestOutcome {
    const accepted = new Uint8Array(batch.length);
    let stored = 0;
    for (let i = 0; i < batch.length; i++) {
      const s = batch.series[i]!;
      const t = batch.ts[i]!;
      const seq = batch.seq[i]!;
      const head = this.heads[s] ?? this.openHead(s);
      const compacted = this.compactedMax[s] ?? Number.NEGATIVE_INFINITY;
      const inOrder = (head.length === 0 || t > head.lastTs) && t > compacted;
      if (!inOrder && (head.hasTs(t) || (t <= compacted && this.blockHas(s, t)))) continue;
      if (head.isRetry(seq, t, batch.values[i]!, batch.quality[i]!)) continue;
      head.insert(t, batch.values[i]!, batch.quality[i]!, seq);
      if (head.length === 1) this.dirty.add(s);
      accepted[i] = 1;
      stored++;
    }
    if (stored > 0) {
      try {
        const record = encodeLogRecord(batch, accepted, stored);
        if (withinCommit) {
          // what else must be durable exactly when these readings are (the cloud outbox) commits with them
          this.db.transaction(() => {
            this.statements.appendLog.run(this.now(), stored, record);
            withinCommit(accepted);
          })();
        } else {
          this.statements.appendLog.run(this.now(), stored, record);
        }
      } catch (error) {
        this.undo(batch, accepted);
        throw error;
      }
      if (this.headPoints === 0) this.oldestUncompactedAt = this.now();
      this.headPoints += stored;
      this.storedTotal += stored;
    }
    return { accepted, stored, duplicates: batch.length - stored };
  }

  /** Compacts if the heads are big or old enough; cheap to call often. */
  maybeCompact(): boolean {
    if (this.headPoints === 0) return false;
    if (
      this.headPoints < this.compactAtPoints &&
      this.now() - this.oldestUncompactedAt < this.compactAfterMs
    ) {
      return false;
    }
    this.compact();
    return true;
  }

  /** Writes every head as blocks and rollups, and trims the log, in one transaction. */
  compact(): void {
    const started = performance.now();
    const series = [...this.dirty];
    this.db.transaction(() => {
      const upToLog = this.statements.maxLogId.get() as number | null;
      for (const s of series) {
        const head = this.heads[s];
        if (!head || head.length === 0) continue;
        for (let at = 0; at < head.length; at += MAX_BLOCK_POINTS) {
          const end = Math.min(head.length, at + MAX_BLOCK_POINTS);
          const c = head.columns(at, end);
          this.statements.insertBlock.run(s, c.ts[0], c.ts[c.ts.length - 1], end - at, encodeBlock(c));
          this.counters.blocksWritten++;
        }
        const all = head.columns();
        for (const res of RESOLUTIONS) {
          for (const a of aggregate(all, res.ms))
            this.statements.upsertRollup.run(rollupParams(s, res.ms, a));
        }
      }
      if (upToLog !== null) this.statements.trimLog.run(upToLog);
      this.onCompact?.();
    })();
    for (const s of series) {
      const head = this.heads[s];
      if (!head || head.length === 0) continue;
      this.compactedMax[s] = Math.max(this.compactedMax[s] ?? Number.NEGATIVE_INFINITY, head.lastTs);
      head.clear();
    }
    this.dirty.clear();
    this.headPoints = 0;
    this.blockCache = [];
    this.counters.compactions++;
    this.lastCompactionAt = this.now();
    this.counters.lastCompactionMs = performance.now() - started;
    if (this.counters.lastCompactionMs > 1000) {
      this.log.warn('slow compaction', {
        ms: Math.round(this.counters.lastCompactionMs),
        series: series.length,
      });
    }
  }

  /**
   * Deletes series with all their blocks and rollups, and the series rows themselves; the
   * heads must be compacted first. Returns how many readings went.
   */
  forget(series: readonly number[]): number {
    if (series.some((s) => (this.heads[s]?.length ?? 0) > 0))
      throw new Error('compact before forgetting series');
    const count = this.db.prepare('SELECT coalesce(sum(count), 0) FROM blocks WHERE series_id = ?').pluck();
    const deletes = [
      'DELETE FROM blocks WHERE series_id = ?',
      'DELETE FROM rollups WHERE series_id = ?',
      'DELETE FROM series WHERE id = ?',
    ].map((sql) => this.db.prepare(sql));
    let readings = 0;
    this.db.transaction(() => {
      for (const s of series) {
        readings += count.get(s) as number;
        for (const d of deletes) d.run(s);
      }
    })();
    for (const s of series) {
      this.heads[s] = undefined;
      delete this.compactedMax[s];
      this.dirty.delete(s);
    }
    this.storedTotal -= readings;
    this.blockCache = [];
    return readings;
  }

  /** Blocks were deleted (retention): forget decoded copies. */
  forgetBlockCache(): void {
    this.blockCache = [];
  }

  /** Device time of the oldest reading in any head, or NaN. */
  oldestInHeads(): number {
    let oldest = Number.NaN;
    for (const s of this.dirty) {
      const t = this.heads[s]?.firstTs ?? Number.NaN;
      if (!(t >= oldest)) oldest = t;
    }
    return oldest;
  }

  /** Device time of the newest reading in any head, or NaN. */
  newestInHeads(): number {
    let newest = Number.NaN;
    for (const s of this.dirty) {
      const t = this.heads[s]?.lastTs ?? Number.NaN;
      if (!(t <= newest)) newest = t;
    }
    return newest;
  }

  /** Stored blocks of a series that overlap [from, to], decoded, in start order. */
  blocksIn(series: number, from: number, to: number): BlockColumns[] {
    const rows = this.statements.blocksCovering.all(series, from, to) as [number, number, Uint8Array][];
    rows.sort((a, b) => a[0] - b[0]);
    return rows.map((r) => decodeBlock(r[2]));
  }

  private blockHas(series: number, t: number): boolean {
    for (const b of this.blockCache) {
      if (b.series === series && b.start <= t && t <= b.end) {
        if (sortedHas(b.ts, t)) return true;
      }
    }
    const rows = this.statements.blocksCovering.all(series, t, t) as [number, number, Uint8Array][];
    let found = false;
    for (const [start, end, data] of rows) {
      if (this.blockCache.some((b) => b.series === series && b.start === start)) continue;
      const ts = decodeBlock(data).ts;
      this.blockCache.push({ series, start, end, ts });
      if (this.blockCache.length > 32) this.blockCache.shift();
      if (sortedHas(ts, t)) found = true;
    }
    return found;
  }

  /**
   * A head for a series seen for the first time since the store opened. A numbered series
   * takes its newest numbered readings from its newest blocks, so a resend of a reading
   * compacted before a restart is still known as one.
   */
  private openHead(series: number): SeriesHead {
    const head = new SeriesHead();
    this.heads[series] = head;
    if (this.compactedMax[series] === undefined) return head;
    const tail: [number, number, number, number][] = [];
    for (const data of this.statements.latestBlocks.iterate(series) as Iterable<Uint8Array>) {
      const b = decodeBlock(data);
      for (let i = 0; i < b.ts.length; i++) {
        if (b.seq[i]! >= 0) tail.push([b.seq[i]!, b.ts[i]!, b.values[i]!, b.quality[i]!]);
      }
      // blocks are usually thousands of points: one is enough; many tiny ones are read until the ring is full
      if (tail.length >= RETRY_MEMORY) break;
    }
    tail.sort((a, b) => a[1] - b[1]);
    for (const [seq, t, value, quality] of tail.slice(-RETRY_MEMORY))
      head.numbers.record(seq, t, value, quality);
    return head;
  }

  private undo(batch: ColumnBatch, accepted: Uint8Array): void {
    for (let i = batch.length - 1; i >= 0; i--) {
      if (accepted[i] === 0) continue;
      this.heads[batch.series[i]!]?.remove(batch.ts[i]!, batch.seq[i]!);
    }
  }

  private recover(): void {
    for (const [series, end] of this.statements.compactedMax.all() as [number, number][]) {
      this.compactedMax[series] = end;
    }
    this.storedTotal = this.statements.blockCount.get() as number;
    let replayed = 0;
    for (const [created, data] of this.statements.readLog.iterate() as Iterable<[number, Uint8Array]>) {
      const record = decodeLogRecord(data);
      for (let i = 0; i < record.length; i++) {
        const s = record.series[i]!;
        const head = this.heads[s] ?? this.openHead(s);
        if (head.hasTs(record.ts[i]!)) continue;
        head.insert(record.ts[i]!, record.values[i]!, record.quality[i]!, record.seq[i]!);
        this.dirty.add(s);
        replayed++;
        let r = this.replayed.get(s);
        if (!r) {
          r = { stored: 0, flagged: 0 };
          this.replayed.set(s, r);
        }
        r.stored++;
        if (record.quality[i] !== 0) r.flagged++;
      }
      if (replayed > 0 && this.oldestUncompactedAt === 0) this.oldestUncompactedAt = created;
    }
    this.headPoints = replayed;
    this.storedTotal += replayed;
    if (replayed > 0) this.log.info('replayed the ingest log', { readings: replayed });
  }
}
