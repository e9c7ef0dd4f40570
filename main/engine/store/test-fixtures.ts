/** Small helpers for store tests: a fresh store in a temp folder and column batches from tuples. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../log';
import { allocateBatch, type ColumnBatch } from './column-batch';
import { openDatabase } from './database';
import { ReadingStore } from './reading-store';
import type { TimeSeriesStoreOptions } from './time-series-store';

export const silent = createLogger({ level: 'silent' });

export function tempDataDir(label = 'store'): string {
  return mkdtempSync(path.join(os.tmpdir(), `fieldline-${label}-`));
}

export function openStore(dataDir = tempDataDir(), options: TimeSeriesStoreOptions = {}) {
  const { db, file } = openDatabase({ dataDir, log: silent });
  const store = new ReadingStore(db, file, silent, options);
  store.upsertDevice({
    id: 'd1',
    name: 'D1',
    kind: 'k',
    profile: 'p',
    transport: 'serial',
    connectorId: 'c',
  });
  return { db, store, dataDir };
}

/** [series, ts, value (NaN = null), quality, seq] */
export type Row = [number, number, number, number, number];

export function batchOf(rows: readonly Row[]): ColumnBatch {
  const b = allocateBatch(rows.length);
  rows.forEach(([s, t, v, q, seq], i) => {
    b.series[i] = s;
    b.ts[i] = t;
    b.values[i] = v;
    b.quality[i] = q;
    b.seq[i] = seq;
    b.arrived[i] = t;
  });
  b.length = rows.length;
  return b;
}

/** A real SQLite file in a temp folder with every migration applied (registry, audit, secrets). */
export function openTestDb(label = 'db') {
  const dataDir = tempDataDir(label);
  return { ...openDatabase({ dataDir, log: silent }), dataDir };
}
