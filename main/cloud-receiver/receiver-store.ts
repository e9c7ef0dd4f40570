/**
 * What the reference receiver keeps: every reading once by (device, metric, ts), every other
 * event once by (source, id), every completed batch by its Idempotency-Key, and counters of
 * what it dropped as duplicates. A batch's rows and its key commit in one transaction, so
 * a key is only ever recorded for a batch that is fully stored.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type CloudEvent, isReadingsEvent, type ReadingsData } from './cloudevents-input';

export interface ReceiverCounters {
  batches: number;
  duplicateBatches: number;
  readings: number;
  duplicateReadings: number;
  events: number;
  duplicateEvents: number;
  rejectedBatches: number;
  partialBatches: number;
  faults: number;
  mqttMessages: number;
  bytes: number;
  /** readings events that arrived for a device after a later outbox batch of that device had: per-device order broken */
  outOfOrder: number;
}

export interface StoreOutcome {
  events: number;
  readings: number;
  duplicateReadings: number;
  duplicateEvents: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, metric TEXT NOT NULL, UNIQUE (device_id, metric)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS readings (
    series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL,
    PRIMARY KEY (series_id, ts)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, subject TEXT,
    time TEXT, data TEXT, UNIQUE (source, id)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS batches (
    key TEXT PRIMARY KEY, received_at INTEGER NOT NULL, events INTEGER NOT NULL, readings INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS down_docs (
    kind TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL
  ) STRICT;
`;

const COUNTER_NAMES: (keyof ReceiverCounters)[] = [
  'batches',
  'duplicateBatches',
  'readings',
  'duplicateReadings',
  'events',
  'duplicateEvents',
  'rejectedBatches',
  'partialBatches',
  'faults',
  'mqttMessages',
  'bytes',
  'outOfOrder',
];

export class ReceiverStore {
  readonly db: Database.Database;
  readonly counters: ReceiverCounters;
  private readonly seriesIds = new Map<string, number>();
  /** per source and device, the highest outbox sequence seen in a readings event id (r<first>-<last>-<n>) */
  private readonly lastSeqOf = new Map<string, number>();
  private readonly s;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.s = {
      seriesAll: this.db.prepare<[], { id: number; device_id: string; metric: string }>(
        'SELECT * FROM series',
      ),
      seriesInsert: this.db.prepare('INSERT INTO series (device_id, metric) VALUES (?, ?)'),
      reading: this.db.prepare(
        'INSERT OR IGNORE INTO readings (series_id, ts, value, quality) VALUES (?, ?, ?, ?)',
      ),
      event: this.db.prepare(
        'INSERT OR IGNORE INTO events (source, id, type, subject, time, data) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      batchSeen: this.db.prepare('SELECT 1 FROM batches WHERE key = ?').pluck(),
      batch: this.db.prepare('INSERT INTO batches (key, received_at, events, readings) VALUES (?, ?, ?, ?)'),
      counter: this.db.prepare(
        'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      ),
      counters: this.db.prepare<[], { name: string; value: number }>('SELECT name, value FROM counters'),
      seriesOf: this.db
        .prepare<[string, string]>('SELECT id FROM series WHERE device_id = ? AND metric = ?')
        .pluck(),
      window: this.db.prepare<[number], { ts: number; value: number | null; quality: number }>(
        'SELECT ts, value, quality FROM readings WHERE series_id = ? ORDER BY ts',
      ),
      allSeries: this.db.prepare<[], { deviceId: string; metric: string; count: number }>(
        `SELECT s.device_id AS deviceId, s.metric, count(*) AS count FROM readings r
         JOIN series s ON s.id = r.series_id GROUP BY r.series_id ORDER BY s.device_id, s.metric`,
      ),
      total: this.db.prepare('SELECT count(*) FROM readings').pluck(),
      eventsOf: this.db.prepare<
        [],
        { source: string; id: string; type: string; subject: string; data: string }
      >('SELECT source, id, type, subject, data FROM events ORDER BY seq'),
      docGet: this.db.prepare<[string], { version: number; data: string }>(
        'SELECT version, data FROM down_docs WHERE kind = ?',
      ),
      docPut: this.db.prepare(
        `INSERT INTO down_docs (kind, version, data) VALUES (?, 1, ?)
         ON CONFLICT (kind) DO UPDATE SET version = version + 1, data = excluded.data`,
      ),
    };
    for (const s of this.s.seriesAll.all()) this.seriesIds.set(`${s.device_id}\u0000${s.metric}`, s.id);
    const saved = new Map(this.s.counters.all().map((c) => [c.name, c.value]));
    this.counters = Object.fromEntries(
      COUNTER_NAMES.map((n) => [n, saved.get(n) ?? 0]),
    ) as unknown as ReceiverCounters;
  }

  hasBatch(key: string): boolean {
    return this.s.batchSeen.get(key) !== undefined;
  }

  /**
   * Stores events (all of them, or the first `limit`), and the batch key when all were
   * stored; one transaction, counters included.
   */
  store(events: readonly CloudEvent[], key: string | null, limit = events.length): StoreOutcome {
    const outcome: StoreOutcome = { events: 0, readings: 0, duplicateReadings: 0, duplicateEvents: 0 };
    this.db.transaction(() => {
      for (let i = 0; i < limit && i < events.length; i++) {
        const e = events[i]!;
        if (isReadingsEvent(e)) {
          const before = outcome.readings;
          this.storeReadings(e.data, outcome);
          if (outcome.readings > before) this.checkOrder(e.source, e.data.deviceId, e.id);
        } else if (
          this.s.event.run(
            e.source,
            e.id,
            e.type,
            e.subject ?? null,
            e.time ?? null,
            JSON.stringify(e.data ?? null),
          ).changes > 0
        ) {
          outcome.events++;
        } else outcome.duplicateEvents++;
      }
      const complete = limit >= events.length;
      if (complete && key !== null) this.s.batch.run(key, Date.now(), events.length, outcome.readings);
      this.counters.readings += outcome.readings;
      this.counters.duplicateReadings += outcome.duplicateReadings;
      this.counters.events += outcome.events;
      this.counters.duplicateEvents += outcome.duplicateEvents;
      if (complete) this.counters.batches++;
      else this.counters.partialBatches++;
      this.saveCounters();
    })();
    return outcome;
  }

  /** The sender promises per-device order: new readings of a device never come from an older batch. */
  private checkOrder(source: string, deviceId: string, eventId: string): void {
    const m = /^r(\d+)-(\d+)-\d+$/.exec(eventId);
    if (!m) return;
    const first = Number(m[1]);
    const k = `${source}\u0000${deviceId}`;
    const last = this.lastSeqOf.get(k) ?? -1;
    if (first < last) this.counters.outOfOrder++;
    else this.lastSeqOf.set(k, first);
  }

  private storeReadings(d: ReadingsData, outcome: StoreOutcome): void {
    const k = `${d.deviceId}\u0000${d.metric}`;
    let seriesId = this.seriesIds.get(k);
    if (seriesId === undefined) {
      seriesId = Number(this.s.seriesInsert.run(d.deviceId, d.metric).lastInsertRowid);
      this.seriesIds.set(k, seriesId);
    }
    let t = 0;
    const insert = this.s.reading;
    for (let i = 0; i < d.ts.length; i++) {
      t = i === 0 ? d.ts[0]! : t + d.ts[i]!;
      if (insert.run(seriesId, t, d.values[i] ?? null, d.quality[i] ?? 0).changes > 0) outcome.readings++;
      else outcome.duplicateReadings++;
    }
  }

  count(name: keyof ReceiverCounters, by = 1): void {
    this.counters[name] += by;
    this.saveCounters();
  }

  private saveCounters(): void {
    for (const n of COUNTER_NAMES) this.s.counter.run(n, this.counters[n]);
  }

  series(deviceId: string, metric: string): { ts: number[]; values: (number | null)[]; quality: number[] } {
    const id = this.s.seriesOf.get(deviceId, metric) as number | undefined;
    const rows = id === undefined ? [] : this.s.window.all(id);
    return {
      ts: rows.map((r) => r.ts),
      values: rows.map((r) => r.value),
      quality: rows.map((r) => r.quality),
    };
  }

  seriesList(): { deviceId: string; metric: string; count: number }[] {
    return this.s.allSeries.all();
  }

  totalReadings(): number {
    return this.s.total.get() as number;
  }

  events(): { source: string; id: string; type: string; subject: string; data: unknown }[] {
    return this.s.eventsOf.all().map((e) => ({ ...e, data: JSON.parse(e.data) as unknown }));
  }

  /** Down-sync documents: a version that moves on every change, used as the ETag. */
  doc(kind: string): { version: number; data: unknown } | null {
    const row = this.s.docGet.get(kind);
    return row ? { version: row.version, data: JSON.parse(row.data) as unknown } : null;
  }

  putDoc(kind: string, data: unknown): void {
    this.s.docPut.run(kind, JSON.stringify(data));
  }

  close(): void {
    this.db.close();
  }
}
