import type Database from 'better-sqlite3';
import { type BlockColumns, encodeBlock } from '../codec/block-codec';
import { aggregate, RESOLUTIONS, rollupParams, UPSERT_ROLLUP_SQL } from '../rollups';
import type { Migration } from './index';

/** points per block written by the store; also the unit the migration re-packs into */
export const MAX_BLOCK_POINTS = 4096;

/**
 * A row per reading costs ~27 bytes and ~10 µs to write; compressed per-series blocks
 * cost 2-4 bytes a reading and are written in bulk. New readings land in an append-only
 * ingest log (one row per committed batch, durable at commit) and are compacted into
 * blocks and rollups together, in one transaction, so the rollups always equal the raw
 * data they summarize. Existing v1 rows are re-packed into blocks.
 */
export const migration002: Migration = {
  version: 2,
  name: 'compressed blocks, ingest log, rollups',
  up: (db: Database.Database) => {
    db.exec(`
      CREATE TABLE ingest_log (
        id      INTEGER PRIMARY KEY,
        created INTEGER NOT NULL,
        count   INTEGER NOT NULL,
        data    BLOB NOT NULL
      ) STRICT;

      CREATE TABLE blocks (
        id        INTEGER PRIMARY KEY,
        series_id INTEGER NOT NULL,
        start_ts  INTEGER NOT NULL,
        end_ts    INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        data      BLOB NOT NULL
      ) STRICT;
      CREATE INDEX blocks_by_series ON blocks (series_id, end_ts, start_ts);
      CREATE INDEX blocks_by_age ON blocks (end_ts);

      CREATE TABLE rollups (
        series_id INTEGER NOT NULL,
        res       INTEGER NOT NULL,
        bucket    INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        sum       REAL NOT NULL,
        min       REAL, min_ts INTEGER NOT NULL, min_q INTEGER NOT NULL,
        max       REAL, max_ts INTEGER NOT NULL, max_q INTEGER NOT NULL,
        first     REAL, first_ts INTEGER NOT NULL,
        last      REAL, last_ts INTEGER NOT NULL,
        flagged   INTEGER NOT NULL,
        PRIMARY KEY (series_id, res, bucket)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX rollups_by_age ON rollups (res, bucket);
    `);
    const insertBlock = db.prepare(
      'INSERT INTO blocks (series_id, start_ts, end_ts, count, data) VALUES (?, ?, ?, ?, ?)',
    );
    const upsert = db.prepare(UPSERT_ROLLUP_SQL);
    const seriesIds = db.prepare('SELECT id FROM series').pluck().all() as number[];
    const rows = db
      .prepare('SELECT ts, value, quality, seq FROM readings WHERE series_id = ? ORDER BY ts')
      .raw();
    for (const series of seriesIds) {
      const all = rows.all(series) as [number, number | null, number, number | null][];
      for (let at = 0; at < all.length; at += MAX_BLOCK_POINTS) {
        const part = all.slice(at, at + MAX_BLOCK_POINTS);
        const c: BlockColumns = {
          ts: Float64Array.from(part, (r) => r[0]),
          values: Float64Array.from(part, (r) => r[1] ?? Number.NaN),
          quality: Uint8Array.from(part, (r) => r[2]),
          seq: Float64Array.from(part, (r) => r[3] ?? -1),
        };
        insertBlock.run(series, c.ts[0], c.ts[c.ts.length - 1], part.length, encodeBlock(c));
        for (const res of RESOLUTIONS) {
          for (const a of aggregate(c, res.ms)) upsert.run(rollupParams(series, res.ms, a));
        }
      }
    }
    db.exec('DROP TABLE readings');
  },
};
