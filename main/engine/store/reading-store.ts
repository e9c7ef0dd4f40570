/**
 * The engine's store: devices and their series, readings (through the time-series store)
 * and chart queries. One writer; every write path goes through here.
 */
import { statSync } from 'node:fs';
import type { Retention, StoreStatus } from '../../../common/contract';
import type { Reading } from '../../../common/reading';
import type { DeviceDescriptor } from '../connectors/connector';
import type { Logger } from '../log';
import { batchFromReadings, type ColumnBatch } from './column-batch';
import { type Db, timed } from './database';
import { type RetentionOutcome, RetentionPolicy } from './retention';
import { SeriesQuery, type SeriesWindow } from './series-query';
import { type IngestOutcome, TimeSeriesStore, type TimeSeriesStoreOptions } from './time-series-store';

export interface StoredDevice extends DeviceDescriptor {
  firstSeen: number;
  lastSeen: number | null;
  readings: number;
  duplicates: number;
  flagged: number;
}

export interface DeviceBatchCounts {
  stored: number;
  duplicates: number;
  flagged: number;
  lastArrived: number;
}

export interface BatchResult {
  /** readings newly stored, in the order given; duplicates left out */
  accepted: Reading[];
  duplicates: number;
  flagged: number;
  perDevice: Map<string, DeviceBatchCounts>;
}

export interface LastReading {
  deviceId: string;
  metric: string;
  ts: number;
  value: number | null;
  quality: number;
}

export interface SeriesRef {
  id: number;
  deviceId: string;
  metric: string;
}

export class ReadingStore {
  private readonly seriesIds = new Map<string, number>();
  private readonly seriesById = new Map<number, SeriesRef>();
  /** device counters not yet written; they commit with the next compaction */
  private readonly pendingCounts = new Map<string, DeviceBatchCounts>();
  private readonly statements;
  readonly series: TimeSeriesStore;
  readonly retention: RetentionPolicy;
  private lastRetentionRun: number | null = null;
  private readonly queries: SeriesQuery;
  readonly query: (
    deviceId: string,
    metric: string,
    from: number,
    to: number,
    pixels: number,
  ) => SeriesWindow;

  constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly log: Logger,
    options: TimeSeriesStoreOptions = {},
  ) {
    this.statements = {
      upsertDevice: db.prepare(`
        INSERT INTO devices (id, name, kind, profile, transport, connector_id, first_seen)
        VALUES (@id, @name, @kind, @profile, @transport, @connectorId, @now)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
          profile = excluded.profile, transport = excluded.transport, connector_id = excluded.connector_id,
          removed_at = NULL`),
      deviceCounts: db.prepare(`
        UPDATE devices SET readings = readings + ?, duplicates = duplicates + ?, flagged = flagged + ?,
          last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?`),
      allSeries: db.prepare('SELECT id, device_id AS deviceId, metric FROM series'),
      insertSeries: db.prepare('INSERT INTO series (device_id, metric) VALUES (?, ?)'),
      allDevices: db.prepare('SELECT * FROM devices WHERE removed_at IS NULL ORDER BY id'),
      lastBlock: db.prepare('SELECT max(end_ts) FROM blocks WHERE series_id = ?').pluck(),
      oldestBlock: db.prepare('SELECT start_ts FROM blocks ORDER BY end_ts LIMIT 1').pluck(),
      newestBlock: db.prepare('SELECT max(end_ts) FROM blocks').pluck(),
      oldestRollup: db.prepare('SELECT min(bucket) FROM rollups WHERE res = ?').pluck(),
    };
    for (const s of this.statements.allSeries.all() as SeriesRef[]) this.remember(s);
    this.series = new TimeSeriesStore(db, log, options);
    this.series.onCompact = () => this.writeDeviceCounts();
    // readings replayed from the log after a crash were never added to the device counters
    for (const [seriesId, replayed] of this.series.replayed) {
      const deviceId = this.seriesById.get(seriesId)?.deviceId;
      if (deviceId === undefined) continue;
      const c = this.pendingFor(deviceId);
      c.stored += replayed.stored;
      c.flagged += replayed.flagged;
    }
    this.queries = new SeriesQuery(db, this.series);
    this.retention = new RetentionPolicy(db);
    const query = timed(log, 'readings.query', (s: number, from: number, to: number, pixels: number) =>
      this.queries.window(s, from, to, pixels),
    );
    this.query = (deviceId, metric, from, to, pixels) => {
      const id = this.seriesIds.get(`${deviceId}\u0000${metric}`);
      if (id === undefined) return { ts: [], values: [], quality: [], resolution: 'raw', columnMs: 1 };
      return query(id, from, to, pixels);
    };
  }

  upsertDevice(device: DeviceDescriptor, now = Date.now()): void {
    this.statements.upsertDevice.run({ ...device, now });
  }

  devices(): StoredDevice[] {
    // counters still pending (not yet compacted) count too
    return (this.statements.allDevices.all() as Record<string, unknown>[]).map((row) => {
      const pending = this.pendingCounts.get(row.id as string);
      const lastSeen = (row.last_seen as number | null) ?? null;
      return {
        id: row.id as string,
        name: row.name as string,
        kind: row.kind as string,
        profile: row.profile as string,
        transport: row.transport as StoredDevice['transport'],
        connectorId: row.connector_id as string,
        firstSeen: row.first_seen as number,
        lastSeen: pending ? Math.max(lastSeen ?? 0, pending.lastArrived) : lastSeen,
        readings: (row.readings as number) + (pending?.stored ?? 0),
        duplicates: (row.duplicates as number) + (pending?.duplicates ?? 0),
        flagged: (row.flagged as number) + (pending?.flagged ?? 0),
      };
    });
  }

  /**
   * Takes a device out of the cache. 'keep' leaves its readings queryable and hides the
   * device until it reports again; 'purge' deletes its readings, series and row.
   */
  removeDevice(deviceId: string, readings: 'keep' | 'purge', now = Date.now()): { readingsDeleted: number } {
    if (readings === 'keep') {
      this.db.prepare('UPDATE devices SET removed_at = ? WHERE id = ?').run(now, deviceId);
      return { readingsDeleted: 0 };
    }
    const purged = this.purgeDevice(deviceId);
    this.db.prepare('DELETE FROM devices WHERE id = ?').run(deviceId);
    return { readingsDeleted: purged.readings };
  }

  /** Readings and series of a device, gone for good: blocks, rollups and what still waits in the heads. */
  purgeDevice(deviceId: string): { readings: number; series: number } {
    const series = [...this.seriesById.values()].filter((s) => s.deviceId === deviceId).map((s) => s.id);
    if (series.length === 0) return { readings: 0, series: 0 };
    // the ingest log holds every device's recent readings in shared rows: compact them into blocks first
    this.flush();
    const readings = this.series.forget(series);
    this.pendingCounts.delete(deviceId);
    for (const id of series) {
      const s = this.seriesById.get(id)!;
      this.seriesById.delete(id);
      this.seriesIds.delete(`${s.deviceId}\u0000${s.metric}`);
    }
    return { readings, series: series.length };
  }

  /** The newest reading of every series, by device time. */
  lastReadings(): LastReading[] {
    const out: LastReading[] = [];
    for (const s of this.seriesById.values()) {
      const head = this.series.head(s.id);
      if (head && head.length > 0) {
        const i = head.length - 1;
        const blockEnd = this.statements.lastBlock.get(s.id) as number | null;
        if (blockEnd === null || head.ts[i]! > blockEnd) {
          const v = head.values[i]!;
          out.push({
            ...ref(s),
            ts: head.ts[i]!,
            value: Number.isNaN(v) ? null : v,
            quality: head.quality[i]!,
          });
          continue;
        }
      }
      const end = this.statements.lastBlock.get(s.id) as number | null;
      if (end === null) continue;
      const blocks = this.series.blocksIn(s.id, end, end);
      const b = blocks.at(-1);
      if (!b || b.ts.length === 0) continue;
      const i = b.ts.length - 1;
      const v = b.values[i]!;
      out.push({ ...ref(s), ts: b.ts[i]!, value: Number.isNaN(v) ? null : v, quality: b.quality[i]! });
    }
    return out;
  }

  seriesId(deviceId: string, metric: string): number {
    const key = `${deviceId}\u0000${metric}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      id = Number(this.statements.insertSeries.run(deviceId, metric).lastInsertRowid);
      this.remember({ id, deviceId, metric });
    }
    return id;
  }

  seriesRef(id: number): SeriesRef | undefined {
    return this.seriesById.get(id);
  }

  /** Stores a batch durably. Readings for unknown devices must not reach here. */
  insertBatch(
    batch: readonly Reading[],
    now = Date.now(),
    withinCommit?: (accepted: readonly Reading[]) => void,
  ): BatchResult {
    const columns = batchFromReadings(batch, (d, m) => this.seriesId(d, m), now);
    const outcome = this.ingestColumns(
      columns,
      withinCommit && ((mask) => withinCommit(batch.filter((_, i) => mask[i] !== 0))),
    );
    const accepted: Reading[] = [];
    const perDevice = new Map<string, DeviceBatchCounts>();
    let flagged = 0;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      let counts = perDevice.get(r.deviceId);
      if (!counts) {
        counts = { stored: 0, duplicates: 0, flagged: 0, lastArrived: 0 };
        perDevice.set(r.deviceId, counts);
      }
      counts.lastArrived = Math.max(counts.lastArrived, columns.arrived[i]!);
      if (outcome.accepted[i] === 0) {
        counts.duplicates++;
        continue;
      }
      accepted.push(r);
      counts.stored++;
      if (r.quality !== 'good') {
        counts.flagged++;
        flagged++;
      }
    }
    return { accepted, duplicates: outcome.duplicates, flagged, perDevice };
  }

  /** The fast path: columns in, durable and deduplicated out. */
  ingestColumns(batch: ColumnBatch, withinCommit?: (accepted: Uint8Array) => void): IngestOutcome {
    const outcome = this.series.ingest(batch, withinCommit);
    for (let i = 0; i < batch.length; i++) {
      const deviceId = this.seriesById.get(batch.series[i]!)?.deviceId;
      if (deviceId === undefined) continue;
      const c = this.pendingFor(deviceId);
      if (outcome.accepted[i] === 0) c.duplicates++;
      else {
        c.stored++;
        if (batch.quality[i] !== 0) c.flagged++;
      }
      if (batch.arrived[i]! > c.lastArrived) c.lastArrived = batch.arrived[i]!;
    }
    try {
      this.series.maybeCompact();
    } catch (error) {
      // the batch is safe in the ingest log; compaction is retried on the next call
      this.log.error('compaction failed', { error: (error as Error).message });
    }
    return outcome;
  }

  totalStored(): number {
    return this.series.totalStored();
  }

  /** Main file plus WAL: what the cache really takes on disk right now. */
  databaseBytes(): number {
    let bytes = 0;
    for (const f of [this.file, `${this.file}-wal`]) {
      try {
        bytes += statSync(f).size;
      } catch {
        // the WAL is absent after a clean checkpoint-on-close
      }
    }
    return bytes;
  }

  /** Raw readings of a window for export, oldest first, at most `limit`. */
  rawWindow(deviceId: string, metric: string, from: number, to: number, limit: number) {
    const id = this.seriesIds.get(`${deviceId}\u0000${metric}`);
    const out = {
      ts: [] as number[],
      values: [] as (number | null)[],
      quality: [] as number[],
      truncated: false,
    };
    if (id === undefined) return out;
    const raw = this.queries.raw(id, from, to);
    const n = Math.min(limit, raw.ts.length);
    out.ts = raw.ts.slice(0, n);
    out.values = raw.values.slice(0, n);
    out.quality = raw.quality.slice(0, n);
    out.truncated = raw.ts.length > limit;
    return out;
  }

  applyRetention(now = Date.now()): RetentionOutcome {
    const outcome = this.retention.apply(now);
    this.series.forgetBlockCache();
    this.lastRetentionRun = now;
    return outcome;
  }

  configureRetention(change: Partial<Retention>): void {
    this.retention.update(change);
  }

  status(): Omit<StoreStatus, 'ok' | 'error'> {
    const oldestBlock = (this.statements.oldestBlock.get() as number | undefined) ?? Number.NaN;
    const oldestHead = this.series.oldestInHeads();
    const oldestKnown = [oldestBlock, oldestHead].filter((t) => !Number.isNaN(t));
    const oldestRaw = oldestKnown.length > 0 ? Math.min(...oldestKnown) : null;
    const rollupStarts = [60_000, 3_600_000, 86_400_000]
      .map((res) => this.statements.oldestRollup.get(res) as number | null)
      .filter((t): t is number => t !== null);
    const newestBlock = (this.statements.newestBlock.get() as number | null) ?? Number.NaN;
    const newestHead = this.series.newestInHeads();
    const newest = Math.max(
      Number.isNaN(newestBlock) ? -1 : newestBlock,
      Number.isNaN(newestHead) ? -1 : newestHead,
    );
    return {
      file: this.file,
      databaseBytes: this.databaseBytes(),
      readings: this.totalStored(),
      pendingReadings: this.series.pendingPoints(),
      oldestRaw,
      oldestRollup: rollupStarts.length > 0 ? Math.min(...rollupStarts) : null,
      newest: newest < 0 ? null : newest,
      retention: this.retention.current(),
      lastRetentionRun: this.lastRetentionRun,
    };
  }

  /** Compacts everything pending; called on close so a clean stop leaves no log behind. */
  flush(): void {
    if (this.series.pendingPoints() > 0) this.series.compact();
    else if (this.pendingCounts.size > 0) this.db.transaction(() => this.writeDeviceCounts())();
  }

  private writeDeviceCounts(): void {
    for (const [deviceId, c] of this.pendingCounts) {
      this.statements.deviceCounts.run(c.stored, c.duplicates, c.flagged, c.lastArrived, deviceId);
    }
    this.pendingCounts.clear();
  }

  private pendingFor(deviceId: string): DeviceBatchCounts {
    let c = this.pendingCounts.get(deviceId);
    if (!c) {
      c = { stored: 0, duplicates: 0, flagged: 0, lastArrived: 0 };
      this.pendingCounts.set(deviceId, c);
    }
    return c;
  }

  private remember(s: SeriesRef): void {
    this.seriesIds.set(`${s.deviceId}\u0000${s.metric}`, s.id);
    this.seriesById.set(s.id, s);
  }
}

function ref(s: SeriesRef) {
  return { deviceId: s.deviceId, metric: s.metric };
}
