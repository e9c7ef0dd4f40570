/**
 * The raw reading store: one writer, prepared statements, one transaction per batch.
 * A batch is all-or-nothing, so a crash mid-batch leaves neither half a batch nor
 * counters that disagree with the rows.
 */
import { statSync } from 'node:fs';
import type { SeriesData } from '../../../common/contract';
import { m4 } from '../../../common/downsample';
import { qualityCode, type Reading } from '../../../common/reading';
import type { DeviceDescriptor } from '../connectors/connector';
import type { Logger } from '../log';
import { type Db, timed } from './database';

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

export class ReadingStore {
  private readonly seriesIds = new Map<string, number>();
  private readonly statements;
  private storedTotal: number;
  readonly query: (
    deviceId: string,
    metric: string,
    from: number,
    to: number,
    maxPoints: number,
  ) => SeriesData;

  constructor(
    private readonly db: Db,
    private readonly file: string,
    log: Logger,
  ) {
    this.statements = {
      upsertDevice: db.prepare(`
        INSERT INTO devices (id, name, kind, profile, transport, connector_id, first_seen)
        VALUES (@id, @name, @kind, @profile, @transport, @connectorId, @now)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
          profile = excluded.profile, transport = excluded.transport, connector_id = excluded.connector_id`),
      deviceCounts: db.prepare(`
        UPDATE devices SET readings = readings + ?, duplicates = duplicates + ?, flagged = flagged + ?,
          last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?`),
      findSeries: db.prepare('SELECT id FROM series WHERE device_id = ? AND metric = ?').pluck(),
      insertSeries: db.prepare('INSERT INTO series (device_id, metric) VALUES (?, ?)'),
      insertReading: db.prepare(
        'INSERT OR IGNORE INTO readings (series_id, ts, value, quality, seq) VALUES (?, ?, ?, ?, ?)',
      ),
      range: db
        .prepare(
          'SELECT ts, value, quality FROM readings WHERE series_id = ? AND ts >= ? AND ts <= ? ORDER BY ts',
        )
        .raw(),
      allDevices: db.prepare('SELECT * FROM devices ORDER BY id'),
      lastReadings: db.prepare(`
        SELECT s.device_id AS deviceId, s.metric AS metric, r.ts AS ts, r.value AS value, r.quality AS quality
        FROM series s JOIN readings r ON r.series_id = s.id
        WHERE r.ts = (SELECT max(ts) FROM readings WHERE series_id = s.id)`),
      count: db.prepare('SELECT count(*) FROM readings').pluck(),
    };
    this.storedTotal = this.statements.count.get() as number;
    this.query = timed(log, 'readings.query', (deviceId, metric, from, to, maxPoints) =>
      this.queryRaw(deviceId, metric, from, to, maxPoints),
    );
  }

  upsertDevice(device: DeviceDescriptor, now = Date.now()): void {
    this.statements.upsertDevice.run({ ...device, now });
  }

  devices(): StoredDevice[] {
    return (this.statements.allDevices.all() as Record<string, unknown>[]).map((row) => ({
      id: row.id as string,
      name: row.name as string,
      kind: row.kind as string,
      profile: row.profile as string,
      transport: row.transport as StoredDevice['transport'],
      connectorId: row.connector_id as string,
      firstSeen: row.first_seen as number,
      lastSeen: (row.last_seen as number | null) ?? null,
      readings: row.readings as number,
      duplicates: row.duplicates as number,
      flagged: row.flagged as number,
    }));
  }

  lastReadings(): LastReading[] {
    return this.statements.lastReadings.all() as LastReading[];
  }

  /** Stores a batch in one transaction. Readings for unknown devices must not reach here. */
  insertBatch(batch: readonly Reading[], now = Date.now()): BatchResult {
    return this.db.transaction(() => {
      const accepted: Reading[] = [];
      const perDevice = new Map<string, DeviceBatchCounts>();
      let duplicates = 0;
      let flagged = 0;
      for (const reading of batch) {
        const seriesId = this.seriesId(reading.deviceId, reading.metric);
        const changes = this.statements.insertReading.run(
          seriesId,
          reading.ts,
          reading.value,
          qualityCode(reading.quality),
          reading.seq ?? null,
        ).changes;
        let counts = perDevice.get(reading.deviceId);
        if (!counts) {
          counts = { stored: 0, duplicates: 0, flagged: 0, lastArrived: 0 };
          perDevice.set(reading.deviceId, counts);
        }
        counts.lastArrived = Math.max(counts.lastArrived, reading.arrivedAt ?? now);
        if (changes === 0) {
          duplicates++;
          counts.duplicates++;
          continue;
        }
        accepted.push(reading);
        counts.stored++;
        if (reading.quality !== 'good') {
          flagged++;
          counts.flagged++;
        }
      }
      for (const [deviceId, c] of perDevice) {
        this.statements.deviceCounts.run(c.stored, c.duplicates, c.flagged, c.lastArrived, deviceId);
      }
      this.storedTotal += accepted.length;
      return { accepted, duplicates, flagged, perDevice };
    })();
  }

  totalStored(): number {
    return this.storedTotal;
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

  private seriesId(deviceId: string, metric: string): number {
    const key = `${deviceId}\u0000${metric}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      id =
        (this.statements.findSeries.get(deviceId, metric) as number | undefined) ??
        Number(this.statements.insertSeries.run(deviceId, metric).lastInsertRowid);
      this.seriesIds.set(key, id);
    }
    return id;
  }

  private queryRaw(
    deviceId: string,
    metric: string,
    from: number,
    to: number,
    maxPoints: number,
  ): SeriesData {
    const id = this.statements.findSeries.get(deviceId, metric) as number | undefined;
    const columns = { ts: [] as number[], values: [] as (number | null)[], quality: [] as number[] };
    if (id !== undefined) {
      for (const row of this.statements.range.iterate(id, from, to) as Iterable<
        [number, number | null, number]
      >) {
        columns.ts.push(row[0]);
        columns.values.push(row[1]);
        columns.quality.push(row[2]);
      }
    }
    const reduced = m4(columns, from, to, Math.max(1, Math.floor(maxPoints / 4)));
    return { deviceId, metric, ...reduced };
  }
}
