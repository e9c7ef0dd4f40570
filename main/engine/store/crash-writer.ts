/**
 * Child process for the crash test: ingests deterministic batches as fast as it can and
 * prints "ack N" after batch N is committed. The test kills it with SIGKILL mid-stream.
 * Batch contents are a pure function of N (see crashBatchRows), so the test knows
 * exactly what every acknowledged batch held.
 */
import { createLogger } from '../log';
import { openDatabase } from './database';
import { ReadingStore } from './reading-store';
import { batchOf, type Row } from './test-fixtures';

export const CRASH_SERIES = 50;
export const CRASH_T0 = Date.UTC(2026, 0, 1);
const PER_BATCH = 2000;

/** Batch n: 2,000 readings over 50 series at 1 Hz device time, 2% resent from batch n-1, some late. */
export function crashBatchRows(n: number, seriesIds: readonly number[]): Row[] {
  const rows: Row[] = [];
  const per = PER_BATCH / CRASH_SERIES;
  for (let i = 0; i < PER_BATCH; i++) {
    const s = i % CRASH_SERIES;
    let k = n * per + Math.floor(i / CRASH_SERIES);
    // every 50th reading is a resend of the previous batch's, every 97th arrives 3 batches late
    if (i % 50 === 7 && n > 0) k -= per;
    else if (i % 97 === 3 && n > 3) k -= 3 * per;
    const t = CRASH_T0 + k * 1000;
    rows.push([seriesIds[s]!, t, Math.round(Math.sin(k / 10 + s) * 10_000) / 100, k % 31 === 0 ? 3 : 0, -1]);
  }
  return rows;
}

if (process.argv[2] === '--run') {
  const dataDir = process.argv[3]!;
  const log = createLogger({ level: 'silent' });
  const { db, file } = openDatabase({ dataDir, log });
  const store = new ReadingStore(db, file, log, { compactAtPoints: 15_000 });
  store.upsertDevice({
    id: 'crash',
    name: 'crash',
    kind: 'k',
    profile: 'p',
    transport: 'serial',
    connectorId: 'c',
  });
  const ids = Array.from({ length: CRASH_SERIES }, (_, s) => store.seriesId('crash', `m${s}`));
  for (let n = 0; ; n++) {
    store.ingestColumns(batchOf(crashBatchRows(n, ids)));
    process.stdout.write(`ack ${n}\n`);
  }
}
