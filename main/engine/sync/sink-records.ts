/** The sync tables other than the outbox: sinks with their cursors, frozen and parked batches, settings. */
import type Database from 'better-sqlite3';
import type { OutgoingBatch } from './cloudevents';

export type SinkKind = 'http' | 'mqtt';

export interface SinkRecord {
  id: string;
  kind: SinkKind;
  name: string;
  enabled: boolean;
  /** secrets replaced by "<stored>"; the values live in the secret store */
  config: Record<string, unknown>;
  cursor: number;
  rollupCursor: number;
  /** last seq of the raw batch last put on the wire (0 for none) */
  inflight: number;
  rollupInflight: number;
  createdAt: number;
  /** raw readings the outbox quota folded before this sink sent them, or null for none */
  folded?: FoldedRecord | null;
}

export interface FoldedRecord {
  readings: number;
  fromTs: number;
  toTs: number;
  /** when the last fold happened */
  at: number;
}

export interface SyncSettingsRecord {
  bandwidthBytesPerS: number | null;
  metered: boolean;
  outboxQuotaBytes: number;
}

export interface ParkedRecord {
  id: number;
  sinkId: string;
  firstSeq: number;
  lastSeq: number;
  idempotencyKey: string;
  events: number;
  readings: number;
  status: number | null;
  error: string;
  parkedAt: number;
  bytes: number;
}

interface SinkRow {
  id: string;
  kind: SinkKind;
  name: string;
  enabled: number;
  config: string;
  cursor: number;
  rollup_cursor: number;
  inflight: number;
  rollup_inflight: number;
  created_at: number;
  folded_readings: number;
  folded_from: number | null;
  folded_to: number | null;
  folded_at: number | null;
}

const PARKED_COLUMNS = `id, sink_id AS sinkId, first_seq AS firstSeq, last_seq AS lastSeq,
  idempotency_key AS idempotencyKey, events, readings, status, error, parked_at AS parkedAt,
  length(payload) AS bytes`;

export class SinkRecords {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      all: db.prepare<[], SinkRow>('SELECT * FROM sync_sinks ORDER BY created_at, id'),
      get: db.prepare<[string], SinkRow>('SELECT * FROM sync_sinks WHERE id = ?'),
      insert: db.prepare(
        `INSERT INTO sync_sinks (id, kind, name, enabled, config, cursor, rollup_cursor, inflight, rollup_inflight, created_at)
         VALUES (@id, @kind, @name, @enabled, @config, @cursor, @rollupCursor, @inflight, @rollupInflight, @createdAt)`,
      ),
      update: db.prepare('UPDATE sync_sinks SET name = ?, enabled = ?, config = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM sync_sinks WHERE id = ?'),
      cursor: db.prepare('UPDATE sync_sinks SET cursor = ? WHERE id = ? AND cursor < ?'),
      rollupCursor: db.prepare('UPDATE sync_sinks SET rollup_cursor = ? WHERE id = ? AND rollup_cursor < ?'),
      inflight: db.prepare('UPDATE sync_sinks SET inflight = ? WHERE id = ?'),
      rollupInflight: db.prepare('UPDATE sync_sinks SET rollup_inflight = ? WHERE id = ?'),
      minCursor: db.prepare('SELECT min(cursor) FROM sync_sinks').pluck(),
      freeze: db.prepare(
        `INSERT OR REPLACE INTO sync_frozen (sink_id, channel, first_seq, last_seq, idempotency_key, events,
           readings, oldest_at, frozen_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      frozen: db.prepare<[string], OutgoingBatch>(
        `SELECT sink_id AS sinkId, channel, first_seq AS firstSeq, last_seq AS lastSeq,
           idempotency_key AS key, events, readings, oldest_at AS oldestAt, payload
         FROM sync_frozen WHERE sink_id = ?`,
      ),
      thaw: db.prepare('DELETE FROM sync_frozen WHERE sink_id = ? AND idempotency_key = ?'),
      park: db.prepare(
        `INSERT INTO sync_parked (sink_id, first_seq, last_seq, idempotency_key, events, readings, status,
           error, parked_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      parked: db.prepare<[{ sink: string | null }], ParkedRecord>(
        `SELECT ${PARKED_COLUMNS} FROM sync_parked WHERE @sink IS NULL OR sink_id = @sink ORDER BY id`,
      ),
      parkedOne: db.prepare<[number], ParkedRecord & { payload: Buffer }>(
        `SELECT ${PARKED_COLUMNS}, payload FROM sync_parked WHERE id = ?`,
      ),
      parkedCount: db.prepare<[string]>('SELECT count(*) FROM sync_parked WHERE sink_id = ?').pluck(),
      unpark: db.prepare('DELETE FROM sync_parked WHERE id = ?'),
      settings: db.prepare<
        [],
        { bandwidth_bytes_s: number | null; metered: number; outbox_quota_bytes: number }
      >('SELECT bandwidth_bytes_s, metered, outbox_quota_bytes FROM sync_settings WHERE id = 1'),
      setSettings: db.prepare(
        'UPDATE sync_settings SET bandwidth_bytes_s = ?, metered = ?, outbox_quota_bytes = ? WHERE id = 1',
      ),
      folded: db.prepare<[{ readings: number; from: number; to: number; at: number; id: string }]>(
        `UPDATE sync_sinks SET folded_readings = folded_readings + @readings,
           folded_from = min(coalesce(folded_from, @from), @from), folded_to = max(coalesce(folded_to, @to), @to),
           folded_at = @at WHERE id = @id`,
      ),
    };
  }

  all(): SinkRecord[] {
    return this.s.all.all().map(fromRow);
  }

  get(id: string): SinkRecord | undefined {
    const row = this.s.get.get(id);
    return row ? fromRow(row) : undefined;
  }

  insert(r: SinkRecord): void {
    const { folded: _folded, ...row } = r;
    this.s.insert.run({ ...row, enabled: r.enabled ? 1 : 0, config: JSON.stringify(r.config) });
  }

  update(id: string, name: string, enabled: boolean, config: Record<string, unknown>): void {
    this.s.update.run(name, enabled ? 1 : 0, JSON.stringify(config), id);
  }

  remove(id: string): boolean {
    return this.s.remove.run(id).changes > 0;
  }

  /** Moves a cursor forward only: a late answer for an old batch can never move it back. */
  advance(id: string, seq: number, channel: 'raw' | 'rollup' = 'raw'): void {
    (channel === 'raw' ? this.s.cursor : this.s.rollupCursor).run(seq, id, seq);
  }

  /**
   * Keeps a batch as it first goes on the wire, bytes and key, so every retry (after a
   * restart too) sends it unchanged. `inflight` still marks its range for the outbox quota.
   */
  freeze(batch: OutgoingBatch, now = Date.now()): void {
    this.db.transaction(() => {
      this.s.freeze.run(
        batch.sinkId,
        batch.channel,
        batch.firstSeq,
        batch.lastSeq,
        batch.key,
        batch.events,
        batch.readings,
        batch.oldestAt,
        now,
        batch.payload,
      );
      (batch.channel === 'raw' ? this.s.inflight : this.s.rollupInflight).run(batch.lastSeq, batch.sinkId);
    })();
  }

  /** The batch a sink had on the wire and not yet acknowledged, if any. */
  frozen(sinkId: string): OutgoingBatch | undefined {
    return this.s.frozen.get(sinkId);
  }

  /** The receiver stored the batch: the cursor moves past it and it is no longer frozen, in one transaction. */
  acknowledge(batch: OutgoingBatch): void {
    this.db.transaction(() => {
      this.advance(batch.sinkId, batch.lastSeq, batch.channel);
      this.s.thaw.run(batch.sinkId, batch.key);
    })();
  }

  /** Lowest cursor over every sink, or null without sinks: rows up to it can go. */
  minCursor(): number | null {
    return (this.s.minCursor.get() as number | null) ?? null;
  }

  /** Parks a refused batch and moves the cursor past it, in one transaction. */
  park(batch: OutgoingBatch, status: number | null, error: string, now = Date.now()): void {
    this.db.transaction(() => {
      this.s.park.run(
        batch.sinkId,
        batch.firstSeq,
        batch.lastSeq,
        batch.key,
        batch.events,
        batch.readings,
        status,
        error,
        now,
        batch.payload,
      );
      this.advance(batch.sinkId, batch.lastSeq, batch.channel);
      this.s.thaw.run(batch.sinkId, batch.key);
    })();
  }

  parked(sinkId: string | null = null): ParkedRecord[] {
    return this.s.parked.all({ sink: sinkId });
  }

  parkedWithPayload(id: number): (ParkedRecord & { payload: Buffer }) | undefined {
    return this.s.parkedOne.get(id);
  }

  parkedCount(sinkId: string): number {
    return this.s.parkedCount.get(sinkId) as number;
  }

  unpark(id: number): boolean {
    return this.s.unpark.run(id).changes > 0;
  }

  settings(): SyncSettingsRecord {
    const r = this.s.settings.get()!;
    return {
      bandwidthBytesPerS: r.bandwidth_bytes_s,
      metered: r.metered === 1,
      outboxQuotaBytes: r.outbox_quota_bytes,
    };
  }

  setSettings(s: SyncSettingsRecord): void {
    this.s.setSettings.run(s.bandwidthBytesPerS, s.metered ? 1 : 0, s.outboxQuotaBytes);
  }

  /** Adds a fold to each sink that had not sent the folded rows (in the fold's transaction). */
  addFolded(ids: readonly string[], readings: number, fromTs: number, toTs: number, at: number): void {
    for (const id of ids) this.s.folded.run({ readings, from: fromTs, to: toTs, at, id });
  }
}

function fromRow(row: SinkRow): SinkRecord {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    enabled: row.enabled === 1,
    config: JSON.parse(row.config) as Record<string, unknown>,
    cursor: row.cursor,
    rollupCursor: row.rollup_cursor,
    inflight: row.inflight,
    rollupInflight: row.rollup_inflight,
    createdAt: row.created_at,
    folded:
      row.folded_readings > 0
        ? {
            readings: row.folded_readings,
            fromTs: row.folded_from!,
            toTs: row.folded_to!,
            at: row.folded_at!,
          }
        : null,
  };
}
