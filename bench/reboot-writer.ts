/**
 * Child process for `bench:reboot`: a site of numbered devices feeding a real store, the
 * way the demo's simulators do. Every device restarts its message counter when this
 * process starts (as the demo's simulated devices do when the engine restarts) and at
 * seeded random points (watchdog resets, brown-outs). Some messages are sent again: the
 * same message (same number and device time) and a re-stamped resend (same number and
 * content, a later device time). Prints "ack K" once tick K is committed; the parent kills
 * this process with SIGKILL (or stops it with SIGTERM) at random.
 */
import { createLogger } from '../main/engine/log';
import { openDatabase } from '../main/engine/store/database';
import { ReadingStore } from '../main/engine/store/reading-store';
import { batchOf, type Row } from '../main/engine/store/test-fixtures';

export const REBOOT_DEVICES = 20;
export const REBOOT_METRICS = 2;
export const TICK_MS = 100;
export const REBOOT_T0 = Date.UTC(2026, 0, 1);

/** a distinct value per device, metric and tick (what a sensor reads is not the point here) */
export function valueAt(d: number, m: number, k: number): number {
  return Math.round((Math.sin(k / 7 + d) * 1000 + m * 5000 + k * 1e-3) * 1000) / 1000;
}

/** a device resets by itself at tick k (deterministic, about once per 400 ticks) */
export function deviceResetsAt(d: number, k: number): boolean {
  return (Math.imul(k + 1, 2654435761) ^ Math.imul(d + 7, 40503)) >>> 0 < 2 ** 32 / 400;
}

if (process.argv[2] === '--run') {
  const dataDir = process.argv[3]!;
  let k = Number(process.argv[4]);
  const log = createLogger({ level: 'silent' });
  const { db, file } = openDatabase({ dataDir, log });
  const store = new ReadingStore(db, file, log, { compactAfterMs: 2_000 });
  const ids: number[][] = [];
  for (let d = 0; d < REBOOT_DEVICES; d++) {
    const id = `dev-${d}`;
    store.upsertDevice({ id, name: id, kind: 'k', profile: 'p', transport: 'mqtt', connectorId: 'c' });
    ids.push(Array.from({ length: REBOOT_METRICS }, (_, m) => store.seriesId(id, `m${m}`)));
  }
  const counters = new Array<number>(REBOOT_DEVICES).fill(0);
  process.on('SIGTERM', () => {
    store.flush();
    db.close();
    process.exit(0);
  });
  setInterval(() => {
    const rows: Row[] = [];
    const t = REBOOT_T0 + k * TICK_MS;
    for (let d = 0; d < REBOOT_DEVICES; d++) {
      if (deviceResetsAt(d, k)) counters[d] = 0;
      const seq = counters[d]!++;
      for (let m = 0; m < REBOOT_METRICS; m++) {
        const row: Row = [ids[d]![m]!, t, valueAt(d, m, k), 0, seq];
        rows.push(row);
        if ((k + d) % 20 === 0) rows.push([...row]); // sent again as it was
        if ((k + d) % 33 === 0) rows.push([row[0], t + 40, row[2], 0, seq]); // re-stamped resend
      }
    }
    store.ingestColumns(batchOf(rows));
    process.stdout.write(`ack ${k}\n`);
    k++;
  }, TICK_MS);
}
